#!/usr/bin/env python3
"""Client of bench/peer-rt: the same ticket workload against Request Tracker 5's REST2 API and
Steward's /api/v1, in one run, with one HTTP client (Python 3 stdlib only).

Both systems get the same texts (drawn once from a fixed seed), the same number of requests
per figure and the same client: http.client over keep-alive connections, one per client
thread, timed with time.perf_counter around each operation. The phases alternate between the
two systems (Steward, then RT, figure by figure), so both see the same state of the machine.

    bench/peer_rt.py --rt http://127.0.0.1:P --rt-pid PID --rt-user root --rt-pass password \
        --steward http://127.0.0.1:Q --steward-pid PID --steward-token stw_… --org 1 \
        [--markdown OUT.md] [--json OUT.json]

Figures: creates (1 client, then 8 clients), the newest page of 20 tickets, a one-word search
(20 results), a status change plus an internal comment, reading one ticket, and the servers'
memory as PSS summed over every process of the server (RT's standalone server forks workers):
idle after start, and the peak sampled every 0.2 s while the workload ran.
"""
import argparse
import http.client
import json
import os
import random
import statistics
import sys
import threading
import time
import urllib.parse

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
    "audio call mobile device firmware driver power cooling rack cable battery screen mouse badge"
).split()
PLACES = (
    "amsterdam berlin london paris madrid vienna zurich dublin oslo prague warsaw lisbon milan "
    "brussels helsinki stockholm"
).split()


def texts(n, seed):
    """n (title, description) pairs, the same for both systems."""
    rng = random.Random(seed)

    def sentence(k):
        out = []
        for _ in range(k):
            r = rng.randrange(10)
            out.append(
                rng.choice(COMPONENTS) if r < 2 else rng.choice(SYMPTOMS) if r < 3 else rng.choice(FILLERS)
            )
        return " ".join(out)

    result = []
    for _ in range(n):
        title = f"{rng.choice(COMPONENTS)} {rng.choice(SYMPTOMS)} at {rng.choice(PLACES)} {sentence(rng.randint(1, 3))}"
        desc = (
            f"{sentence(rng.randint(8, 20))}. {rng.choice(COMPONENTS)} {rng.choice(SYMPTOMS)} "
            f"reported by {rng.choice(PLACES)}. {sentence(rng.randint(4, 12))}."
        )
        result.append((title, desc))
    return result


class HttpError(Exception):
    pass


class Conn:
    """One keep-alive connection; reconnects when the server closed it."""

    def __init__(self, base, headers):
        u = urllib.parse.urlsplit(base)
        self.host, self.port = u.hostname, u.port
        self.headers = headers
        self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)

    def request(self, method, path, body=None, expect=(200,), headers=None):
        data = None if body is None else json.dumps(body).encode()
        h = dict(self.headers)
        if data is not None:
            h["Content-Type"] = "application/json"
        if headers:
            h.update(headers)
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=h)
                resp = self.conn.getresponse()
                raw = resp.read()
                break
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: once more on a new one.
                self.conn.close()
                self.conn = http.client.HTTPConnection(self.host, self.port, timeout=300)
                if attempt == 2:
                    raise
        if resp.status not in expect:
            raise HttpError(f"{method} {path}: {resp.status} {raw[:300]!r}")
        return resp, (json.loads(raw) if raw and raw[:1] in b"[{" else raw)

    def close(self):
        self.conn.close()


class Steward:
    name = "Steward"

    def __init__(self, base, token, org):
        self.base, self.token, self.org = base, token, org

    def client(self):
        return Conn(self.base, {"Authorization": f"Bearer {self.token}"})

    def create(self, c, title, desc):
        body = {"title": title, "description": desc, "impact": "medium", "urgency": "medium",
                "organization_id": self.org}
        return c.request("POST", "/api/v1/incidents", body, expect=(201,))[1]["id"]

    def list_newest(self, c):
        items = c.request("GET", "/api/v1/incidents?limit=20")[1]["items"]
        assert len(items) == 20, len(items)

    def search(self, c, word):
        return c.request("GET", f"/api/v1/search?q={word}&limit=20")[1]

    def search_hits(self, result):
        return result.get("total", len(result.get("items", [])))

    def update(self, c, tid, note):
        c.request("POST", f"/api/v1/incidents/{tid}/transition", {"to": "in_progress"})
        c.request("POST", f"/api/v1/incidents/{tid}/comments", {"body": note, "public": False},
                  expect=(201,))

    def read(self, c, tid):
        assert c.request("GET", f"/api/v1/incidents/{tid}")[1]["id"] == tid


class RequestTracker:
    name = "Request Tracker 5"
    FIELDS = "Subject,Status,Created,LastUpdated,Priority,Owner,Queue"

    def __init__(self, base, user, password):
        self.base, self.user, self.password = base, user, password

    def client(self):
        """A connection with its own web session (one agent signed in per client, as in the
        browser; RT keeps a lock per session). Writes carry a same-site Referer, which RT 5's
        cross-site request forgery check requires of cookie-authenticated REST2 requests."""
        c = Conn(self.base, {"Referer": self.base + "/"})
        form = urllib.parse.urlencode({"user": self.user, "pass": self.password})
        c.conn.request("POST", "/NoAuth/Login.html", body=form,
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
        resp = c.conn.getresponse()
        resp.read()
        cookie = None
        for k, v in resp.getheaders():
            if k.lower() == "set-cookie" and v.startswith("RT_SID_"):
                cookie = v.split(";", 1)[0]
        if not cookie:
            raise HttpError(f"RT login failed: {resp.status}")
        c.headers["Cookie"] = cookie
        return c

    def create(self, c, title, desc):
        body = {"Queue": "General", "Subject": title, "Content": desc, "ContentType": "text/plain"}
        return int(c.request("POST", "/REST/2.0/ticket", body, expect=(201,))[1]["id"])

    def _tickets(self, c, query, extra=""):
        q = urllib.parse.urlencode({"query": query, "per_page": 20, "fields": self.FIELDS})
        return c.request("GET", f"/REST/2.0/tickets?{q}{extra}")[1]

    def list_newest(self, c):
        r = self._tickets(c, "Queue = 'General'", "&orderby=Created&order=DESC")
        assert len(r["items"]) == 20, len(r["items"])

    def search(self, c, word):
        return self._tickets(c, f"Subject LIKE '{word}' OR Content LIKE '{word}'")

    def search_hits(self, result):
        return result["total"]

    def update(self, c, tid, note):
        c.request("PUT", f"/REST/2.0/ticket/{tid}", {"Status": "open"})
        c.request("POST", f"/REST/2.0/ticket/{tid}/comment",
                  {"Content": note, "ContentType": "text/plain"}, expect=(201,))

    def read(self, c, tid):
        assert str(c.request("GET", f"/REST/2.0/ticket/{tid}")[1]["id"]) == str(tid)


# ---- memory ----------------------------------------------------------------------------

def tree(root):
    """root and all its descendants (from /proc/*/stat)."""
    children = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(d))
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def pss_kb(root):
    """(PSS in kB summed over the process tree, number of processes)."""
    total, n = 0, 0
    for p in tree(root):
        try:
            with open(f"/proc/{p}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        n += 1
                        break
        except OSError:
            pass
    return total, n


class PeakSampler:
    def __init__(self, root):
        self.root, self.peak, self.procs = root, (0, 0), 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        while not self.stop.is_set():
            kb, n = pss_kb(self.root)
            if kb > self.peak[0]:
                self.peak = (kb, n)
            self.stop.wait(0.2)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()


# ---- workload --------------------------------------------------------------------------

def timed(fn, *args):
    t = time.perf_counter()
    r = fn(*args)
    return time.perf_counter() - t, r


def figure(latencies, elapsed):
    lat = sorted(latencies)
    p99 = lat[min(len(lat) - 1, max(0, round(0.99 * len(lat)) - 1))]
    return {"n": len(lat), "rate": len(lat) / elapsed, "p50_ms": statistics.median(lat) * 1000,
            "p99_ms": p99 * 1000}


def sequential(fn, items):
    lat = []
    start = time.perf_counter()
    for it in items:
        lat.append(timed(fn, *it)[0])
    return figure(lat, time.perf_counter() - start), lat


def concurrent(system, clients, work, make):
    """work: list of argument tuples, shared by `clients` threads, each on its own connection
    (opened before the clock starts); make(conn, *args) does one operation."""
    conns = [system.client() for _ in range(clients)]
    lat, ids, lock = [], [], threading.Lock()
    queue = list(enumerate(work))
    errors = []

    def worker(c):
        while True:
            with lock:
                if not queue:
                    return
                _, args = queue.pop(0)
            try:
                d, r = timed(make, c, *args)
            except Exception as e:  # noqa: BLE001 - count, report, go on
                with lock:
                    errors.append(str(e))
                continue
            with lock:
                lat.append(d)
                ids.append(r)

    threads = [threading.Thread(target=worker, args=(c,)) for c in conns]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - start
    for c in conns:
        c.close()
    if errors:
        print(f"  {system.name}: {len(errors)} errors, first: {errors[0]}", file=sys.stderr)
    return figure(lat, elapsed), ids, len(errors)


def log(msg):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}] {msg}", file=sys.stderr, flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rt", required=True)
    ap.add_argument("--rt-pid", type=int, required=True)
    ap.add_argument("--rt-user", default="root")
    ap.add_argument("--rt-pass", default="password")
    ap.add_argument("--steward", required=True)
    ap.add_argument("--steward-pid", type=int, required=True)
    ap.add_argument("--steward-token", required=True)
    ap.add_argument("--org", type=int, required=True)
    ap.add_argument("--seq", type=int, default=100, help="sequential creates")
    ap.add_argument("--par", type=int, default=200, help="creates shared by the clients")
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--reads", type=int, default=100, help="list pages and single reads")
    ap.add_argument("--searches", type=int, default=30)
    ap.add_argument("--updates", type=int, default=50, help="status change + comment pairs")
    ap.add_argument("--word", default="database")
    ap.add_argument("--seed", type=int, default=22)
    ap.add_argument("--json")
    ap.add_argument("--markdown", help="write the table here")
    a = ap.parse_args()

    steward = Steward(a.steward, a.steward_token, a.org)
    rt = RequestTracker(a.rt, a.rt_user, a.rt_pass)
    systems = [(steward, a.steward_pid), (rt, a.rt_pid)]
    corpus = texts(a.seq + a.par + 24, a.seed)
    warm, seq_texts, par_texts = corpus[:24], corpus[24:24 + a.seq], corpus[24 + a.seq:24 + a.seq + a.par]
    res = {s.name: {} for s, _ in systems}
    conns = {}
    samplers = {}
    ids = {s.name: [] for s, _ in systems}

    for s, pid in systems:
        kb, n = pss_kb(pid)
        res[s.name]["idle_pss_kb"], res[s.name]["idle_procs"] = kb, n
        log(f"{s.name}: idle PSS {kb / 1024:.1f} MB over {n} processes")
    for s, pid in systems:
        samplers[s.name] = PeakSampler(pid).__enter__()
        conns[s.name] = s.client()
        # Warm-up, not measured: the first requests load code paths (in RT, in each of its
        # prefork workers, hence from several connections at once).
        log(f"{s.name}: warm-up")
        ids[s.name].extend(concurrent(s, a.clients, warm, s.create)[1])
        concurrent(s, a.clients, [()] * len(warm), lambda c: s.list_newest(c))
        concurrent(s, a.clients, [(t,) for t in ids[s.name]], s.read)

    def phase(label, run):
        for s, _ in systems:
            log(f"{s.name}: {label}")
            res[s.name][label] = run(s)
            f = res[s.name][label]
            log(f"  {f['n']} in {f['n'] / f['rate']:.2f} s: {f['rate']:.2f}/s, p50 {f['p50_ms']:.1f} ms, p99 {f['p99_ms']:.1f} ms")

    def seq_creates(s):
        c = conns[s.name]
        f, _ = sequential(lambda t, d: ids[s.name].append(s.create(c, t, d)), seq_texts)
        return f

    def par_creates(s):
        f, new, errors = concurrent(s, a.clients, par_texts, s.create)
        ids[s.name].extend(new)
        f["errors"] = errors
        return f

    def lists(s):
        return sequential(lambda: s.list_newest(conns[s.name]), [()] * a.reads)[0]

    def searches(s):
        hits = s.search_hits(s.search(conns[s.name], a.word))
        f = sequential(lambda: s.search(conns[s.name], a.word), [()] * a.searches)[0]
        f["hits"] = hits
        return f

    def updates(s):
        rng = random.Random(a.seed)
        chosen = rng.sample(ids[s.name], min(a.updates, len(ids[s.name])))
        note = "Checked the logs; the vendor is looking at it."
        return sequential(lambda t: s.update(conns[s.name], t, note), [(t,) for t in chosen])[0]

    def reads(s):
        rng = random.Random(a.seed + 1)
        chosen = [(rng.choice(ids[s.name]),) for _ in range(a.reads)]
        return sequential(lambda t: s.read(conns[s.name], t), chosen)[0]

    phase("create, 1 client", seq_creates)
    phase(f"create, {a.clients} clients", par_creates)
    phase("list newest 20", lists)
    phase(f"search '{a.word}'", searches)
    phase("status change + comment", updates)
    phase("read one", reads)

    for s, pid in systems:
        samplers[s.name].__exit__(None, None, None)
        kb, n = samplers[s.name].peak
        res[s.name]["peak_pss_kb"], res[s.name]["peak_procs"] = kb, n
        res[s.name]["end_pss_kb"] = pss_kb(pid)[0]
        res[s.name]["tickets"] = len(ids[s.name])
        conns[s.name].close()
    res["order"] = [s.name for s, _ in systems]
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)
    table = render(res, [s.name for s, _ in systems])
    if a.markdown:
        with open(a.markdown, "w") as f:
            f.write(table)
    print(table)


def num(x):
    return f"{x:,.0f}" if x >= 100 else f"{x:,.1f}" if x >= 10 else f"{x:.2f}"


def ratio(x):
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def render(res, names):
    """One Markdown table: each figure for both systems and the ratio, Steward ÷ RT for
    rates, RT ÷ Steward for memory (so a ratio above 1 always says how far Steward is ahead)."""
    s, r = res[names[0]], res[names[1]]
    out = [
        f"| figure | {names[1]} | {names[0]} | ratio |",
        "|---|---:|---:|---:|",
    ]
    for label, f in s.items():
        if not isinstance(f, dict):
            continue
        g = r[label]

        def cell(x):
            txt = f"{num(x['rate'])}/s (p50 {num(x['p50_ms'])} ms, p99 {num(x['p99_ms'])} ms)"
            if x.get("errors"):
                txt += f", {x['errors']} failed"
            if "hits" in x:
                txt += f", {x['hits']:,} match"
            return txt

        out.append(f"| {label} ({f['n']} ops) | {cell(g)} | {cell(f)} | {ratio(f['rate'] / g['rate'])}× |")
    for key, procs, label in (("idle_pss_kb", "idle_procs", "memory idle (PSS)"),
                              ("peak_pss_kb", "peak_procs", "memory under the workload (peak PSS)")):
        out.append(
            f"| {label} | {r[key] / 1024:,.1f} MB ({r[procs]} processes) | "
            f"{s[key] / 1024:,.1f} MB ({s[procs]} process{'es' if s[procs] > 1 else ''}) | "
            f"{ratio(r[key] / s[key])}× less |"
        )
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    main()
