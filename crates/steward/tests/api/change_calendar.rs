//! The change calendar (8.5.1.3): the window read with its filters (service, team, status)
//! and edges, the assigned team, and the per-person iCalendar feed — parsed by Python's
//! `icalendar` from PyPI (scripts/ensure-icalendar, scripts/parse-ics.py), a parser that
//! shares nothing with Steward's writer — with its secret URL's rules: no session needed,
//! regenerating and revoking end the old address, and a person who may no longer read changes
//! gets nothing from theirs.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

async fn service(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/services", &t.admin, json!({"name": name}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn team(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/teams", &t.admin, json!({"name": name}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

/// A normal change in draft with this window and services.
async fn change(
    t: &TestApp,
    token: &str,
    title: &str,
    window: Option<(&str, &str)>,
    services: &[i64],
) -> Value {
    let mut body = json!({"change_type": "normal", "title": title, "service_ids": services});
    if let Some((start, end)) = window {
        body["planned_start"] = json!(start);
        body["planned_end"] = json!(end);
    }
    let r = t.post("/api/v1/changes", token, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

fn numbers(calendar: &Value) -> Vec<String> {
    calendar["entries"]
        .as_array()
        .unwrap_or_else(|| panic!("no entries in {calendar}"))
        .iter()
        .map(|e| e["number"].as_str().unwrap().to_owned())
        .collect()
}

async fn calendar(t: &TestApp, token: &str, query: &str) -> Value {
    let r = t
        .get(&format!("/api/v1/changes/calendar?{query}"), token)
        .await;
    assert_eq!(r.status, 200, "{query}: {}", r.body);
    r.body
}

#[tokio::test]
async fn the_window_its_edges_and_filters() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ada", "agent", None).await;
    let web = service(&t, "Web shop").await;
    let mail = service(&t, "Mail").await;
    let network = team(&t, "Network").await;
    let a = change(
        &t,
        &agent,
        "Patch the web servers",
        Some(("2026-06-01T20:00:00Z", "2026-06-01T22:00:00Z")),
        &[web],
    )
    .await;
    // Crosses midnight (UTC) into the next day.
    let b = change(
        &t,
        &agent,
        "Move the mail store",
        Some(("2026-06-02T23:00:00Z", "2026-06-03T01:30:00Z")),
        &[mail],
    )
    .await;
    change(&t, &agent, "Not planned yet", None, &[web]).await;
    change(
        &t,
        &agent,
        "Next month",
        Some(("2026-07-10T08:00:00Z", "2026-07-10T09:00:00Z")),
        &[web],
    )
    .await;

    // Assigning a team: an unknown one is refused naming the field; the assignment is audited.
    let b_id = b["id"].as_i64().unwrap();
    let r = t
        .send(
            Method::PUT,
            &format!("/api/v1/changes/{b_id}/team"),
            Some(&agent),
            Some(json!({"team_id": 999_999})),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "team_id");
    let r = t
        .send(
            Method::PUT,
            &format!("/api/v1/changes/{b_id}/team"),
            Some(&agent),
            Some(json!({"team_id": network})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["team_id"], network);
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change&record_id={b_id}&limit=10"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["items"][0]["action"], "assign_team", "{}", r.body);

    // The week holds the two planned changes, by start; the unplanned one and next month's
    // are not in it.
    let week = "from=2026-06-01T00:00:00Z&to=2026-06-08T00:00:00Z";
    let c = calendar(&t, &agent, week).await;
    assert_eq!(
        numbers(&c),
        [a["number"].as_str().unwrap(), b["number"].as_str().unwrap()]
    );
    assert_eq!(c["truncated"], false);
    let first = &c["entries"][0];
    assert_eq!(first["planned_start"], "2026-06-01T20:00:00Z");
    assert_eq!(first["planned_end"], "2026-06-01T22:00:00Z");
    assert_eq!(first["service_ids"], json!([web]));
    assert_eq!(first["status"], "draft");
    assert_eq!(first["conflicts"], json!([]));
    assert_eq!(c["entries"][1]["team_id"], network);

    // Edges: a window is [from, to). A change ending exactly at `from` is not in it; one
    // running over midnight is in the window of the day after.
    let c = calendar(
        &t,
        &agent,
        "from=2026-06-01T22:00:00Z&to=2026-06-03T00:00:00Z",
    )
    .await;
    assert_eq!(numbers(&c), [b["number"].as_str().unwrap()]);
    let c = calendar(
        &t,
        &agent,
        "from=2026-06-03T00:00:00Z&to=2026-06-04T00:00:00Z",
    )
    .await;
    assert_eq!(numbers(&c), [b["number"].as_str().unwrap()]);
    let c = calendar(
        &t,
        &agent,
        "from=2026-06-01T00:00:00Z&to=2026-06-01T20:00:00Z",
    )
    .await;
    assert!(numbers(&c).is_empty(), "{c}");

    // Filters: service, team, status.
    let c = calendar(&t, &agent, &format!("{week}&service_id={web}")).await;
    assert_eq!(numbers(&c), [a["number"].as_str().unwrap()]);
    let c = calendar(&t, &agent, &format!("{week}&team_id={network}")).await;
    assert_eq!(numbers(&c), [b["number"].as_str().unwrap()]);
    let c = calendar(
        &t,
        &agent,
        &format!("{week}&service_id={web}&team_id={network}"),
    )
    .await;
    assert!(numbers(&c).is_empty());
    let a_id = a["id"].as_i64().unwrap();
    let r = t
        .post(&format!("/api/v1/changes/{a_id}/cancel"), &agent, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = calendar(&t, &agent, &format!("{week}&status=cancelled")).await;
    assert_eq!(numbers(&c), [a["number"].as_str().unwrap()]);
    let c = calendar(&t, &agent, &format!("{week}&status=draft")).await;
    assert_eq!(numbers(&c), [b["number"].as_str().unwrap()]);
    // A final change keeps its team.
    let r = t
        .send(
            Method::PUT,
            &format!("/api/v1/changes/{a_id}/team"),
            Some(&agent),
            Some(json!({"team_id": network})),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "status");

    // Bad windows are refused naming the field; customers read no calendar.
    let r = t
        .get(
            "/api/v1/changes/calendar?from=2026-06-08T00:00:00Z&to=2026-06-01T00:00:00Z",
            &agent,
        )
        .await;
    assert_eq!(r.problem(422)["field"], "to");
    let r = t
        .get(
            "/api/v1/changes/calendar?from=yesterday&to=2026-06-01T00:00:00Z",
            &agent,
        )
        .await;
    assert_eq!(r.problem(422)["field"], "from");
    let r = t
        .get(
            "/api/v1/changes/calendar?from=2026-01-01T00:00:00Z&to=2028-01-01T00:00:00Z",
            &agent,
        )
        .await;
    assert_eq!(r.problem(422)["field"], "to");
    let r = t
        .get("/api/v1/changes/calendar?from=2026-06-01T00:00:00Z", &agent)
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("cora", "customer", Some(org)).await;
    let r = t
        .get(&format!("/api/v1/changes/calendar?{week}"), &customer)
        .await;
    r.problem(403);
}

/// The python with `icalendar`, installed once per test run.
fn python() -> &'static PathBuf {
    static PYTHON: OnceLock<PathBuf> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
        let out = Command::new(root.join("scripts/ensure-icalendar"))
            .output()
            .expect("run scripts/ensure-icalendar");
        assert!(
            out.status.success(),
            "ensure-icalendar: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        PathBuf::from(String::from_utf8(out.stdout).unwrap().trim())
    })
}

/// The feed parsed by Python's `icalendar`.
fn parse(ics: &str) -> Value {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = Command::new(python())
        .arg(root.join("scripts/parse-ics.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run parse-ics.py");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(ics.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "icalendar refused the feed: {}\n{ics}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The feed at this address, read without any credentials: (status, body).
async fn feed(t: &TestApp, path: &str) -> (u16, String) {
    let r = t.http.get(format!("{}{path}", t.url)).send().await.unwrap();
    let status = r.status().as_u16();
    if status == 200 {
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "text/calendar; charset=utf-8"
        );
    }
    (status, r.text().await.unwrap())
}

/// Lines end with CRLF and none is longer than 75 octets (RFC 5545 3.1).
fn check_lines(ics: &str) {
    assert!(ics.ends_with("\r\n"));
    for line in ics.split("\r\n") {
        assert!(!line.contains('\n'), "a bare LF in {line:?}");
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
}

fn at(days: i64, hour: i8) -> String {
    let zone = jiff::tz::TimeZone::UTC;
    let day = jiff::Timestamp::now().to_zoned_datetime(zone).date() + jiff::ToSpan::days(days);
    day.at(hour, 0, 0, 0)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp()
        .to_string()
}

async fn issue(t: &TestApp, token: &str) -> String {
    let r = t.post("/api/v1/me/change-feed", token, json!({})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.body["token"].as_str().unwrap().to_owned();
    assert!(secret.starts_with("stwcal_"), "{secret}");
    format!("/feeds/changes/{secret}")
}

#[tokio::test]
async fn the_feed_is_valid_icalendar_behind_a_secret_url() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ada", "agent", None).await;
    let web = service(&t, "Web shop").await;
    let network = team(&t, "Network").await;
    // A title with characters to escape and, long and not ASCII, lines to fold.
    let long = "Réseau: basculer le cœur, puis; vérifier\\les liens — ".repeat(3);
    let a = change(
        &t,
        &agent,
        long.trim(),
        Some((&at(10, 20), &at(10, 22))),
        &[web],
    )
    .await;
    let b = change(
        &t,
        &agent,
        "Night work",
        Some((&at(11, 23), &at(12, 2))),
        &[],
    )
    .await;
    let (a_id, b_id) = (a["id"].as_i64().unwrap(), b["id"].as_i64().unwrap());
    let r = t
        .send(
            Method::PUT,
            &format!("/api/v1/changes/{b_id}/team"),
            Some(&agent),
            Some(json!({"team_id": network})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Ended long ago: not in the feed.
    change(&t, &agent, "Old", Some((&at(-200, 8), &at(-200, 9))), &[]).await;

    let r = t.get("/api/v1/me/change-feed", &agent).await;
    assert_eq!(r.body, json!({"active": false, "created_at": null}));
    let path = issue(&t, &agent).await;
    let r = t.get("/api/v1/me/change-feed", &agent).await;
    assert_eq!(r.body["active"], true);

    // Read with nothing but the secret, parsed by an independent parser.
    let (status, ics) = feed(&t, &path).await;
    assert_eq!(status, 200, "{ics}");
    check_lines(&ics);
    let cal = parse(&ics);
    assert_eq!(cal["version"], "2.0");
    let events = cal["events"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{cal}");
    let ev_a = &events[0];
    assert_eq!(
        ev_a["summary"],
        format!("{} {}", a["number"].as_str().unwrap(), long.trim())
    );
    let instant = |s: &Value| s.as_str().unwrap().parse::<jiff::Timestamp>().unwrap();
    assert_eq!(instant(&ev_a["start"]), at(10, 20).parse().unwrap());
    assert_eq!(instant(&ev_a["end"]), at(10, 22).parse().unwrap());
    assert_eq!(ev_a["status"], "TENTATIVE");
    assert_eq!(ev_a["sequence"], 0);
    assert!(
        ev_a["url"]
            .as_str()
            .unwrap()
            .ends_with(&format!("/manage/changes/{a_id}/view")),
        "{ev_a}"
    );
    let ev_b = &events[1];
    assert_eq!(instant(&ev_b["start"]), at(11, 23).parse().unwrap());
    assert_eq!(instant(&ev_b["end"]), at(12, 2).parse().unwrap());
    // B was modified once (its team), so its SEQUENCE is 1.
    assert_eq!(ev_b["sequence"], 1);
    let uid_a = ev_a["uid"].as_str().unwrap().to_owned();
    assert_ne!(uid_a, ev_b["uid"].as_str().unwrap());

    // Editing the change keeps its UID and raises its SEQUENCE; scheduling confirms it,
    // cancelling cancels it.
    let r = t
        .patch(
            &format!("/api/v1/changes/{a_id}"),
            &agent,
            json!({"title": "Switch the core"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.post(&format!("/api/v1/changes/{b_id}/cancel"), &agent, json!({}))
        .await;
    let cal = parse(&feed(&t, &path).await.1);
    let ev_a = &cal["events"][0];
    assert_eq!(ev_a["uid"], uid_a.as_str());
    assert_eq!(ev_a["sequence"], 1);
    assert!(
        ev_a["summary"]
            .as_str()
            .unwrap()
            .ends_with("Switch the core")
    );
    assert_eq!(cal["events"][1]["status"], "CANCELLED");

    // Per team and per service; an unknown one is a 404.
    let cal = parse(&feed(&t, &format!("{path}?team_id={network}")).await.1);
    assert_eq!(cal["events"].as_array().unwrap().len(), 1);
    assert!(cal["name"].as_str().unwrap().contains("Network"), "{cal}");
    assert!(
        cal["events"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("Night work")
    );
    let cal = parse(&feed(&t, &format!("{path}?service_id={web}")).await.1);
    assert_eq!(cal["events"].as_array().unwrap().len(), 1);
    assert!(
        cal["events"][0]["summary"]
            .as_str()
            .unwrap()
            .contains("Switch the core")
    );
    assert_eq!(feed(&t, &format!("{path}?team_id=999999")).await.0, 404);

    // A wrong secret, a regenerated one and a revoked one: 404, and each step audited.
    assert_eq!(feed(&t, "/feeds/changes/stwcal_0000").await.0, 404);
    let new_path = issue(&t, &agent).await;
    assert_eq!(feed(&t, &path).await.0, 404);
    assert_eq!(feed(&t, &new_path).await.0, 200);
    let r = t.delete("/api/v1/me/change-feed", &agent).await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(feed(&t, &new_path).await.0, 404);
    t.delete("/api/v1/me/change-feed", &agent)
        .await
        .problem(404);
    let r = t
        .get(
            "/api/v1/audit?record_type=change_feed_token&limit=10",
            &t.admin,
        )
        .await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["revoke", "regenerate", "create"], "{}", r.body);
    assert!(
        !r.body.to_string().contains("stwcal_"),
        "the secret is not audited"
    );
}

#[tokio::test]
async fn a_feed_shows_only_what_its_owner_may_read_now() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ada", "agent", None).await;
    change(&t, &agent, "Patch", Some((&at(3, 8), &at(3, 9))), &[]).await;
    let org = t.create_org("Acme").await;

    // Customers read no changes, so they get no feed.
    let (_, customer) = t.user("cora", "customer", Some(org)).await;
    t.post("/api/v1/me/change-feed", &customer, json!({}))
        .await
        .problem(403);

    // An auditor reads changes and may subscribe.
    let (_, auditor) = t.user("aud", "auditor", None).await;
    let path = issue(&t, &auditor).await;
    let (status, ics) = feed(&t, &path).await;
    assert_eq!(status, 200);
    assert_eq!(parse(&ics)["events"].as_array().unwrap().len(), 1);

    // Bob's address works while he is staff; made a customer, or deactivated, it shows
    // nothing of what he may no longer read.
    let (bob, bob_token) = t.user("bob", "agent", None).await;
    let path = issue(&t, &bob_token).await;
    assert_eq!(feed(&t, &path).await.0, 200);
    let r = t
        .patch(
            &format!("/api/v1/users/{bob}"),
            &t.admin,
            json!({"role": "customer", "organization_id": org}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, body) = feed(&t, &path).await;
    assert_eq!(status, 404);
    assert!(!body.contains("Patch"));
    let r = t
        .patch(
            &format!("/api/v1/users/{bob}"),
            &t.admin,
            json!({"role": "agent", "organization_id": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(feed(&t, &path).await.0, 200);
    let r = t
        .patch(
            &format!("/api/v1/users/{bob}"),
            &t.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(feed(&t, &path).await.0, 404);
}
