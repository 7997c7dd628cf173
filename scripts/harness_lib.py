"""Shared pieces of the crash and multi-node harnesses (Python 3.11 standard library only):
the steward binary and its operator commands, server processes, a JSON client, and the
PostgreSQL and SQLite look-ups the checks run on."""

import http.client
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_URL = os.environ.get("HARNESS_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def steward_binary(given: str | None) -> str:
    """The binary named on the command line, else the newest built one (release or debug)."""
    if given:
        return given
    built = [ROOT / "target" / p / "steward" for p in ("release", "debug")]
    built = [b for b in built if b.exists()]
    if not built:
        raise SystemExit("no steward binary: run `cargo build -p steward --bin steward` first")
    return str(max(built, key=lambda b: b.stat().st_mtime))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def steward_env(database_url: str, listen: str, **extra: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STEWARD_")}
    env.update(
        STEWARD_DATABASE_URL=database_url,
        STEWARD_LISTEN=listen,
        STEWARD_LOG="warn",
    )
    env.update(extra)
    return env


def steward(binary: str, env: dict, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [binary, *args], env=env, input=stdin, capture_output=True, text=True, timeout=120
    )


def create_token(binary: str, env: dict, user: str, role: str) -> str:
    """Creates `user` with `role` and returns a bearer token for it."""
    made = steward(binary, env, "user", "create", user, "--role", role)
    if made.returncode != 0:
        raise SystemExit(f"steward user create failed: {made.stderr}")
    out = steward(binary, env, "token", "create", "--user", user, "--label", "harness")
    found = re.search(r"stw_[A-Za-z0-9_\-]+", out.stdout)
    if out.returncode != 0 or not found:
        raise SystemExit(f"steward token create failed: {out.stdout} {out.stderr}")
    return found.group(0)


def audit_verify(binary: str, env: dict) -> tuple[bool, str]:
    out = steward(binary, env, "audit", "verify")
    return out.returncode == 0, (out.stdout + out.stderr).strip()


def answers_ready(host: str, port: int) -> bool:
    try:
        return request(host, port, "GET", "/readyz", timeout=2)[0] == 200
    except (OSError, http.client.HTTPException):
        return False


def wait_ready(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not answers_ready(host, port):
        if time.monotonic() > deadline:
            raise SystemExit(f"nothing ready on {host}:{port} after {timeout}s")
        time.sleep(0.1)


class Node:
    """One `steward serve` process."""

    def __init__(self, binary: str, env: dict, log: Path):
        self.binary, self.env, self.log = binary, env, log
        self.proc: subprocess.Popen | None = None
        host, port = env["STEWARD_LISTEN"].rsplit(":", 1)
        self.host, self.port = host, int(port)

    def start(self) -> None:
        out = open(self.log, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve"], env=self.env, stdout=out, stderr=subprocess.STDOUT
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc and self.proc.poll() is not None:
                raise SystemExit(f"steward serve exited ({self.proc.returncode}); see {self.log}")
            if answers_ready(self.host, self.port):
                return
            time.sleep(0.1)
        raise SystemExit(f"steward serve not ready after {timeout}s; see {self.log}")

    def kill(self) -> None:
        """SIGKILL: no graceful shutdown, no flush, as a crash or the OOM killer would."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()


def request(host: str, port: int, method: str, path: str, token: str | None = None,
            body: dict | None = None, timeout: float = 30, conn: http.client.HTTPConnection | None = None):
    """Sends one request; returns (status, parsed JSON or None). Raises OSError/HTTPException
    on a connection failure, which callers treat as "not acknowledged"."""
    own = conn is None
    conn = conn or http.client.HTTPConnection(host, port, timeout=timeout)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        resp = conn.getresponse()
        raw = resp.read()
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = None
        return resp.status, parsed
    finally:
        if own:
            conn.close()


def pg_admin(sql: str) -> None:
    subprocess.run(["psql", f"{PG_ADMIN_URL}/postgres", "-qAtc", sql], check=True,
                   capture_output=True, text=True)


def create_pg_database(name: str) -> str:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_admin(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN_URL}/{name}"


def drop_pg_database(name: str) -> None:
    pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def rows(database_url: str, sql: str) -> list[tuple]:
    """Runs a read-only query on either backend; values come back as strings (PostgreSQL)
    or as SQLite gives them."""
    if database_url.startswith("sqlite:"):
        path = database_url.removeprefix("sqlite://").split("?")[0]
        with sqlite3.connect(path) as db:
            return [tuple(r) for r in db.execute(sql).fetchall()]
    out = subprocess.run(["psql", database_url, "-qAt", "-F", "\x1f", "-c", sql],
                         check=True, capture_output=True, text=True)
    return [tuple(line.split("\x1f")) for line in out.stdout.splitlines() if line]


def number_gaps(numbers: list[str], prefix: str) -> tuple[list[int], list[int], int]:
    """(missing, duplicated, highest) among numbers like INC-000123."""
    seen = sorted(int(n.removeprefix(prefix)) for n in numbers)
    highest = seen[-1] if seen else 0
    present = set(seen)
    missing = [n for n in range(1, highest + 1) if n not in present]
    duplicated = sorted(n for n, k in Counter(seen).items() if k > 1)
    return missing, duplicated, highest
