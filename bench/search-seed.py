#!/usr/bin/env python3
"""Bulk seeding for bench/search (Python 3 stdlib only): N incidents with their search
documents, written straight into a migrated Steward database, so that a million take minutes
instead of the hour the API needs. Only what search reads is written: the tickets rows (new,
spread over organizations 1..ORGS, which must exist) and one search document each (title and
description), with the same IT vocabulary as bench/tickets-create.lua, so a component word
such as "database" occurs in about 15 % of the incidents. No timeline, SLA or audit rows:
this database is for measuring search, not for anything else.

    bench/search-seed.py sqlite PATH N [ORGS] [SEED]
    bench/search-seed.py postgres DATABASE_NAME N [ORGS] [SEED]   # psql -h 127.0.0.1 -U postgres

Numbers continue after the highest existing incident; the incident counter is moved past them.
"""
import csv
import io
import random
import re
import sqlite3
import subprocess
import sys
import time

COMPONENTS = (
    "database mailserver firewall router switch printer laptop desktop vpn proxy loadbalancer "
    "webserver fileserver backup storage cluster kubernetes container hypervisor datacenter wifi "
    "telephony sharepoint exchange directory ldap dns dhcp certificate gateway payroll warehouse "
    "crm erp portal scanner monitor keyboard headset tablet"
).split()
SYMPTOMS = (
    "timeout outage crash slowness latency error failure degradation unreachable freeze leak "
    "corruption overload misconfiguration expired locked denied offline flapping reboot hang "
    "stuck missing duplicate"
).split()
FILLERS = (
    "users report since morning after update patch deployment site office branch several "
    "intermittent repeated customer finance sales support team login password account access "
    "network connection packet disk memory cpu queue service restart ticket escalation vendor "
    "license invoice upload download sync replication snapshot alert threshold log trace session "
    "browser client agent node host port tls handshake shared drive folder calendar meeting video "
    "audio call mobile device firmware driver power cooling rack cable battery screen keyboard "
    "mouse badge door camera archive retention quota mailbox spam phishing malware antivirus "
    "policy group role permission audit compliance release rollback"
).split()
PLACES = (
    "amsterdam berlin london paris madrid vienna zurich dublin oslo prague warsaw lisbon milan "
    "brussels helsinki stockholm"
).split()
LEVELS = ["high", "medium", "low"]
CATEGORIES = ["hardware", "software", "network", "access", "security", "facilities"]
PRIORITY = {("high", "high"): 1, ("high", "medium"): 2, ("medium", "high"): 2,
            ("high", "low"): 3, ("medium", "medium"): 3, ("low", "high"): 3,
            ("medium", "low"): 4, ("low", "medium"): 4, ("low", "low"): 5}


def sentence(rng, n):
    out = []
    for _ in range(n):
        r = rng.randrange(10)
        out.append(rng.choice(COMPONENTS if r < 2 else SYMPTOMS if r < 3 else FILLERS))
    return " ".join(out)


def incidents(rng, first, n, orgs, start_us):
    """(id, number, title, description, impact, urgency, priority, category, org, at)."""
    for k in range(n):
        i = first + k
        title = (f"{rng.choice(COMPONENTS)} {rng.choice(SYMPTOMS)} at {rng.choice(PLACES)} "
                 f"{sentence(rng, rng.randint(1, 3))}")
        desc = (f"{sentence(rng, rng.randint(8, 20))}. {rng.choice(COMPONENTS)} "
                f"{rng.choice(SYMPTOMS)} reported by {rng.choice(PLACES)}. "
                f"{sentence(rng, rng.randint(4, 12))}.")
        impact, urgency = rng.choice(LEVELS), rng.choice(LEVELS)
        # One incident every ~30 s, oldest first, so ids and opening times rise together.
        at = start_us + k * 30_000_000
        yield (i, f"INC-{i:06d}", title, desc, impact, urgency, PRIORITY[(impact, urgency)],
               rng.choice(CATEGORIES), rng.randint(1, orgs), at)


def words(title, body):
    """The distinct words of a document as steward_domain's terms_all splits them: runs of
    letters and digits, lower-cased."""
    return sorted({w.lower() for w in WORD.findall(title) + WORD.findall(body)})


WORD = re.compile(r"[^\W_]+")


def scope(org):
    """The term customers of the organization search by (steward_domain's scope_term)."""
    return f"\ue000{org}"


def doc_columns(scoped):
    """The text columns of search_docs and their values for an incident row: with the scope
    term on a schema that has it (migration 0045), so that a database seeded by an older
    binary (BEFORE= in bench/search) gets it from the migration instead."""
    if scoped:
        return "scope, title, body", lambda r: (scope(r[8]), r[2], r[3])
    return "title, body", lambda r: (r[2], r[3])


def main():
    backend, target, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    orgs = int(sys.argv[4]) if len(sys.argv) > 4 else 20
    seed = int(sys.argv[5]) if len(sys.argv) > 5 else 22
    rng = random.Random(seed)
    start_us = int(time.time() * 1e6) - n * 30_000_000
    t0 = time.time()
    if backend == "sqlite":
        db = sqlite3.connect(target)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=OFF")
        first = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets").fetchone()[0]
        doc = db.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM search_docs").fetchone()[0]
        scoped = any(c[1] == "scope" for c in db.execute("PRAGMA table_info(search_docs)"))
        d_cols, d_vals = doc_columns(scoped)
        batch = 10_000
        done = 0
        gen = incidents(rng, first, n, orgs, start_us)
        while done < n:
            rows = [next(gen) for _ in range(min(batch, n - done))]
            with db:
                db.executemany(
                    "INSERT INTO tickets (id, kind, number, title, description, status, impact,"
                    " urgency, priority, category, channel, organization_id, opened_at, updated_at)"
                    " VALUES (?, 'incident', ?, ?, ?, 'new', ?, ?, ?, ?, 'api', ?, ?, ?)",
                    [r[:9] + (r[9], r[9]) for r in rows])
                db.executemany(
                    f"INSERT INTO search_docs (id, ticket_id, source, public, {d_cols})"
                    f" VALUES (?, ?, 'ticket', 1, {', '.join('?' * len(d_cols.split(',')))})",
                    [(doc + done + j, r[0]) + d_vals(r) for j, r in enumerate(rows)])
            done += len(rows)
            if done % 100_000 == 0:
                print(f"  {done} incidents, {time.time() - t0:.0f} s", file=sys.stderr)
        with db:
            db.execute("UPDATE ticket_counters SET last = (SELECT MAX(id) FROM tickets)"
                       " WHERE kind = 'incident'")
        db.close()
    else:
        psql = ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", target, "-v", "ON_ERROR_STOP=1"]
        q = lambda sql: subprocess.run(psql + ["-Atc", sql], check=True, capture_output=True,
                                       text=True).stdout.strip()
        first = int(q("SELECT COALESCE(MAX(id), 0) + 1 FROM tickets"))
        doc = int(q("SELECT COALESCE(MAX(id), 0) + 1 FROM search_docs"))
        scoped = q("SELECT count(*) FROM information_schema.columns"
                   " WHERE table_name = 'search_docs' AND column_name = 'scope'") == "1"
        d_cols, d_vals = doc_columns(scoped)
        # One COPY each, tickets first: the documents reference them.
        # The same generator twice (same seed) rather than a million rows held in memory.
        for table, cols, make in [
            ("tickets", "id, kind, number, title, description, status, impact, urgency, priority,"
             " category, channel, organization_id, opened_at, updated_at",
             lambda j, r: [(r[0], "incident", r[1], r[2], r[3], "new", r[4], r[5], r[6], r[7],
                            "api", r[8], r[9], r[9])]),
            ("search_docs", f"id, ticket_id, source, public, {d_cols}",
             lambda j, r: [(doc + j, r[0], "ticket", "t") + d_vals(r)]),
            # The words the store writes with each document (search::index).
            ("search_terms", "term, doc_id",
             lambda j, r: [(w, doc + j) for w in words(r[2], r[3]) + ([scope(r[8])] if scoped else [])]),
        ]:
            p = subprocess.Popen(psql + ["-qc", f"COPY {table} ({cols}) FROM STDIN (FORMAT csv)"],
                                 stdin=subprocess.PIPE, text=True)
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            for j, r in enumerate(incidents(random.Random(seed), first, n, orgs, start_us)):
                w.writerows(make(j, r))
                if j % 20_000 == 19_999:
                    p.stdin.write(buf.getvalue())
                    buf.seek(0)
                    buf.truncate()
            p.stdin.write(buf.getvalue())
            p.stdin.close()
            if p.wait() != 0:
                sys.exit(f"COPY {table} failed")
            print(f"  {table}: {n} rows, {time.time() - t0:.0f} s", file=sys.stderr)
        q("SELECT setval(pg_get_serial_sequence('tickets', 'id'), (SELECT MAX(id) FROM tickets));"
          " SELECT setval(pg_get_serial_sequence('search_docs', 'id'), (SELECT MAX(id) FROM search_docs));"
          " UPDATE ticket_counters SET last = (SELECT MAX(id) FROM tickets) WHERE kind = 'incident'")
    print(f"seeded {n} incidents in {time.time() - t0:.0f} s", file=sys.stderr)


if __name__ == "__main__":
    main()
