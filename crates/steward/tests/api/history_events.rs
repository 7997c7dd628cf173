//! Event-style history (one row per change, as process-mining logs and most desks export it):
//! an event log written for the test, whose published-style figures are computed here from
//! the raw rows, imports with the `event-log` preset and with a hand-written mapping, and
//! Steward's reports and event export give the same figures back. Also the two-column value
//! map, the major flag, created organizations and the resolved-without-time warning.
use crate::support::steward_cli as steward;
use crate::support::{TestApp, report_figure as figure, report_row as row, temp_dir};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

const ALL_TIME: &str = "from=2026-01-01&to=2027-01-01";

/// What a row of the log does to its case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Create,
    Start,
    Reassign,
    OwnerChange,
    Repeat,
    Resolve,
    Reopen,
    Close,
}

impl Step {
    /// The activity as the generic log (and the `event-log` preset) names it.
    fn activity(self) -> &'static str {
        match self {
            Step::Create => "Create",
            Step::Start => "Start",
            Step::Reassign => "Reassign",
            Step::OwnerChange => "Change owner",
            Step::Repeat => "Start",
            Step::Resolve => "Resolve",
            Step::Reopen => "Reopen",
            Step::Close => "Close",
        }
    }

    /// The same activity as the other desk names it (the hand-written mapping's file).
    fn desk_name(self) -> &'static str {
        match self {
            Step::Create => "Opened",
            Step::Start | Step::Repeat => "Taken",
            Step::Reassign => "Moved",
            Step::OwnerChange => "Owner changed",
            Step::Resolve => "Solved",
            Step::Reopen => "Reopened",
            Step::Close => "Shut",
        }
    }
}

/// One row of the log: case, step, seconds since the epoch, resource, team, owner.
#[derive(Debug, Clone)]
struct Event {
    case: String,
    step: Step,
    at: i64,
    resource: String,
    team: String,
    owner: String,
}

const TEAMS: [&str; 3] = ["Service Desk", "Network", "Applications"];

/// 36 cases in March 2026: some reassigned, some reopened after resolution, some still open,
/// some with an owner change or a repeated status that changes neither status nor team.
fn event_log() -> Vec<Event> {
    let base = "2026-03-02T08:00:00Z"
        .parse::<jiff::Timestamp>()
        .unwrap()
        .as_second();
    let mut log = Vec::new();
    for i in 0..36i64 {
        let case = format!("C-{i:03}");
        let start = base + i * 7 * 3600 + (i * 977) % 3600;
        // Cases reassigned from triage never end there: its team exists only if every team a
        // case passed through becomes one.
        let mut team = if i % 3 == 0 {
            "Triage"
        } else {
            TEAMS[(i % 3) as usize]
        };
        let mut owner = format!("agent{}", i % 4);
        let mut at = start;
        let mut push = |step: Step, at: i64, team: &str, owner: &str| {
            log.push(Event {
                case: case.clone(),
                step,
                at,
                resource: format!("res{}", (i + at) % 5),
                team: team.to_owned(),
                owner: owner.to_owned(),
            })
        };
        push(Step::Create, at, team, &owner);
        at += 1800 + (i * 311) % 5400;
        push(Step::Start, at, team, &owner);
        if i % 3 == 0 {
            at += 3600 * (1 + i % 4);
            team = TEAMS[((i + 1) % 3) as usize];
            push(Step::Reassign, at, team, &owner);
        }
        if i % 5 == 2 {
            at += 900;
            owner = format!("agent{}", (i + 1) % 4);
            push(Step::OwnerChange, at, team, &owner);
        }
        if i % 9 == 4 {
            at += 600;
            push(Step::Repeat, at, team, &owner);
        }
        if i % 6 == 5 {
            continue; // still open
        }
        at += 3600 * (2 + (i * 37) % 50);
        push(Step::Resolve, at, team, &owner);
        if i % 4 == 1 {
            at += 7200;
            push(Step::Reopen, at, team, &owner);
            if i % 8 == 1 {
                // Reopened into another team.
                team = TEAMS[((i + 2) % 3) as usize];
                at += 60;
                push(Step::Reassign, at, team, &owner);
            }
            at += 3600 * (1 + i % 7);
            push(Step::Resolve, at, team, &owner);
        }
        if i % 2 == 0 {
            at += 86_400 + i * 60;
            push(Step::Close, at, team, &owner);
        }
    }
    // Interleave the cases as a real log would be, in time order.
    log.sort_by_key(|e| e.at);
    log
}

/// The figures a published profile of the log states, computed from the rows alone.
#[derive(Debug, Default)]
struct Figures {
    cases: i64,
    resolved: i64,
    closed: i64,
    backlog: i64,
    resolve_days: Vec<f64>,
    close_days: Vec<f64>,
    reassigned: i64,
    reopened: i64,
    /// Case → (first event, last event), in seconds.
    spans: BTreeMap<String, (i64, i64)>,
    teams: BTreeSet<String>,
}

fn figures(log: &[Event]) -> Figures {
    let mut by_case: BTreeMap<&str, Vec<&Event>> = BTreeMap::new();
    for e in log {
        by_case.entry(&e.case).or_default().push(e);
    }
    let mut f = Figures {
        cases: by_case.len() as i64,
        ..Default::default()
    };
    for (case, mut events) in by_case {
        events.sort_by_key(|e| e.at);
        let opened = events[0].at;
        let last = events.iter().map(|e| e.at).max().unwrap();
        f.spans.insert(case.to_owned(), (opened, last));
        // A resolution counts from the last time the case was resolved after its last reopen.
        let (mut resolved_at, mut closed_at) = (None, None);
        let mut teams_seen: Vec<&str> = Vec::new();
        for e in &events {
            f.teams.insert(e.team.clone());
            if teams_seen.last() != Some(&e.team.as_str()) {
                teams_seen.push(&e.team);
            }
            match e.step {
                Step::Resolve => resolved_at = resolved_at.or(Some(e.at)),
                Step::Reopen => resolved_at = None,
                Step::Close => closed_at = Some(e.at),
                _ => {}
            }
        }
        if teams_seen.len() > 1 {
            f.reassigned += 1;
        }
        if events.iter().any(|e| e.step == Step::Reopen) {
            f.reopened += 1;
        }
        match resolved_at {
            Some(r) => {
                f.resolved += 1;
                f.resolve_days.push((r - opened) as f64 / 86_400.0);
            }
            None => f.backlog += 1,
        }
        if let Some(c) = closed_at {
            f.closed += 1;
            f.close_days.push((c - opened) as f64 / 86_400.0);
        }
    }
    f
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn round(v: f64, places: i32) -> f64 {
    let p = 10f64.powi(places);
    (v * p).round() / p
}

fn rfc3339(seconds: i64) -> String {
    jiff::Timestamp::from_second(seconds).unwrap().to_string()
}

/// The log as the generic process-mining CSV the preset reads.
fn generic_csv(log: &[Event]) -> String {
    let mut out = String::from("case_id,activity,timestamp,resource,team,owner\n");
    for e in log {
        let at = jiff::Timestamp::from_second(e.at)
            .unwrap()
            .strftime("%Y-%m-%d %H:%M:%S");
        out.push_str(&format!(
            "{},{},{at},{},{},{}\n",
            e.case,
            e.step.activity(),
            e.resource,
            e.team,
            e.owner
        ));
    }
    out
}

/// The same log as another desk exports it: other column names, activity names, date format.
fn desk_csv(log: &[Event]) -> String {
    let mut out = String::from("Ticket;Step;When;Who;Group;Owner\n");
    for e in log {
        let at = jiff::Timestamp::from_second(e.at)
            .unwrap()
            .strftime("%d.%m.%Y %H:%M:%S");
        out.push_str(&format!(
            "{};{};{at};{};{};{}\n",
            e.case,
            e.step.desk_name(),
            e.resource,
            e.team,
            e.owner
        ));
    }
    out.replace(';', ",")
}

const DESK_MAPPING: &str = r#"
source = "olddesk"
kind = "incident"
key = "Ticket"
rows = "event"
order_by = "When"
timestamp_formats = ["%d.%m.%Y %H:%M:%S"]
attributes = ["Owner"]
create_teams = true
[fields]
status = "Step"
team = "Group"
actor = "Who"
[values.status]
"Opened" = "new"
"Taken" = "in_progress"
"Moved" = "assigned"
"Owner changed" = ""
"Solved" = "resolved"
"Reopened" = "in_progress"
"Shut" = "closed"
"#;

/// Imports `csv` with `how` (`--preset NAME` or `--mapping FILE`) and checks every figure.
async fn import_and_check(how: [&str; 2], csv: &str, log: &[Event], dir: &Path) {
    let f = figures(log);
    let t = TestApp::spawn().await;
    let o = steward(
        &t.database_url,
        &["import", "csv", how[0], how[1], "--json", csv],
    );
    assert!(o.status.success(), "{how:?}: {}", text(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).expect("JSON summary");
    assert_eq!(summary["rows"], log.len(), "{summary}");
    assert_eq!(summary["created"], f.cases, "{summary}");
    assert_eq!(summary["warnings"], serde_json::json!([]), "{summary}");

    let volumes = t
        .get(&format!("/api/v1/reports/volumes?{ALL_TIME}"), &t.admin)
        .await;
    assert_eq!(volumes.status, 200, "{}", volumes.body);
    let v = &volumes.body;
    assert_eq!(figure(v, "opened") as i64, f.cases, "{how:?} {v}");
    assert_eq!(figure(v, "resolved") as i64, f.resolved, "{how:?} {v}");
    assert_eq!(figure(v, "backlog") as i64, f.backlog, "{how:?} {v}");

    let times = t
        .get(
            &format!("/api/v1/reports/resolution-times?{ALL_TIME}"),
            &t.admin,
        )
        .await
        .body;
    for (label, key, days) in [
        (
            "Time to resolve (MTTR), wall clock",
            "resolve",
            &f.resolve_days,
        ),
        ("Time to close, wall clock", "close", &f.close_days),
    ] {
        let r = row(&times, label);
        assert_eq!(r[1], days.len() as i64, "{how:?} {label}: {r:?}");
        assert_eq!(
            figure(&times, &format!("{key}_mean_days")),
            round(mean(days), 3),
            "{how:?} {label}"
        );
        assert_eq!(
            figure(&times, &format!("{key}_median_days")),
            round(median(days), 3),
            "{how:?} {label}"
        );
        assert_eq!(r[2].as_f64().unwrap(), round(mean(days), 3), "{r:?}");
        assert_eq!(r[3].as_f64().unwrap(), round(median(days), 3), "{r:?}");
    }
    assert_eq!(f.closed, f.close_days.len() as i64);

    let rates = t
        .get(&format!("/api/v1/reports/rates?{ALL_TIME}"), &t.admin)
        .await
        .body;
    let percent = |n: i64| round(n as f64 * 100.0 / f.cases as f64, 2);
    assert_eq!(figure(&rates, "records") as i64, f.cases);
    assert_eq!(
        figure(&rates, "reassigned_percent"),
        percent(f.reassigned),
        "{how:?} {rates}"
    );
    assert_eq!(
        figure(&rates, "reopened_percent"),
        percent(f.reopened),
        "{how:?} {rates}"
    );

    // Every team a case passed through is a team, not only the last ones.
    let teams = t.get("/api/v1/teams?limit=100", &t.admin).await.body;
    let names: BTreeSet<String> = teams["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(f.teams.contains("Triage"));
    assert!(f.teams.is_subset(&names), "{:?} not in {names:?}", f.teams);

    // The event export gives back one event per row read, and each case's true span.
    let out = dir.join(format!("events-{}.csv", how[0].trim_start_matches('-')));
    let o = steward(
        &t.database_url,
        &[
            "export",
            "events",
            "--format",
            "csv",
            "--output",
            &out.to_string_lossy(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let exported = std::fs::read_to_string(&out).unwrap();
    let mut lines = exported.lines();
    assert_eq!(
        lines.next(),
        Some("case_id,activity,timestamp,resource,kind,priority,from_status,to_status,team")
    );
    let mut spans: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut events = 0;
    for line in lines {
        events += 1;
        let cells: Vec<&str> = line.split(',').collect();
        assert_ne!(cells[1], "imported", "{line}");
        let span = spans
            .entry(cells[0].to_owned())
            .or_insert_with(|| (cells[2].to_owned(), cells[2].to_owned()));
        // RFC 3339 UTC with the same precision throughout: text order is time order.
        if cells[2] < span.0.as_str() {
            span.0 = cells[2].to_owned();
        }
        if cells[2] > span.1.as_str() {
            span.1 = cells[2].to_owned();
        }
    }
    assert_eq!(events, log.len(), "{how:?}");
    assert_eq!(spans.len(), f.spans.len());
    for (case, (first, last)) in &f.spans {
        let (a, b) = &spans[case];
        let parse = |s: &str| s.parse::<jiff::Timestamp>().unwrap().as_second();
        assert_eq!(
            (parse(a), parse(b)),
            (*first, *last),
            "{case}: {a} .. {b}, expected {} .. {}",
            rfc3339(*first),
            rfc3339(*last)
        );
    }
}

#[tokio::test]
async fn an_event_log_imports_with_the_preset_and_a_hand_written_mapping_and_reports_its_own_figures()
 {
    let log = event_log();
    let f = figures(&log);
    // The log exercises what it is meant to.
    assert!(f.reassigned > 5 && f.reopened > 3 && f.backlog > 3, "{f:?}");
    assert!(f.closed > 5 && f.resolved > f.closed, "{f:?}");
    let dir = temp_dir("history-events");
    let generic = write(&dir, "log.csv", &generic_csv(&log));
    import_and_check(["--preset", "event-log"], &generic, &log, &dir).await;
    let desk = write(&dir, "desk.csv", &desk_csv(&log));
    let mapping = write(&dir, "desk.toml", DESK_MAPPING);
    import_and_check(["--mapping", &mapping], &desk, &log, &dir).await;
}

#[tokio::test]
async fn an_owner_change_is_a_timeline_step_with_its_actor_and_the_owner_it_set() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("history-events-owner");
    let csv = write(
        &dir,
        "desk.csv",
        "Ticket,Step,When,Who,Group,Owner\n\
         K-1,Opened,01.03.2026 09:00:00,ann,Desk,ann\n\
         K-1,Owner changed,01.03.2026 09:30:00,bob,Desk,bob\n\
         K-1,Taken,01.03.2026 09:30:00,bob,Desk,bob\n\
         K-1,Taken,01.03.2026 10:00:00,cy,Desk,bob\n",
    );
    let mapping = write(&dir, "desk.toml", DESK_MAPPING);
    let o = steward(
        &t.database_url,
        &["import", "csv", "--mapping", &mapping, &csv],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let list = t.get("/api/v1/incidents?limit=5", &t.admin).await.body;
    let id = list["items"][0]["id"].as_i64().unwrap();
    let ticket = t
        .get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .body;
    let events = ticket["timeline"].as_array().cloned().unwrap_or_default();
    let steps: Vec<(String, String)> = events
        .iter()
        .map(|e| {
            (
                e["event"].as_str().unwrap_or("").to_owned(),
                e["actor"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let wanted: Vec<(String, String)> = [
        ("created", "ann"),
        ("edited", "bob"),
        ("transition", "bob"),
        ("edited", "cy"),
        ("imported", "system:import"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(steps, wanted, "{events:?}");
    let owner = &events[1]["detail"]["changes"]["Owner"];
    assert_eq!(owner["from"], "ann", "{events:?}");
    assert_eq!(owner["to"], "bob", "{events:?}");
}

const TWO_COLUMNS: &str = r#"
source = "twocol"
key = "id"
rows = "event"
order_by = "at"
create_organizations = true
[fields]
status = ["state", "reason"]
pending_reason = ["state", "reason"]
impact = "severity"
organization = "customer"
[values.status]
"Open|" = "new"
"Waiting|Customer" = "pending"
"Waiting|Vendor" = "pending"
"Done|*" = "resolved"
[values.pending_reason]
"Waiting|Customer" = "customer"
"Waiting|Vendor" = "supplier"
"*" = ""
[values.impact]
"Sev1" = "major"
"Sev2" = "high"
"Sev3" = "low"
"#;

#[tokio::test]
async fn two_columns_major_impact_and_created_organizations() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("history-events-two");
    let csv = write(
        &dir,
        "two.csv",
        "id,state,reason,at,severity,customer\n\
         T-1,Open,,2026-03-01T09:00:00Z,Sev2,Acme\n\
         T-1,Waiting,Vendor,2026-03-01T10:00:00Z,Sev1,\n\
         T-2,Open,,2026-03-02T09:00:00Z,Sev3,Globex\n\
         T-2,Waiting,Customer,2026-03-02T10:00:00Z,,\n\
         T-3,Open,,2026-03-03T09:00:00Z,Sev3,Acme\n\
         T-3,Done,Fixed,2026-03-03T11:00:00Z,,\n",
    );
    let mapping = write(&dir, "two.toml", TWO_COLUMNS);
    let o = steward(
        &t.database_url,
        &["import", "csv", "--json", "--mapping", &mapping, &csv],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["organizations_created"], 2, "{summary}");
    let orgs = t.get("/api/v1/organizations?limit=50", &t.admin).await.body;
    let org_ids: BTreeMap<String, i64> = orgs["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap().to_owned(),
                o["id"].as_i64().unwrap(),
            )
        })
        .collect();
    assert!(
        org_ids.contains_key("Acme") && org_ids.contains_key("Globex"),
        "{orgs}"
    );

    let list = t.get("/api/v1/incidents?limit=10", &t.admin).await.body;
    let by_number: BTreeMap<String, Value> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["number"].as_str().unwrap().to_owned(), i.clone()))
        .collect();
    let get = async |n: &str| {
        let id = by_number[n]["id"].as_i64().unwrap();
        t.get(&format!("/api/v1/incidents/{id}"), &t.admin)
            .await
            .body
    };
    let t1 = get("T-1").await;
    assert_eq!(t1["status"], "pending", "{t1}");
    assert_eq!(t1["pending_reason"], "supplier", "{t1}");
    assert_eq!(t1["impact"], "high", "{t1}");
    assert_eq!(t1["major"], true, "{t1}");
    assert_eq!(t1["organization_id"], org_ids["Acme"], "{t1}");
    let t2 = get("T-2").await;
    assert_eq!(t2["pending_reason"], "customer", "{t2}");
    assert_eq!(t2["major"], false, "{t2}");
    assert_eq!(t2["organization_id"], org_ids["Globex"], "{t2}");
    let t3 = get("T-3").await;
    assert_eq!(t3["status"], "resolved", "{t3}");
    assert_eq!(t3["pending_reason"], Value::Null, "{t3}");

    // Without create_organizations an unknown organization refuses the record, by name.
    let strict = write(
        &dir,
        "two-strict.toml",
        &TWO_COLUMNS
            .replace("create_organizations = true\n", "")
            .replace("\"twocol\"", "\"twocol2\""),
    );
    let other = write(
        &dir,
        "other.csv",
        "id,state,reason,at,severity,customer\nU-1,Open,,2026-03-04T09:00:00Z,Sev3,Initech\n",
    );
    let o = steward(
        &t.database_url,
        &["import", "csv", "--mapping", &strict, &other],
    );
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).contains("record U-1: no organization named \"Initech\""),
        "{}",
        text(&o.stderr)
    );

    // A key that does not give one value per column is refused when the mapping loads.
    let bad = write(
        &dir,
        "bad.toml",
        &TWO_COLUMNS.replace("\"Open|\" = \"new\"", "\"Open\" = \"new\""),
    );
    let o = steward(&t.database_url, &["import", "csv", "--mapping", &bad, &csv]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains(
            "values.status.\"Open\": the field reads 2 columns (state, reason), so each key names 2 values joined by \"|\""
        ),
        "{}",
        text(&o.stderr)
    );
}

#[tokio::test]
async fn a_resolved_record_without_a_resolved_time_is_reported() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("history-events-resolved");
    let mapping = write(
        &dir,
        "snap.toml",
        r#"
source = "snap"
key = "id"
rows = "snapshot"
[fields]
status = "state"
opened_at = "opened"
updated_at = "updated"
resolved_at = "resolved"
[values.status]
"Open" = "new"
"Done" = "resolved"
"#,
    );
    let csv = write(
        &dir,
        "snap.csv",
        "id,state,opened,updated,resolved\n\
         S-1,Open,2026-03-01T09:00:00Z,2026-03-01T09:00:00Z,\n\
         S-1,Done,2026-03-01T09:00:00Z,2026-03-01T12:00:00Z,2026-03-01T12:00:00Z\n\
         S-2,Open,2026-03-02T09:00:00Z,2026-03-02T09:00:00Z,\n\
         S-2,Done,2026-03-02T09:00:00Z,2026-03-02T12:00:00Z,\n",
    );
    let o = steward(
        &t.database_url,
        &["import", "csv", "--mapping", &mapping, &csv],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{err}");
    assert!(
        err.contains(
            "warning line 5: record S-2: status resolved but no resolved time (resolved_at), so it is missing from the resolved counts and the time-to-resolve figures"
        ),
        "{err}"
    );
    assert!(!err.contains("record S-1"), "{err}");
    assert!(
        err.lines()
            .last()
            .unwrap_or("")
            .contains("1 records with warnings"),
        "{err}"
    );
}

/// A run refused after its good records made their organizations (a later record names a
/// service Steward lacks, and `--strict` turns that into a refusal) leaves no organization,
/// record or audit entry behind; without `--strict` only the good record's organization is
/// made.
#[tokio::test]
async fn a_refused_run_leaves_no_created_organization_behind() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("history-events-refused-orgs");
    let mapping = write(
        &dir,
        "orgs.toml",
        &TWO_COLUMNS.replace("\"twocol\"", "\"orgs\"").replace(
            "organization = \"customer\"",
            "organization = \"customer\"\nservice = \"svc\"",
        ),
    );
    let csv = write(
        &dir,
        "orgs.csv",
        "id,state,reason,at,severity,customer,svc\n\
         O-1,Open,,2026-03-01T09:00:00Z,Sev3,Hooli,\n\
         O-2,Open,,2026-03-02T09:00:00Z,Sev3,Pied Piper,No such service\n",
    );
    let orgs = async || {
        t.get("/api/v1/organizations?limit=50", &t.admin).await.body["total"]
            .as_i64()
            .unwrap()
    };
    let (orgs_before, audit_before) = (orgs().await, t.audit_count().await);
    let o = steward(
        &t.database_url,
        &["import", "csv", "--strict", "--mapping", &mapping, &csv],
    );
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("no service named \"No such service\""),
        "{err}"
    );
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(
        orgs().await,
        orgs_before,
        "a refused run made an organization"
    );
    assert_eq!(t.audit_count().await, audit_before);
    let incidents = t.get("/api/v1/incidents", &t.admin).await.body;
    assert_eq!(incidents["total"], 0, "{incidents}");

    let o = steward(
        &t.database_url,
        &[
            "import",
            "csv",
            "--allow-skipped",
            "--mapping",
            &mapping,
            &csv,
        ],
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(orgs().await, orgs_before + 1, "only Hooli is made");
}
