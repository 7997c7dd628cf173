#!/usr/bin/env python3
"""Parses an iCalendar stream from stdin with the `icalendar` package (PyPI) and prints what
it found as JSON: the calendar's name and, per VEVENT, its UID, SUMMARY, DTSTART and DTEND
(ISO 8601 in UTC), SEQUENCE, STATUS, URL and DESCRIPTION. Used by the change calendar tests
as a parser independent of Steward's writer (scripts/ensure-icalendar installs it)."""
import json
import sys

import icalendar

data = sys.stdin.buffer.read()
cal = icalendar.Calendar.from_ical(data)
if cal.name != "VCALENDAR":
    sys.exit(f"not a VCALENDAR: {cal.name}")
events = []
for ev in cal.walk("VEVENT"):
    def when(key):
        value = ev.decoded(key)
        return value.astimezone(__import__("datetime").timezone.utc).isoformat()
    events.append({
        "uid": str(ev["UID"]),
        "summary": str(ev["SUMMARY"]),
        "start": when("DTSTART"),
        "end": when("DTEND"),
        "sequence": int(ev["SEQUENCE"]),
        "status": str(ev["STATUS"]),
        "url": str(ev.get("URL", "")),
        "description": str(ev.get("DESCRIPTION", "")),
        "dtstamp": when("DTSTAMP"),
    })
print(json.dumps({
    "version": str(cal["VERSION"]),
    "name": str(cal.get("X-WR-CALNAME", "")),
    "events": events,
}))
