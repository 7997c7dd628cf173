//! `steward import xes`: an IEEE 1849 event log read event by event with the same mapping
//! keys as CSV (event attributes by key, trace attributes under `case:`), errors naming the
//! event, `.gz` accepted, the summary and exit codes of `import csv`; and the round trip
//! snapshot → `export events --format xes` → `import xes` giving the same reports.
use crate::support::{TestApp, steward_cli as steward, temp_dir};
use serde_json::Value;
use std::io::Write;
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> String {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path.to_string_lossy().into_owned()
}

/// Cases C-1 (resolved after a reassignment) and C-2 (assigned), in a log with the header
/// parts real logs carry (extensions, globals, a classifier, log attributes) and a nested
/// attribute that must not be read as the event's.
const LOG: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
 <extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
 <extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
 <global scope="event">
  <string key="concept:name" value="__INVALID__"/>
 </global>
 <classifier name="Activity" keys="concept:name"/>
 <string key="concept:name" value="help desk &amp; more"/>
 <trace>
  <string key="concept:name" value="C-1"/>
  <date key="opened" value="2026-05-04T08:00:00.000+02:00"/>
  <int key="priority" value="2"/>
  <event>
   <string key="concept:name" value="Register"/>
   <date key="time:timestamp" value="2026-05-04T08:00:00.000+02:00"/>
   <string key="org:resource" value="ann"/>
   <string key="org:group" value="Desk"/>
   <string key="lifecycle:transition" value="complete"/>
  </event>
  <event>
   <string key="concept:name" value="Assign"/>
   <date key="time:timestamp" value="2026-05-04T08:30:00.000+02:00"/>
   <string key="org:resource" value="bo"/>
   <string key="org:group" value="Network"/>
  </event>
  <event>
   <string key="concept:name" value="Work"/>
   <date key="time:timestamp" value="2026-05-04T09:00:00.000+02:00"/>
   <string key="note" value="checked the link">
    <string key="org:group" value="Not this one"/>
   </string>
  </event>
  <event>
   <string key="concept:name" value="Resolve"/>
   <date key="time:timestamp" value="2026-05-04T11:00:00.000+02:00"/>
   <string key="org:resource" value="bo"/>
  </event>
 </trace>
 <trace>
  <string key="concept:name" value="C-2"/>
  <date key="opened" value="2026-05-05T07:15:00Z"/>
  <int key="priority" value="4"/>
  <event>
   <string key="concept:name" value="Register"/>
   <date key="time:timestamp" value="2026-05-05T07:15:00Z"/>
   <string key="org:group" value="Desk"/>
  </event>
  <event>
   <string key="concept:name" value="Assign"/>
   <date key="time:timestamp" value="2026-05-05T07:20:00Z"/>
  </event>
 </trace>
</log>
"#;

const MAPPING: &str = r#"
source = "pm"
key = "case:concept:name"
rows = "event"
order_by = "time:timestamp"
create_teams = true
attributes = ["lifecycle:transition"]
[fields]
status = "concept:name"
opened_at = "case:opened"
updated_at = "time:timestamp"
team = "org:group"
actor = "org:resource"
priority = "case:priority"
[values.status]
"Register" = "new"
"Assign" = "assigned"
"Work" = "in_progress"
"Resolve" = "resolved"
"#;

async fn incidents(t: &TestApp) -> Vec<Value> {
    t.get("/api/v1/incidents?limit=100&sort=opened_at", &t.admin)
        .await
        .body["items"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn an_xes_log_imports_event_by_event_with_case_attributes() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("import-xes");
    let log = write(&dir, "log.xes", LOG.as_bytes());
    let mapping = write(&dir, "m.toml", MAPPING.as_bytes());
    let o = steward(
        &t.database_url,
        &["import", "xes", "--mapping", &mapping, "--json", &log],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["rows"], 6, "{summary}");
    assert_eq!(summary["created"], 2, "{summary}");
    assert_eq!(summary["teams_created"], 2, "Desk and Network: {summary}");

    let got = incidents(&t).await;
    let (c1, c2) = (&got[0], &got[1]);
    assert_eq!(c1["number"], "C-1");
    assert_eq!(c1["status"], "resolved", "{c1}");
    assert_eq!(c1["priority"], "P2", "{c1}");
    assert_eq!(c1["opened_at"], "2026-05-04T06:00:00Z", "{c1}");
    assert_eq!(c1["updated_at"], "2026-05-04T09:00:00Z", "{c1}");
    assert_eq!(c2["number"], "C-2");
    assert_eq!(c2["status"], "assigned", "{c2}");
    assert_eq!(c2["priority"], "P4", "{c2}");
    // C-1's team is Network (its last org:group), not the nested attribute's value.
    let teams = t.get("/api/v1/teams", &t.admin).await.body;
    let team_name = |id: &Value| {
        teams["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == *id)
            .map(|x| x["name"].clone())
            .unwrap_or(Value::Null)
    };
    assert_eq!(team_name(&c1["team_id"]), "Network", "{c1}");
    assert_eq!(team_name(&c2["team_id"]), "Desk", "{c2}");

    // The same log compressed is the same records: nothing changes.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(LOG.as_bytes()).unwrap();
    let gz = write(&dir, "log.xes.gz", &gz.finish().unwrap());
    let o = steward(
        &t.database_url,
        &["import", "xes", "--mapping", &mapping, "--json", &gz],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let again: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(2)),
        "{again}"
    );
}

#[tokio::test]
async fn xes_errors_name_the_event_and_a_broken_file_creates_nothing() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("import-xes-bad");
    let mapping = write(&dir, "m.toml", MAPPING.as_bytes());
    // C-2's second event has an activity the mapping does not know.
    let bad = LOG.replacen(
        r#"<string key="concept:name" value="Assign"/>
   <date key="time:timestamp" value="2026-05-05T07:20:00Z"/>"#,
        r#"<string key="concept:name" value="Explode"/>
   <date key="time:timestamp" value="2026-05-05T07:20:00Z"/>"#,
        1,
    );
    assert_ne!(bad, LOG);
    let line = bad
        .lines()
        .position(|l| l.contains("Explode"))
        .expect("the bad event")
        // The event starts the line before its first attribute; lines count from 1.
        as u64;
    let file = write(&dir, "bad.xes", bad.as_bytes());
    let o = steward(
        &t.database_url,
        &["import", "xes", "--mapping", &mapping, &file],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    let expected = format!(
        "skipped line {line}: trace \"C-2\", event 2: concept:name: unknown value \"Explode\""
    );
    assert!(err.contains(&expected), "{expected:?} missing from {err}");
    assert_eq!(incidents(&t).await.len(), 2);

    // --strict refuses it before a database is opened, as does a file cut short.
    let fresh = dir.join("fresh.db");
    let fresh_url = format!("sqlite://{}", fresh.display());
    let o = steward(
        &fresh_url,
        &["import", "xes", "--strict", "--mapping", &mapping, &file],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains(&expected[8..]),
        "{}",
        text(&o.stderr)
    );
    let cut = write(&dir, "cut.xes", &LOG.as_bytes()[..LOG.len() / 2]);
    let o = steward(&fresh_url, &["import", "xes", "--mapping", &mapping, &cut]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("not readable as XES"),
        "{}",
        text(&o.stderr)
    );
    assert!(
        !fresh.exists(),
        "a refused import created {}",
        fresh.display()
    );
}

#[test]
fn the_help_documents_xes_columns_and_the_presets() {
    let o = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["import", "xes", "--help"])
        .output()
        .unwrap();
    let help = text(&o.stdout);
    for expected in [
        "case:concept:name",
        "time:timestamp",
        "org:resource",
        "lifecycle:transition",
        "jira-service-management",
        "zammad",
        "glpi",
        "request-tracker",
        "status (incident):",
    ] {
        assert!(help.contains(expected), "{expected:?} missing from {help}");
    }
}

/// A snapshot export with reassignments, a reopen, resolutions and closures.
const SNAPSHOT: &str = "id,summary,state,opened,updated,resolved,closed,prio,group\n\
R-1,Disk full,Open,2026-01-05 09:00,2026-01-05 09:00,-,-,2,Desk\n\
R-1,Disk full,Working,2026-01-05 09:00,2026-01-05 09:30,-,-,2,Storage\n\
R-1,Disk full,Done,2026-01-05 09:00,2026-01-05 12:00,2026-01-05 12:00,-,2,Storage\n\
R-1,Disk full,Shut,2026-01-05 09:00,2026-01-08 12:00,2026-01-05 12:00,2026-01-08 12:00,2,Storage\n\
R-2,VPN,Open,2026-01-06 10:00,2026-01-06 10:00,-,-,3,Desk\n\
R-2,VPN,Done,2026-01-06 10:00,2026-01-06 15:00,2026-01-06 15:00,-,3,Desk\n\
R-2,VPN,Working,2026-01-06 10:00,2026-01-07 08:00,-,-,3,Desk\n\
R-2,VPN,Done,2026-01-06 10:00,2026-01-07 11:00,2026-01-07 11:00,-,3,Desk\n\
R-3,Printer,Open,2026-02-02 08:00,2026-02-02 08:00,-,-,4,Desk\n\
R-3,Printer,Working,2026-02-02 08:00,2026-02-03 08:00,-,-,4,Desk\n";

const SNAPSHOT_MAPPING: &str = r#"
source = "olddesk"
key = "id"
rows = "snapshot"
missing = "-"
timestamp_formats = ["%Y-%m-%d %H:%M"]
create_teams = true
[fields]
title = "{summary}"
status = "state"
opened_at = "opened"
updated_at = "updated"
resolved_at = "resolved"
closed_at = "closed"
priority = "prio"
team = "group"
[values.status]
"Open" = "new"
"Working" = "in_progress"
"Done" = "resolved"
"Shut" = "closed"
"#;

/// Steward's own XES export read back: the record is the trace, its status the `to_status`
/// of each event, its team the event's `org:group`; opened, resolved and closed times and
/// the counts come from the events.
const STEWARD_XES_MAPPING: &str = r#"
source = "steward"
key = "case:concept:name"
rows = "event"
order_by = "time:timestamp"
create_teams = true
[fields]
status = "to_status"
priority = "case:priority"
updated_at = "time:timestamp"
actor = "org:resource"
team = "org:group"
"#;

const REPORTS: [&str; 4] = [
    "volumes?from=2026-01-01&to=2026-03-01&grouping=month",
    "rates?from=2026-01-01&to=2026-03-01",
    "resolution-times?from=2026-01-01&to=2026-03-01",
    "backlog-aging?from=2026-01-01&to=2026-03-01",
];

async fn reports(t: &TestApp) -> Vec<Value> {
    let mut out = Vec::new();
    for r in REPORTS {
        let reply = t.get(&format!("/api/v1/reports/{r}"), &t.admin).await;
        assert_eq!(reply.status, 200, "{r}: {}", reply.body);
        let mut body = reply.body;
        // When the report was made is the one thing that may differ.
        body.as_object_mut().unwrap().remove("generated_at");
        out.push(body);
    }
    out
}

#[tokio::test]
async fn a_snapshot_import_exported_as_xes_and_imported_again_gives_the_same_reports() {
    let first = TestApp::spawn().await;
    let dir = temp_dir("import-xes-round-trip");
    let csv = write(&dir, "snapshot.csv", SNAPSHOT.as_bytes());
    let mapping = write(&dir, "snapshot.toml", SNAPSHOT_MAPPING.as_bytes());
    let o = steward(
        &first.database_url,
        &["import", "csv", "--mapping", &mapping, &csv],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let xes = dir.join("events.xes").to_string_lossy().into_owned();
    let o = steward(
        &first.database_url,
        &["export", "events", "--format", "xes", "--output", &xes],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));

    let second = TestApp::spawn().await;
    let mapping = write(&dir, "steward-xes.toml", STEWARD_XES_MAPPING.as_bytes());
    let o = steward(
        &second.database_url,
        &["import", "xes", "--mapping", &mapping, &xes],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let (before, after) = (reports(&first).await, reports(&second).await);
    for ((name, b), a) in REPORTS.iter().zip(&before).zip(&after) {
        assert_eq!(b, a, "{name} differs after the round trip");
    }
}
