//! `steward import csv --copy`: the bulk load that seeds the benchmarks on PostgreSQL must
//! write exactly what the ordinary import writes — the tickets, their timelines, search
//! documents, provenance and SLA clocks — so that every report, list, search and export reads
//! the same from either. On SQLite the option is refused before anything is written.
use crate::support::{TestApp, backend_name, steward_cli as steward, temp_dir};
use serde_json::{Value, json};
use std::path::Path;

const MAPPING: &str = r#"
source = "olddesk"
key = "id"
rows = "snapshot"
missing = "-"
timestamp_formats = ["%Y-%m-%d %H:%M"]
attributes = ["caller"]
create_teams = true
[fields]
title = "{summary}"
description = "notes"
status = "state"
pending_reason = "state"
opened_at = "opened"
updated_at = "updated"
resolved_at = "resolved"
priority = "prio"
service = "service"
team = "group"
[values.status]
"Open" = "new"
"Working" = "in_progress"
"Waiting" = "pending"
"Done" = "resolved"
[values.pending_reason]
"Waiting" = "customer"
"Open" = ""
"Working" = ""
"Done" = ""
"#;

/// Records with an SLA (resolved, so their clocks no longer move with the clock), without
/// one, still open, moved between teams, and text that COPY's format must escape:
/// backslashes, tabs, line breaks, quotes, commas, `\N` and non-ASCII letters.
const FIRST: &str = "id,summary,notes,state,opened,updated,resolved,prio,service,group,caller\n\
M-1,Bounce,plain,Open,2026-02-02 09:00,2026-02-02 09:00,-,3,Mail,Desk,Ann\n\
M-1,Bounce,plain,Waiting,2026-02-02 09:00,2026-02-02 09:30,-,3,Mail,Desk,Ann\n\
M-1,Bounce,plain,Working,2026-02-02 09:00,2026-02-02 14:30,-,3,Mail,Desk,Ann\n\
M-1,Bounce,plain,Done,2026-02-02 09:00,2026-02-02 15:00,2026-02-02 15:00,3,Mail,Desk,Ann\n\
M-2,Spam \\ filter,\"C:\\temp\\N and \\\\share\tTAB\",Open,2026-02-03 09:00,2026-02-03 09:00,-,2,Mail,-,-\n\
M-2,Spam \\ filter,\"C:\\temp\\N and \\\\share\tTAB\",Working,2026-02-03 09:00,2026-02-03 10:00,-,2,Mail,Desk,-\n\
M-2,Spam \\ filter,\"C:\\temp\\N and \\\\share\tTAB\",Done,2026-02-03 09:00,2026-02-03 12:00,2026-02-03 12:00,2,Mail,Network,-\n\
M-3,\"Printer \"\"jam\"\", floor 2\",\"line one\nline two\r\nline three\",Open,2026-02-04 08:00,2026-02-04 08:00,-,4,-,Desk,Bob\n\
M-3,\"Printer \"\"jam\"\", floor 2\",\"line one\nline two\r\nline three\",Working,2026-02-04 08:00,2026-02-05 08:00,-,4,-,Network,Bob\n\
M-4,Größe überschritten – Ω,-,Open,2026-02-06 10:00,2026-02-06 10:00,-,1,-,-,Zoë\n\
M-5,Database timeout,database timeout again,Open,2026-02-07 11:00,2026-02-07 11:00,-,3,-,Desk,-\n\
M-5,Database timeout,database timeout again,Done,2026-02-07 11:00,2026-02-09 16:00,2026-02-09 16:00,3,-,Desk,-\n";

/// The same export later: M-5 reopened (an update of a record imported before), M-6 new.
const SECOND: &str = "id,summary,notes,state,opened,updated,resolved,prio,service,group,caller\n\
M-5,Database timeout,database timeout again,Open,2026-02-07 11:00,2026-02-07 11:00,-,3,-,Desk,-\n\
M-5,Database timeout,database timeout again,Done,2026-02-07 11:00,2026-02-09 16:00,2026-02-09 16:00,3,-,Desk,-\n\
M-5,Database timeout,database timeout again,Working,2026-02-07 11:00,2026-02-10 09:00,-,3,-,Network,-\n\
M-6,VPN down,-,Open,2026-02-11 07:00,2026-02-11 07:00,-,2,Mail,Desk,Cy\n\
M-6,VPN down,-,Done,2026-02-11 07:00,2026-02-11 09:00,2026-02-11 09:00,2,Mail,Desk,Cy\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A fresh server with the service and SLA the records refer to.
async fn desk() -> TestApp {
    let t = TestApp::spawn().await;
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({
                "name": "Mail 24x7", "service_id": service,
                "targets": {
                    "P2": {"response_seconds": 1800, "resolution_seconds": 14400},
                    "P3": {"response_seconds": 3600, "resolution_seconds": 7200},
                },
                "response_on": "assignment",
                "pause": [{"status": "pending", "reasons": ["customer"]}],
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    t
}

fn import(t: &TestApp, mapping: &str, csv: &str, copy: bool) -> Value {
    let mut args = vec![
        "import",
        "csv",
        "--json",
        "--allow-skipped",
        "--mapping",
        mapping,
        csv,
    ];
    if copy {
        args.push("--copy");
    }
    let o = steward(&t.database_url, &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut summary: Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    summary.as_object_mut().unwrap().remove("file_sha256");
    summary
}

/// Drops the instants that depend on when a request or the import ran, not on the data.
fn without_now(mut v: Value) -> Value {
    match &mut v {
        Value::Object(map) => {
            map.remove("generated_at");
            map.remove("imported_at");
            if map.get("event").and_then(Value::as_str) == Some("imported") {
                map.remove("at");
            }
            for (_, x) in map.iter_mut() {
                *x = without_now(x.take());
            }
        }
        Value::Array(items) => {
            for x in items.iter_mut() {
                *x = without_now(x.take());
            }
        }
        _ => {}
    }
    v
}

/// Everything a reader sees of the imported records, as one value to compare.
async fn seen(t: &TestApp) -> Value {
    let mut out = serde_json::Map::new();
    let list = t
        .get("/api/v1/incidents?sort=opened_at&limit=100", &t.admin)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    for item in list.body["items"].as_array().unwrap() {
        let id = item["id"].as_i64().unwrap();
        let one = t.get(&format!("/api/v1/incidents/{id}"), &t.admin).await;
        assert_eq!(one.status, 200, "{}", one.body);
        out.insert(format!("incident {id}"), one.body);
        let events = t
            .get(&format!("/api/v1/incidents/{id}/events"), &t.admin)
            .await;
        if events.status == 200 {
            out.insert(format!("events {id}"), events.body);
        }
    }
    out.insert("list".into(), list.body);
    let range = "from=2026-02-01&to=2026-03-01";
    for report in [
        "volumes",
        "sla-compliance",
        "resolution-times",
        "rates",
        "backlog-aging",
    ] {
        let r = t
            .get(&format!("/api/v1/reports/{report}?{range}"), &t.admin)
            .await;
        assert_eq!(r.status, 200, "{report}: {}", r.body);
        out.insert(report.into(), r.body);
    }
    for q in ["database", "database%20timeout", "jam", "gr%C3%B6%C3%9Fe"] {
        let r = t.get(&format!("/api/v1/search?q={q}"), &t.admin).await;
        assert_eq!(r.status, 200, "{q}: {}", r.body);
        out.insert(format!("search {q}"), r.body);
    }
    let o = steward(&t.database_url, &["export", "events"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    out.insert("event log".into(), text(&o.stdout).into());
    without_now(Value::Object(out))
}

#[tokio::test]
async fn a_copy_import_writes_what_an_insert_import_writes() {
    let dir = temp_dir("bulk-import");
    let mapping = write(&dir, "m.toml", MAPPING);
    let first = write(&dir, "first.csv", FIRST);
    let second = write(&dir, "second.csv", SECOND);

    if backend_name() != "postgres" {
        // COPY is PostgreSQL's: refused on SQLite, with nothing written.
        let t = desk().await;
        let o = steward(
            &t.database_url,
            &["import", "csv", "--mapping", &mapping, "--copy", &first],
        );
        assert!(!o.status.success());
        assert!(text(&o.stderr).contains("COPY"), "{}", text(&o.stderr));
        let list = t.get("/api/v1/incidents?limit=1", &t.admin).await;
        assert_eq!(list.body["total"], 0, "{}", list.body);
        return;
    }

    let inserted = desk().await;
    let copied = desk().await;
    let a = import(&inserted, &mapping, &first, false);
    let b = import(&copied, &mapping, &first, true);
    assert_eq!(a, b);
    assert_eq!(a["created"], 5, "{a}");
    assert_eq!(a["skipped"], json!([]), "{a}");
    assert_eq!(a["bad_rows"], json!([]), "{a}");
    let before = seen(&inserted).await;
    assert_eq!(before, seen(&copied).await);
    // The escaped text came back as written, and the SLA clocks were replayed.
    let text_of = |v: &Value| v.to_string();
    let all = text_of(&before);
    assert!(all.contains(r"C:\\temp\\N and \\\\share\tTAB"), "{all}");
    assert!(all.contains(r"line one\nline two"), "{all}");
    assert!(all.contains("Größe überschritten – Ω"), "{all}");
    assert!(
        all.contains("\"breached\"") || all.contains("\"met\""),
        "{all}"
    );

    // Again with a changed record and a new one: updates go in as before, new rows by COPY.
    let a = import(&inserted, &mapping, &second, false);
    let b = import(&copied, &mapping, &second, true);
    assert_eq!(a, b);
    assert_eq!(
        (a["created"].as_i64(), a["updated"].as_i64()),
        (Some(1), Some(1)),
        "{a}"
    );
    let after = seen(&inserted).await;
    assert_ne!(before, after);
    assert_eq!(after, seen(&copied).await);
}
