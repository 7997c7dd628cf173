#!/usr/bin/env python3
"""The SQLite per-commit limit on this disk: how many small write transactions one connection
commits per second, each three inserts (a row, an event row and an FTS5 document), in WAL
mode with synchronous=NORMAL (Steward's default), one after another. bench/creates runs it in
the same run as the HTTP measurements, so that creates/s can be given as a fraction of what
the database itself allows on the same machine at the same load.

    bench/sqlite-commit-limit.py DIR [SECONDS]     # prints: commits/s
"""
import os
import random
import sqlite3
import sys
import time

WORDS = ("database mailserver firewall router printer laptop vpn proxy timeout outage crash "
         "slowness latency error failure users report since morning after update patch").split()

def main():
    folder = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    path = os.path.join(folder, "commit-limit.db")
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("CREATE TABLE tickets (id INTEGER PRIMARY KEY, title TEXT NOT NULL, opened_at INTEGER NOT NULL)")
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, ticket_id INTEGER NOT NULL, at INTEGER NOT NULL, event TEXT NOT NULL)")
    db.execute("CREATE VIRTUAL TABLE docs USING fts5(title, body)")
    rnd = random.Random(7)
    n = 0
    start = time.perf_counter()
    end = start + seconds
    while True:
        title = " ".join(rnd.choice(WORDS) for _ in range(5))
        body = " ".join(rnd.choice(WORDS) for _ in range(20))
        now = int(time.time() * 1e6)
        db.execute("BEGIN IMMEDIATE")
        cur = db.execute("INSERT INTO tickets (title, opened_at) VALUES (?, ?)", (title, now))
        db.execute("INSERT INTO events (ticket_id, at, event) VALUES (?, ?, 'created')", (cur.lastrowid, now))
        db.execute("INSERT INTO docs (rowid, title, body) VALUES (?, ?, ?)", (cur.lastrowid, title, body))
        db.execute("COMMIT")
        n += 1
        if n % 100 == 0 and time.perf_counter() >= end:
            break
    elapsed = time.perf_counter() - start
    db.close()
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    print(f"{n / elapsed:.0f}")

if __name__ == "__main__":
    main()
