//! `steward import csv` and the reports over what it imported: the real ServiceNow export
//! (UCI) with the preset must reproduce the published figures; bad mappings and bad rows are
//! refused by name and line with nothing half-imported; re-imports update, never duplicate;
//! imported records get SLA clocks from their history when an SLA applies.
use crate::support::{TestApp, report_figure as figure, report_row as row, temp_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::steward_cli as steward;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn uci_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data/uci-incident-event-log")
}

/// The numbers set in bold on the line of PUBLISHED.md that contains `marker`.
fn published(marker: &str) -> Vec<f64> {
    let text = std::fs::read_to_string(uci_dir().join("PUBLISHED.md")).expect("PUBLISHED.md");
    let line = text
        .lines()
        .find(|l| l.contains(marker))
        .unwrap_or_else(|| panic!("PUBLISHED.md has no line with {marker:?}"));
    line.split("**")
        .skip(1)
        .step_by(2)
        .filter_map(|bold| {
            let number: String = bold
                .chars()
                .filter(|c| c.is_ascii_digit() || *c == '.')
                .collect();
            number.parse().ok()
        })
        .collect()
}

/// The first plain number after `marker` on its line (e.g. "true 15,803").
fn published_count(marker: &str, after: &str) -> i64 {
    let text = std::fs::read_to_string(uci_dir().join("PUBLISHED.md")).expect("PUBLISHED.md");
    let line = text.lines().find(|l| l.contains(marker)).expect(marker);
    let rest = &line[line.find(after).expect(after) + after.len()..];
    rest.trim_start()
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .expect("a count")
}

const ALL_TIME: &str = "from=2016-01-01&to=2018-01-01";

#[tokio::test]
async fn the_uci_servicenow_export_imports_with_the_preset_and_reports_match_the_published_figures()
{
    let file = uci_dir().join("incident_event_log.csv.xz");
    if !file.exists() {
        eprintln!("skipped: {} is absent", file.display());
        return;
    }
    let t = TestApp::spawn().await;
    let file = file.to_string_lossy().into_owned();
    let args = [
        "import",
        "csv",
        "--preset",
        "servicenow-incident",
        "--json",
        // The five rows with state -100 are skipped on purpose.
        "--allow-skipped",
        &file,
    ];
    let o = steward(&t.database_url, &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    let incidents = published("number: incident identifier")
        .first()
        .copied()
        .unwrap_or(24_918.0) as i64;
    assert_eq!(summary["created"], incidents, "{summary}");
    assert_eq!(summary["rows"], 141_712, "{summary}");
    // The five rows with the undocumented state -100 are refused by line and skipped.
    let bad: Vec<i64> = summary["bad_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["line"].as_i64().unwrap())
        .collect();
    assert_eq!(bad.len(), 5, "{summary}");
    assert!(text(&o.stderr).contains("incident_state: unknown value \"-100\""));

    let volumes = t
        .get(
            &format!("/api/v1/reports/volumes?{ALL_TIME}&grouping=month"),
            &t.admin,
        )
        .await;
    assert_eq!(volumes.status, 200, "{}", volumes.body);
    assert_eq!(figure(&volumes.body, "opened") as i64, incidents);

    let rates = t
        .get(&format!("/api/v1/reports/rates?{ALL_TIME}"), &t.admin)
        .await
        .body;
    let reassigned = published("reassignment_count` > 0)");
    assert_eq!(figure(&rates, "reassigned_percent"), reassigned[0]);
    let reopened = published_count("reopened at least once", "once:") as f64;
    assert_eq!(
        figure(&rates, "reopened_percent"),
        (reopened * 10_000.0 / incidents as f64).round() / 100.0
    );

    let sla = t
        .get(
            &format!("/api/v1/reports/sla-compliance?{ALL_TIME}"),
            &t.admin,
        )
        .await
        .body;
    let made = published_count("`made_sla` on the last row", "true");
    let imported = row(&sla, "Imported verdict");
    assert_eq!(imported[5], made, "{sla}");
    assert_eq!(imported[6], incidents - made, "{sla}");

    let times = t
        .get(
            &format!("/api/v1/reports/resolution-times?{ALL_TIME}"),
            &t.admin,
        )
        .await
        .body;
    for (marker, label) in [
        (
            "`opened_at` → `resolved_at`",
            "Time to resolve (MTTR), wall clock",
        ),
        ("`opened_at` → `closed_at`", "Time to close, wall clock"),
    ] {
        let expected = published(marker);
        let n = published_count(marker, "n =");
        let r = row(&times, label);
        assert_eq!(r[1], n, "{label}: {r:?}");
        assert_eq!(r[2].as_f64().unwrap(), expected[0], "{label} mean: {r:?}");
        assert_eq!(r[3].as_f64().unwrap(), expected[1], "{label} median: {r:?}");
    }

    // Importing the same file again changes nothing and duplicates nothing.
    let o = steward(&t.database_url, &args);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let again: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(incidents))
    );
    let list = t.get("/api/v1/incidents?limit=1", &t.admin).await.body;
    assert_eq!(list["total"], incidents, "{list}");
}

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

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

async fn total(t: &TestApp) -> i64 {
    t.get("/api/v1/incidents?limit=1", &t.admin).await.body["total"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn bad_mappings_and_bad_rows_are_named_and_nothing_is_half_imported() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("import-bad");
    let audit_before = t.audit_count().await;
    let csv = write(
        &dir,
        "in.csv",
        "id,summary,state,opened,updated,resolved,prio,service,group,caller\n\
         A-1,Printer jam,Open,2026-01-05 09:00,2026-01-05 09:00,-,3,-,Desk,Ann\n\
         A-1,Printer jam,Done,2026-01-05 09:00,2026-01-05 11:00,2026-01-05 11:00,3,-,Desk,Ann\n\
         A-2,VPN down,Exploded,2026-01-06 09:00,2026-01-06 09:00,-,2,-,Net,Bob\n\
         A-3,Mail slow,Open,2026-01-07 25:00,2026-01-07 09:00,-,3,-,Desk,Cy\n\
         A-4,Disk full,Open,2026-01-08 09:00,2026-01-08 09:00,-,3,-,Desk,Di\n",
    );

    // A mapping with several mistakes names each of them, and the file is not touched.
    let bad = write(
        &dir,
        "bad.toml",
        "source = \"x\"\nkey = \"id\"\nrows = \"sometimes\"\n[fields]\nstatus = \"state\"\ncolour = \"c\"\n",
    );
    let o = steward(&t.database_url, &["import", "csv", "--mapping", &bad, &csv]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    for key in ["rows:", "fields.colour:", "fields.opened_at: required"] {
        assert!(err.contains(key), "{key} missing from {err}");
    }
    // A mapping naming a column the file lacks is refused before any row is read.
    let missing = write(
        &dir,
        "missing.toml",
        &MAPPING.replace("\"{summary}\"", "\"{headline}\""),
    );
    let o = steward(
        &t.database_url,
        &["import", "csv", "--mapping", &missing, &csv],
    );
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("fields.title: the file has no column \"headline\""),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(total(&t).await, 0);

    // --strict: the first bad row aborts and nothing is written.
    let mapping = write(&dir, "good.toml", MAPPING);
    let o = steward(
        &t.database_url,
        &["import", "csv", "--strict", "--mapping", &mapping, &csv],
    );
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(
        err.contains("line 4: state: unknown value \"Exploded\""),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(total(&t).await, 0);
    assert_eq!(t.audit_count().await, audit_before);

    // Without --strict each bad row is reported by its line and skipped; the rest go in.
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--json",
            "--allow-skipped",
            "--mapping",
            &mapping,
            &csv,
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(err.contains("skipped line 4: state"), "{err}");
    assert!(err.contains("skipped line 5: opened"), "{err}");
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["created"], 2, "{summary}");
    assert_eq!(total(&t).await, 2);
    let list = t
        .get("/api/v1/incidents?sort=opened_at", &t.admin)
        .await
        .body;
    let first = &list["items"][0];
    assert_eq!(first["number"], "A-1");
    assert_eq!(first["status"], "resolved");
    assert_eq!(first["title"], "Printer jam");
    assert!(first["team_id"].is_i64(), "{first}");
    let id = first["id"].as_i64().unwrap();
    let shown = t
        .get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .body;
    let events: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, vec!["created", "transition", "imported"], "{shown}");

    // Re-import after the source changed one record: that one is updated, the other left
    // alone, and no record or timeline entry is duplicated.
    let changed = std::fs::read_to_string(dir.join("in.csv"))
        .unwrap()
        .replace(
            "A-4,Disk full,Open,2026-01-08 09:00,2026-01-08 09:00,-,3,-,Desk,Di",
            "A-4,Disk full,Working,2026-01-08 09:00,2026-01-08 10:00,-,2,-,Desk,Di",
        );
    let csv2 = write(&dir, "in2.csv", &changed);
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--json",
            "--allow-skipped",
            "--mapping",
            &mapping,
            &csv2,
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(
        (
            summary["created"].as_i64(),
            summary["updated"].as_i64(),
            summary["unchanged"].as_i64()
        ),
        (Some(0), Some(1), Some(1)),
        "{summary}"
    );
    assert_eq!(total(&t).await, 2);
    let shown = t
        .get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .body;
    assert_eq!(shown["timeline"].as_array().unwrap().len(), 3, "{shown}");
    let list = t.get("/api/v1/incidents", &t.admin).await.body;
    let a4 = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["number"] == "A-4")
        .expect("A-4");
    assert_eq!(a4["status"], "in_progress", "{a4}");
    assert_eq!(a4["priority"], "P2", "{a4}");
    // The per-status counts moved with the import.
    let new = t
        .get("/api/v1/incidents?status=new&limit=1", &t.admin)
        .await
        .body;
    assert_eq!(new["total"], 0, "{new}");
}

#[tokio::test]
async fn imported_records_get_sla_clocks_from_their_history_when_an_sla_applies() {
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
                "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 7200}},
                "response_on": "assignment",
                "pause": [{"status": "pending", "reasons": ["customer"]}],
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let dir = temp_dir("import-sla");
    // M-1 waits on the customer for 5 hours: paused, so it meets its 2-hour target.
    // M-2 takes 3 working hours: breached.
    let csv = write(
        &dir,
        "in.csv",
        "id,summary,state,opened,updated,resolved,prio,service,group,caller\n\
         M-1,Bounce,Open,2026-02-02 09:00,2026-02-02 09:00,-,3,Mail,Desk,-\n\
         M-1,Bounce,Waiting,2026-02-02 09:00,2026-02-02 09:30,-,3,Mail,Desk,-\n\
         M-1,Bounce,Working,2026-02-02 09:00,2026-02-02 14:30,-,3,Mail,Desk,-\n\
         M-1,Bounce,Done,2026-02-02 09:00,2026-02-02 15:00,2026-02-02 15:00,3,Mail,Desk,-\n\
         M-2,Spam,Open,2026-02-03 09:00,2026-02-03 09:00,-,3,Mail,-,-\n\
         M-2,Spam,Working,2026-02-03 09:00,2026-02-03 10:00,-,3,Mail,Desk,-\n\
         M-2,Spam,Done,2026-02-03 09:00,2026-02-03 12:00,2026-02-03 12:00,3,Mail,Desk,-\n",
    );
    let mapping = write(&dir, "m.toml", MAPPING);
    let o = steward(
        &t.database_url,
        &["import", "csv", "--mapping", &mapping, &csv],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let list = t
        .get("/api/v1/incidents?sort=opened_at", &t.admin)
        .await
        .body;
    let m1 = list["items"][0]["id"].as_i64().unwrap();
    let m2 = list["items"][1]["id"].as_i64().unwrap();
    let sla1 = &t
        .get(&format!("/api/v1/incidents/{m1}"), &t.admin)
        .await
        .body["sla"];
    assert_eq!(sla1["resolution"]["state"], "met", "{sla1}");
    assert_eq!(sla1["resolution"]["paused_seconds"], 5 * 3600, "{sla1}");
    assert_eq!(sla1["resolution"]["elapsed_seconds"], 3600, "{sla1}");
    let sla2 = &t
        .get(&format!("/api/v1/incidents/{m2}"), &t.admin)
        .await
        .body["sla"];
    assert_eq!(sla2["resolution"]["state"], "breached", "{sla2}");
    assert_eq!(sla2["resolution"]["elapsed_seconds"], 3 * 3600, "{sla2}");
    // Response: M-2 was assigned to a team an hour after it opened (target one hour: met).
    assert_eq!(sla2["response"]["state"], "met", "{sla2}");

    let report = t
        .get(
            "/api/v1/reports/sla-compliance?from=2026-02-01&to=2026-03-01",
            &t.admin,
        )
        .await
        .body;
    let r = row(&report, "Mail 24x7");
    assert_eq!(
        (r[5].as_i64(), r[6].as_i64()),
        (Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(r[8].as_f64(), Some(50.0), "{report}");

    // The process-mining export: one trace per record, one event per timeline entry.
    let xes = dir.join("log.xes");
    let o = steward(
        &t.database_url,
        &[
            "export",
            "events",
            "--format",
            "xes",
            "--output",
            &xes.to_string_lossy(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let xml = std::fs::read_to_string(&xes).unwrap();
    assert!(xml.starts_with("<?xml") && xml.contains("xes.version=\"1849-2016\""));
    assert_eq!(xml.matches("<trace>").count(), 2, "{xml}");
    // One event per source row (M-1: 4, M-2: 3, its move to Desk going with its first
    // transition); the `imported` marker is not an activity of the case.
    assert_eq!(xml.matches("<event>").count(), 4 + 3, "{xml}");
    assert!(!xml.contains("value=\"imported\""), "{xml}");
    assert!(xml.contains("<string key=\"concept:name\" value=\"M-1\"/>"));
    let o = steward(&t.database_url, &["export", "events"]);
    let csv = text(&o.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "case_id,activity,timestamp,resource,kind,priority,from_status,to_status,team"
    );
    assert_eq!(lines.len(), 1 + 7, "{csv}");
    assert!(
        lines[1].starts_with("M-1,created,2026-02-02T09:00:00Z,"),
        "{csv}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("M-1,pending,2026-02-02T09:30:00Z")),
        "{csv}"
    );
}

#[tokio::test]
async fn reports_check_their_parameters_render_csv_and_html_and_show_the_trend() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    for i in 0..3 {
        let r = t
            .post(
                "/api/v1/incidents",
                &agent,
                json!({"title": format!("Incident {i}"), "impact": "medium", "urgency": "medium"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let tomorrow = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24))
        .strftime("%Y-%m-%d")
        .to_string();
    let q = format!("from={today}&to={tomorrow}");
    let r = t.get(&format!("/api/v1/reports/volumes?{q}"), &agent).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(figure(&r.body, "opened"), 3.0);
    assert_eq!(figure(&r.body, "backlog"), 3.0);
    // The previous period (the day before) had none: no relative change to show.
    let opened = r.body["summary"][0].clone();
    assert_eq!(opened["previous"], 0.0);
    assert!(opened["change_percent"].is_null());

    t.get("/api/v1/reports/volumes", &customer)
        .await
        .problem(403);
    let p = t
        .get(
            "/api/v1/reports/volumes?from=2026-05-01&to=2026-04-01",
            &agent,
        )
        .await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "from", "{}", p.body);
    let p = t.get("/api/v1/reports/volumes?grouping=hour", &agent).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "grouping");
    let p = t.get("/api/v1/reports/nonsense", &agent).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "name");
    let p = t.get("/api/v1/reports/volumes?colour=red", &agent).await;
    assert_eq!(p.problem(400)["field"], "colour");

    let csv = t
        .get(&format!("/api/v1/reports/volumes?{q}&format=csv"), &agent)
        .await;
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{:?}",
        csv.headers
    );
    let body = csv.body.as_str().unwrap();
    assert!(
        body.starts_with("Period,Opened,Resolved,Closed unresolved,Backlog at end"),
        "{body}"
    );
    assert!(body.contains(&format!("{today},3,0,0,3")), "{body}");
    let html = t
        .get(
            &format!("/api/v1/reports/sla-compliance?{q}&format=html"),
            &agent,
        )
        .await;
    assert!(html.content_type().starts_with("text/html"));
    let page = html.body.as_str().unwrap();
    assert!(page.contains("<svg role=\"img\""), "{page}");
    assert!(page.contains("Target 95% (dashed line)"), "{page}");
    assert!(page.contains("<th scope=\"col\">Resolution met %</th>"));
}

async fn teams(t: &TestApp) -> i64 {
    t.get("/api/v1/teams", &t.admin).await.body["total"]
        .as_i64()
        .unwrap()
}

/// A SQLite database URL whose file does not exist yet.
fn fresh_sqlite(dir: &Path) -> (String, PathBuf) {
    let file = dir.join("fresh.db");
    (format!("sqlite://{}", file.display()), file)
}

const GOOD_CSV: &str = "id,summary,state,opened,updated,resolved,prio,service,group,caller\n\
     A-1,Printer jam,Open,2026-01-05 09:00,2026-01-05 09:00,-,3,-,Brand new team,Ann\n";

#[tokio::test]
async fn a_refused_mapping_names_what_to_fix_and_creates_nothing() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("import-refused");
    let audit_before = t.audit_count().await;
    let teams_before = teams(&t).await;
    let csv = write(&dir, "in.csv", GOOD_CSV);
    let (fresh_url, fresh_file) = fresh_sqlite(&dir);
    let cases = [
        (
            "typo.toml",
            MAPPING.replace("\"Done\" = \"resolved\"", "\"Done\" = \"solved\""),
            "values.status.\"Done\": \"solved\" is not a Steward status value; allowed: new, assigned, in_progress, pending, resolved, closed, cancelled",
        ),
        (
            "syntax.toml",
            MAPPING.replace("rows = \"snapshot\"", "rows = snapshot"),
            "not a valid mapping file at line 4, column 8",
        ),
        (
            "absent.toml",
            MAPPING.replace("\"{summary}\"", "\"{headline}\""),
            "header: the file's columns are: id, summary, state, opened, updated, resolved, prio, service, group, caller",
        ),
    ];
    for (name, mapping, expected) in cases {
        let mapping = write(&dir, name, &mapping);
        for url in [fresh_url.as_str(), t.database_url.as_str()] {
            let o = steward(url, &["import", "csv", "--mapping", &mapping, &csv]);
            assert_eq!(o.status.code(), Some(1), "{name}");
            let err = text(&o.stderr);
            assert!(
                err.contains(expected),
                "{name}: {expected:?} missing from {err}"
            );
        }
        assert!(
            !fresh_file.exists(),
            "{name} created {}",
            fresh_file.display()
        );
    }
    // --strict with a bad row: refused while reading, before any database is opened.
    let bad_row = write(
        &dir,
        "bad.csv",
        &format!(
            "{GOOD_CSV}A-2,VPN down,Exploded,2026-01-06 09:00,2026-01-06 09:00,-,2,-,Net,Bob\n"
        ),
    );
    let mapping = write(&dir, "good.toml", MAPPING);
    for url in [fresh_url.as_str(), t.database_url.as_str()] {
        let o = steward(
            url,
            &["import", "csv", "--strict", "--mapping", &mapping, &bad_row],
        );
        assert_eq!(o.status.code(), Some(1));
        assert!(
            text(&o.stderr).contains("line 3: state: unknown value \"Exploded\""),
            "{}",
            text(&o.stderr)
        );
    }
    assert!(!fresh_file.exists());
    // --strict with a record refused for its references (after its good neighbour's new team
    // was made): the whole transaction is rolled back, the team with it.
    let unknown_service = write(
        &dir,
        "service.csv",
        &format!(
            "{GOOD_CSV}A-2,VPN down,Open,2026-01-06 09:00,2026-01-06 09:00,-,2,Nope,Other new team,Bob\n"
        ),
    );
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--strict",
            "--mapping",
            &mapping,
            &unknown_service,
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(err.contains("no service named \"Nope\""), "{err}");
    assert_eq!(teams(&t).await, teams_before);
    assert_eq!(total(&t).await, 0);
    assert_eq!(t.audit_count().await, audit_before);
    // Accepted, the good record's team is made, but not the team of the record skipped.
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--allow-skipped",
            "--mapping",
            &mapping,
            &unknown_service,
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(teams(&t).await, teams_before + 1);
    assert_eq!(total(&t).await, 1);
    // The control: a good import does create the fresh database.
    let o = steward(&fresh_url, &["import", "csv", "--mapping", &mapping, &csv]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(fresh_file.exists());
}

#[tokio::test]
async fn skipped_rows_and_closed_records_without_a_closed_time_fail_the_run_unless_allowed() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("import-skipped");
    let mapping = write(
        &dir,
        "m.toml",
        &MAPPING
            .replace(
                "\"Done\" = \"resolved\"",
                "\"Done\" = \"resolved\"\n\"Shut\" = \"closed\"",
            )
            .replace("\"Done\" = \"\"", "\"Done\" = \"\"\n\"Shut\" = \"\""),
    );
    // CRLF line ends, and a quoted summary spanning lines 3 and 4.
    let csv = write(
        &dir,
        "crlf.csv",
        &[
            "id,summary,state,opened,updated,resolved,prio,service,group,caller",
            "A-1,Printer jam,Open,2026-01-05 09:00,2026-01-05 09:00,-,3,-,Desk,Ann",
            "A-2,\"Two\r\nlines\",Open,2026-01-05 10:00,2026-01-05 10:00,-,3,-,Desk,Ann",
            "A-3,VPN down,Exploded,2026-01-06 09:00,2026-01-06 09:00,-,2,-,Net,Bob",
            "A-4,Mail slow,Open,2026-01-07 09:00,2026-01-07 09:00,-,3,-,Desk,Cy",
            "A-4,Mail slow,Shut,2026-01-07 09:00,2026-01-07 12:00,-,3,-,Desk,Cy",
            "",
        ]
        .join("\r\n"),
    );
    let o = steward(
        &t.database_url,
        &["import", "csv", "--mapping", &mapping, &csv],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains("skipped line 5: state: unknown value \"Exploded\""),
        "{err}"
    );
    assert!(
        err.contains("warning line 7: record A-4: status closed but no closed time"),
        "{err}"
    );
    let last = err.lines().last().unwrap_or("");
    assert!(
        last.starts_with(
            "import incomplete: 1 bad rows and 0 records skipped, 1 records with warnings"
        ) && last.contains("--allow-skipped"),
        "{err}"
    );
    assert!(
        text(&o.stdout).contains("1 warnings"),
        "{}",
        text(&o.stdout)
    );
    // The good records (the flagged one too) went in.
    assert_eq!(total(&t).await, 3);
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--json",
            "--allow-skipped",
            "--mapping",
            &mapping,
            &csv,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["unchanged"], 3, "{summary}");
    assert_eq!(summary["bad_rows"][0]["line"], 5, "{summary}");
    assert_eq!(summary["warnings"][0]["line"], 7, "{summary}");
}

#[test]
fn the_help_and_the_readme_list_the_same_vocabularies() {
    let o = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["import", "csv", "--help"])
        .output()
        .expect("run steward");
    assert!(o.status.success());
    let help = text(&o.stdout);
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
            .expect("README.md");
    let vocabulary: Vec<&str> = help
        .lines()
        .skip_while(|l| !l.starts_with("Steward values for mapped fields"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .map(str::trim)
        .collect();
    for expected in [
        "status (incident): new, assigned, in_progress, pending, resolved, closed, cancelled",
        "pending_reason: customer, supplier, change",
        "impact: high, medium, low",
        "channel: portal, email, phone, api, monitoring",
    ] {
        assert!(
            vocabulary.contains(&expected),
            "{expected} missing from {help}"
        );
    }
    assert!(vocabulary.len() >= 9, "{help}");
    for line in vocabulary {
        assert!(readme.contains(line), "the README lacks {line:?}");
    }
}
