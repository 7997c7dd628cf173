#!/usr/bin/env python3
"""Synthetic ServiceNow incident audit export for bench/reports (Python 3 stdlib only).

Writes N incidents (default 1,000,000) as a gzip CSV in the column layout of the UCI
"incident management process enriched event log", so `--preset servicenow-incident` imports
it: one snapshot row per update, rows of one incident in time order. Deterministic for a
given seed. Each incident is opened in YEAR (spread over 12 months) and goes
New -> Active -> (1 in 5: Awaiting User Info -> Active) -> Resolved -> Closed; about 3% of
the last month's are still open at the end. 20 assignment groups (1 in 6 incidents moves to
a second group), priorities 1-4 weighted 5/20/45/30 %, made_sla true 70 %, 1 in 25 reopened.

    bench/gen_incidents.py OUT.csv.gz [N] [SEED] [YEAR]
"""
import csv
import gzip
import random
import sys
from datetime import datetime, timedelta, timezone

HEADER = (
    "number,incident_state,active,reassignment_count,reopen_count,sys_mod_count,made_sla,"
    "caller_id,opened_by,opened_at,sys_created_by,sys_created_at,sys_updated_by,sys_updated_at,"
    "contact_type,location,category,subcategory,u_symptom,cmdb_ci,impact,urgency,priority,"
    "assignment_group,assigned_to,knowledge,u_priority_confirmation,notify,problem_id,rfc,"
    "vendor,caused_by,closed_code,resolved_by,resolved_at,closed_at"
).split(",")
PRIORITIES = [  # (priority, impact, urgency), weighted
    ("1 - Critical", "1 - High", "1 - High"),
    ("2 - High", "1 - High", "2 - Medium"),
    ("3 - Moderate", "2 - Medium", "2 - Medium"),
    ("4 - Low", "3 - Low", "3 - Low"),
]
WEIGHTS = [5, 20, 45, 30]
CHANNELS = ["Phone", "Email", "Self service", "IVR", "Direct opening"]
FMT = "%Y-%m-%d %H:%M:%S"


def main():
    out = sys.argv[1]
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
    year = int(sys.argv[4]) if len(sys.argv) > 4 else 2025
    start = datetime(year, 1, 1, tzinfo=timezone.utc)
    span = int((datetime(year + 1, 1, 1, tzinfo=timezone.utc) - start).total_seconds())
    end = start + timedelta(seconds=span)
    rows = 0
    with gzip.open(out, "wt", compresslevel=1, newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        for i in range(1, n + 1):
            opened = start + timedelta(seconds=rng.randrange(span))
            prio, impact, urgency = rng.choices(PRIORITIES, WEIGHTS)[0]
            group = rng.randrange(1, 21)
            other = (group % 20) + 1 if rng.random() < 1 / 6 else None
            made_sla = "true" if rng.random() < 0.7 else "false"
            reopen = 1 if rng.random() < 0.04 else 0
            reassign = (1 + (rng.random() < 0.3)) if other else 0
            category = f"Category {rng.randrange(1, 60)}"
            sub = f"Subcategory {rng.randrange(1, 200)}"
            base = {
                "number": f"INC{i:08d}",
                "caller_id": f"Caller {rng.randrange(1, 5000)}",
                "opened_by": f"Opened by {rng.randrange(1, 200)}",
                "opened_at": opened.strftime(FMT),
                "sys_created_by": "Created by 1",
                "sys_created_at": opened.strftime(FMT),
                "contact_type": rng.choice(CHANNELS),
                "location": f"Location {rng.randrange(1, 200)}",
                "category": category,
                "subcategory": sub,
                "u_symptom": f"Symptom {rng.randrange(1, 500)}",
                "cmdb_ci": "?",
                "impact": impact,
                "urgency": urgency,
                "priority": prio,
                "assigned_to": f"Resolver {rng.randrange(1, 300)}",
                "knowledge": "false",
                "u_priority_confirmation": "false",
                "notify": "Do Not Notify",
                "problem_id": "?",
                "rfc": "?",
                "vendor": "?",
                "caused_by": "?",
                "closed_code": "?",
                "resolved_by": "?",
                "resolved_at": "?",
                "closed_at": "?",
                "made_sla": made_sla,
                "reopen_count": 0,
            }
            # (state, seconds after opening, group, reassignments so far)
            t = 0
            steps = [("New", 0, group, 0)]
            t += rng.randrange(60, 4 * 3600)
            steps.append(("Active", t, group, 0))
            if rng.random() < 0.2:
                t += rng.randrange(600, 2 * 86400)
                steps.append(("Awaiting User Info", t, group, 0))
                t += rng.randrange(600, 3 * 86400)
                steps.append(("Active", t, group, 0))
            if other:
                t += rng.randrange(600, 86400)
                steps.append(("Active", t, other, reassign))
            t += int(rng.lognormvariate(9.5, 1.3))  # median ~3.7 h
            resolved = t
            steps.append(("Resolved", t, other or group, reassign))
            if reopen:
                t += rng.randrange(3600, 2 * 86400)
                steps.append(("Active", t, other or group, reassign))
                t += int(rng.lognormvariate(9, 1))
                resolved = t
                steps.append(("Resolved", t, other or group, reassign))
            closed = t + 5 * 86400
            steps.append(("Closed", closed, other or group, reassign))
            seen_resolved = False
            for mod, (state, at, g, moves) in enumerate(steps):
                when = opened + timedelta(seconds=at)
                if when >= end and state != "New":
                    break  # still open at the end of the year
                row = dict(base)
                row["incident_state"] = state
                row["active"] = "false" if state == "Closed" else "true"
                row["reassignment_count"] = moves
                row["sys_mod_count"] = mod
                row["sys_updated_by"] = f"Updated by {rng.randrange(1, 900)}"
                row["sys_updated_at"] = when.strftime(FMT)
                row["assignment_group"] = f"Group {g}"
                if state == "Resolved":
                    seen_resolved = True
                if reopen and state == "Active" and seen_resolved:
                    row["reopen_count"] = 1
                elif reopen and seen_resolved:
                    row["reopen_count"] = 1
                if seen_resolved and state in ("Resolved", "Closed"):
                    row["closed_code"] = f"code {rng.randrange(1, 10)}"
                    row["resolved_by"] = f"Resolved by {rng.randrange(1, 300)}"
                    row["resolved_at"] = (opened + timedelta(seconds=resolved)).strftime(FMT) \
                        if state == "Closed" or at == resolved else when.strftime(FMT)
                if state == "Closed":
                    row["closed_at"] = when.strftime(FMT)
                w.writerow([row[h] for h in HEADER])
                rows += 1
    print(f"{n} incidents, {rows} rows -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
