//! The shipped presets against small exports written for these tests in each desk's own
//! export format (tests/api/fixtures): every record comes in with its status, priority and
//! times as the source stated them.
use crate::support::{TestApp, steward_cli as steward};
use serde_json::Value;
use std::collections::HashMap;
use std::path::Path;

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/api/fixtures")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

/// Imports `file` with `preset` and answers the JSON summary, the exit code and the imported
/// incidents by number.
async fn import(
    t: &TestApp,
    preset: &str,
    file: &str,
) -> (Value, Option<i32>, HashMap<String, Value>) {
    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--preset",
            preset,
            "--json",
            &fixture(file),
        ],
    );
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let summary: Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|e| panic!("{preset}: no JSON summary ({e}): {stderr}"));
    let list = t.get("/api/v1/incidents?limit=100", &t.admin).await.body;
    let by_number = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["number"].as_str().unwrap().to_owned(), i.clone()))
        .collect();
    (summary, o.status.code(), by_number)
}

/// Status, priority, opened, resolved and closed of an incident, as the API gives them.
fn facts(i: &Value) -> (String, String, String, Value, Value) {
    (
        i["status"].as_str().unwrap_or("").to_owned(),
        i["priority"].as_str().unwrap_or("").to_owned(),
        i["opened_at"].as_str().unwrap_or("").to_owned(),
        i["resolved_at"].clone(),
        i["closed_at"].clone(),
    )
}

fn expect(
    got: &HashMap<String, Value>,
    number: &str,
    status: &str,
    priority: &str,
    opened: &str,
    resolved: Option<&str>,
    closed: Option<&str>,
) {
    let i = got
        .get(number)
        .unwrap_or_else(|| panic!("{number} not imported: {:?}", got.keys()));
    let opt = |v: Option<&str>| v.map_or(Value::Null, |s| Value::String(s.to_owned()));
    assert_eq!(
        facts(i),
        (
            status.to_owned(),
            priority.to_owned(),
            opened.to_owned(),
            opt(resolved),
            opt(closed)
        ),
        "{number}: {i}"
    );
}

#[tokio::test]
async fn jira_service_management_csv_export() {
    let t = TestApp::spawn().await;
    let (summary, code, got) =
        import(&t, "jira-service-management", "jira-service-management.csv").await;
    assert_eq!(summary["created"], 5, "{summary}");
    assert_eq!(
        summary["bad_rows"].as_array().map(Vec::len),
        Some(0),
        "{summary}"
    );
    // Jira's export has no closing time: the closed issue is imported and reported.
    assert_eq!(code, Some(3), "{summary}");
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("record ITSM-103: status closed but no closed time"),
        "{warnings}"
    );
    expect(
        &got,
        "ITSM-101",
        "resolved",
        "P2",
        "2026-01-05T09:14:00Z",
        Some("2026-01-05T14:44:00Z"),
        None,
    );
    expect(
        &got,
        "ITSM-102",
        "pending",
        "P3",
        "2026-01-06T10:00:00Z",
        None,
        None,
    );
    expect(
        &got,
        "ITSM-103",
        "closed",
        "P1",
        "2026-01-07T08:05:00Z",
        Some("2026-01-07T12:35:00Z"),
        None,
    );
    expect(
        &got,
        "ITSM-104",
        "in_progress",
        "P4",
        "2026-01-08T13:20:00Z",
        None,
        None,
    );
    expect(
        &got,
        "ITSM-105",
        "cancelled",
        "P5",
        "2026-01-09T11:59:00Z",
        Some("2026-01-09T12:10:00Z"),
        None,
    );
    assert_eq!(got["ITSM-102"]["pending_reason"], "customer");
    assert_eq!(got["ITSM-101"]["title"], "VPN drops every hour");
    assert_eq!(got["ITSM-101"]["category"], "Report a system problem");
    assert!(got["ITSM-101"]["team_id"].is_i64(), "{}", got["ITSM-101"]);
    assert!(got["ITSM-105"]["team_id"].is_null(), "{}", got["ITSM-105"]);
}

#[tokio::test]
async fn zammad_csv_ticket_export() {
    let t = TestApp::spawn().await;
    let (summary, code, got) = import(&t, "zammad", "zammad.csv").await;
    assert_eq!(summary["created"], 5, "{summary}");
    // "pending close" is resolved, and Zammad's export has no time for that step: the
    // ticket is imported and reported, so the resolved figures are not silently short.
    assert_eq!(code, Some(3), "{summary}");
    let warnings = summary["warnings"].to_string();
    assert!(
        warnings.contains("record 31005: status resolved but no resolved time"),
        "{warnings}"
    );
    expect(
        &got,
        "31001",
        "closed",
        "P3",
        "2026-02-02T08:12:40Z",
        Some("2026-02-02T09:47:03Z"),
        Some("2026-02-02T09:47:03Z"),
    );
    expect(
        &got,
        "31002",
        "in_progress",
        "P2",
        "2026-02-02T09:05:00Z",
        None,
        None,
    );
    expect(
        &got,
        "31003",
        "pending",
        "P3",
        "2026-02-03T13:30:00Z",
        None,
        None,
    );
    expect(
        &got,
        "31004",
        "new",
        "P4",
        "2026-02-04T10:45:10Z",
        None,
        None,
    );
    expect(
        &got,
        "31005",
        "resolved",
        "P3",
        "2026-02-04T11:00:00Z",
        None,
        None,
    );
    assert_eq!(got["31001"]["channel"], "email");
    assert_eq!(got["31003"]["channel"], "portal");
    assert_eq!(got["31003"]["pending_reason"], "customer");
    let teams = t.get("/api/v1/teams", &t.admin).await.body;
    assert_eq!(
        teams["total"], 3,
        "Users, Infrastructure, Facilities: {teams}"
    );
}

#[tokio::test]
async fn glpi_semicolon_csv_export() {
    let t = TestApp::spawn().await;
    let (summary, code, got) = import(&t, "glpi", "glpi.csv").await;
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["created"], 5, "{summary}");
    expect(
        &got,
        "2041",
        "closed",
        "P3",
        "2026-03-02T08:30:00Z",
        Some("2026-03-02T11:15:00Z"),
        Some("2026-03-04T17:00:00Z"),
    );
    expect(
        &got,
        "2042",
        "assigned",
        "P2",
        "2026-03-03T09:40:00Z",
        None,
        None,
    );
    expect(
        &got,
        "2043",
        "resolved",
        "P4",
        "2026-03-03T12:00:00Z",
        Some("2026-03-03T16:20:00Z"),
        None,
    );
    expect(
        &got,
        "2044",
        "closed",
        "P1",
        "2026-03-05T07:55:00Z",
        Some("2026-03-05T08:40:00Z"),
        Some("2026-03-06T09:00:00Z"),
    );
    expect(
        &got,
        "2045",
        "pending",
        "P5",
        "2026-03-05T13:10:00Z",
        None,
        None,
    );
    assert_eq!(got["2044"]["impact"], "high");
    assert_eq!(got["2044"]["channel"], "api");
    assert_eq!(got["2043"]["channel"], "email");
    assert_eq!(got["2041"]["title"], "Scanner on 2nd floor jams");
}

#[tokio::test]
async fn request_tracker_spreadsheet_export() {
    let t = TestApp::spawn().await;
    let (summary, code, got) = import(&t, "request-tracker", "request-tracker.tsv").await;
    assert_eq!(code, Some(0), "{summary}");
    assert_eq!(summary["created"], 5, "{summary}");
    expect(
        &got,
        "7001",
        "closed",
        "P3",
        "2026-04-01T08:02:11Z",
        Some("2026-04-01T12:39:58Z"),
        Some("2026-04-01T12:39:58Z"),
    );
    expect(
        &got,
        "7002",
        "in_progress",
        "P3",
        "2026-04-01T09:15:00Z",
        None,
        None,
    );
    expect(
        &got,
        "7003",
        "pending",
        "P3",
        "2026-04-02T07:30:00Z",
        None,
        None,
    );
    expect(
        &got,
        "7004",
        "cancelled",
        "P3",
        "2026-04-02T11:00:00Z",
        None,
        None,
    );
    expect(
        &got,
        "7005",
        "new",
        "P3",
        "2026-04-03T16:45:30Z",
        None,
        None,
    );
    assert_eq!(got["7002"]["title"], "Invoice PDF attachments missing");
    // Re-importing the same export changes nothing.
    let (again, code, _) = import(&t, "request-tracker", "request-tracker.tsv").await;
    assert_eq!(code, Some(0), "{again}");
    assert_eq!(
        (again["created"].as_i64(), again["unchanged"].as_i64()),
        (Some(0), Some(5)),
        "{again}"
    );
}
