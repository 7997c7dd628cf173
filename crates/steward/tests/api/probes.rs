//! Health probes against real targets the test starts on 127.0.0.1 — an HTTP server that can
//! be healthy, failing or hanging, and a TCP listener that comes and goes: up, down, timeout,
//! flapping; one outage and one incident per failure, also with two nodes on one database.
use crate::support::{TestApp, postgres_url};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use steward_app::Clock;

const HEALTHY: u8 = 0;
const FAILING: u8 = 1;
const HANGING: u8 = 2;

/// An HTTP target whose answer the test switches.
struct Target {
    addr: SocketAddr,
    mode: Arc<AtomicU8>,
}

impl Target {
    async fn start() -> Target {
        let mode = Arc::new(AtomicU8::new(HEALTHY));
        let shared = mode.clone();
        let app = axum::Router::new().route(
            "/health",
            axum::routing::get(move || {
                let mode = shared.clone();
                async move {
                    match mode.load(Ordering::SeqCst) {
                        HEALTHY => (StatusCode::OK, "all systems healthy"),
                        FAILING => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable"),
                        _ => std::future::pending().await,
                    }
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        Target { addr, mode }
    }

    fn set(&self, mode: u8) {
        self.mode.store(mode, Ordering::SeqCst);
    }
}

/// A TCP listener on a fixed port that the test opens and closes.
fn listen(port: u16) -> tokio::net::TcpListener {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_reuseaddr(true).unwrap();
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], port)))
        .unwrap();
    socket.listen(16).unwrap()
}

async fn service(t: &TestApp, name: &str) -> i64 {
    t.post(
        "/api/v1/services",
        &t.admin,
        json!({"name": name, "status": "live", "availability_target_percent": 99.9}),
    )
    .await
    .id()
}

async fn probe(t: &TestApp, service: i64, body: Value) -> Value {
    let r = t
        .post(
            &format!("/api/v1/services/{service}/probes"),
            &t.admin,
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// Moves the clock one probe interval on and runs the due checks.
async fn round(t: &TestApp, clock: &Clock, at: &mut jiff::Timestamp) -> u64 {
    *at = at.checked_add(jiff::SignedDuration::from_secs(61)).unwrap();
    clock.set(*at);
    t.app.run_due_probes("node-a").await.unwrap().unwrap()
}

async fn outages(t: &TestApp, service: i64) -> Vec<Value> {
    let r = t
        .get(&format!("/api/v1/services/{service}/outages"), &t.admin)
        .await;
    r.body.as_array().unwrap().clone()
}

async fn incidents_of(t: &TestApp, service: i64) -> Vec<Value> {
    let r = t
        .get(
            &format!("/api/v1/incidents?service_id={service}&limit=100"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn probes_are_configured_checked_and_audited() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let s = service(&t, "Web shop").await;
    let url = format!("/api/v1/services/{s}/probes");
    for (body, field) in [
        (
            json!({"kind": "http", "url": "https://shop.example"}),
            "name",
        ),
        (
            json!({"name": "Home", "kind": "http", "url": "ftp://shop.example"}),
            "url",
        ),
        (
            json!({"name": "Home", "kind": "http", "url": "https://shop.example", "interval_seconds": 5}),
            "interval_seconds",
        ),
        (
            json!({"name": "Home", "kind": "http", "url": "https://shop.example", "interval_seconds": 30, "timeout_seconds": 30}),
            "timeout_seconds",
        ),
        (
            json!({"name": "Home", "kind": "http", "url": "https://shop.example", "expected_status": 700}),
            "expected_status",
        ),
        (json!({"name": "DB", "kind": "tcp", "host": "db"}), "port"),
        (
            json!({"name": "DB", "kind": "tcp", "host": "db", "port": 5432, "retries": 11}),
            "retries",
        ),
    ] {
        let r = t.post(&url, &t.admin, body.clone()).await;
        assert_eq!(r.problem(422)["errors"][0]["field"], field, "{body}");
    }
    let r = t
        .post(
            &url,
            &agent,
            json!({"name": "Home", "kind": "tcp", "host": "db", "port": 5432}),
        )
        .await;
    assert_eq!(
        r.status, 403,
        "setting up monitoring is for service managers"
    );
    let before = t.audit_count().await;
    let p = probe(
        &t,
        s,
        json!({"name": "Home page", "kind": "http", "url": "https://shop.example/health"}),
    )
    .await;
    assert_eq!(
        (
            &p["method"],
            &p["expected_status"],
            &p["interval_seconds"],
            &p["timeout_seconds"],
            &p["retries"],
            &p["state"]
        ),
        (
            &json!("GET"),
            &json!(200),
            &json!(60),
            &json!(10),
            &json!(2),
            &json!("unknown")
        )
    );
    let one = format!("{url}/{}", p["id"]);
    let r = t
        .patch(&one, &t.admin, json!({"retries": 0, "body_contains": "ok"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["retries"], &r.body["name"]),
        (&json!(0), &json!("Home page"))
    );
    let r = t.patch(&one, &t.admin, json!({"kind": "tcp"})).await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "host");
    let r = t.get(&url, &agent).await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "staff read probes");
    assert_eq!(t.delete(&one, &agent).await.status, 403);
    assert_eq!(t.delete(&one, &t.admin).await.status, 204);
    assert_eq!(t.get(&one, &t.admin).await.status, 404);
    assert_eq!(t.audit_count().await, before + 3, "create, update, delete");
    let other = service(&t, "Other").await;
    assert_eq!(
        t.get(
            &format!("/api/v1/services/{other}/probes/{}", p["id"]),
            &t.admin
        )
        .await
        .status,
        404
    );
}

#[tokio::test]
async fn an_http_target_goes_down_hangs_and_recovers_with_one_outage_and_one_incident() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let target = Target::start().await;
    let s = service(&t, "Web shop").await;
    let p = probe(
        &t,
        s,
        json!({
            "name": "Home page", "kind": "http", "url": format!("http://{}/health", target.addr),
            "body_contains": "healthy", "interval_seconds": 60, "timeout_seconds": 1,
            "retries": 1, "impact": "high", "urgency": "high"
        }),
    )
    .await;
    let id = p["id"].as_i64().unwrap();
    let one = format!("/api/v1/services/{s}/probes/{id}");
    let mut at = start;

    // Up: the first check runs at once; an immediate second run finds nothing due.
    assert_eq!(t.app.run_due_probes("node-a").await.unwrap(), Some(1));
    assert_eq!(t.app.run_due_probes("node-a").await.unwrap(), Some(0));
    assert_eq!(t.get(&one, &t.admin).await.body["state"], "up");

    // Down: one failure is a retry, the second declares it down.
    target.set(FAILING);
    assert_eq!(round(&t, &clock, &mut at).await, 1);
    let first_failure = at;
    let shown = t.get(&one, &t.admin).await.body;
    assert_eq!(
        (&shown["state"], &shown["consecutive_failures"]),
        (&json!("up"), &json!(1))
    );
    assert!(
        outages(&t, s).await.is_empty(),
        "a single failure is retried"
    );
    round(&t, &clock, &mut at).await;
    let shown = t.get(&one, &t.admin).await.body;
    assert_eq!(shown["state"], "down");
    assert!(
        shown["last_error"]
            .as_str()
            .unwrap()
            .contains("answered HTTP 503, expected 200"),
        "{shown}"
    );
    let found = outages(&t, s).await;
    assert_eq!(found.len(), 1);
    let outage = &found[0];
    assert_eq!(outage["kind"], "unplanned");
    assert!(outage["end"].is_null());
    assert_eq!(
        outage["start"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        first_failure,
        "the outage starts at the first failed check"
    );
    let incidents = incidents_of(&t, s).await;
    assert_eq!(incidents.len(), 1);
    let incident = &incidents[0];
    assert_eq!(outage["incident_id"], incident["id"]);
    assert_eq!(shown["incident_id"], incident["id"]);
    assert_eq!(
        (&incident["impact"], &incident["urgency"]),
        (&json!("high"), &json!("high"))
    );
    assert_eq!(incident["channel"], "monitoring");
    assert!(
        incident["title"]
            .as_str()
            .unwrap()
            .contains("Home page is failing")
    );
    // The outage shows the failed checks that opened it.
    let checks = t
        .get(
            &format!("/api/v1/services/{s}/outages/{}/checks", outage["id"]),
            &t.admin,
        )
        .await
        .body;
    assert_eq!(checks.as_array().unwrap().len(), 2, "{checks}");
    assert_eq!(checks[0]["status_code"], 503);
    assert_eq!(checks[0]["ok"], false);

    // Still down, then hanging: checks go on, time out, and open nothing more.
    round(&t, &clock, &mut at).await;
    target.set(HANGING);
    let began = std::time::Instant::now();
    round(&t, &clock, &mut at).await;
    assert!(
        began.elapsed() < std::time::Duration::from_secs(5),
        "a hanging target costs at most its timeout"
    );
    let shown = t.get(&one, &t.admin).await.body;
    assert!(
        shown["last_error"].as_str().unwrap().contains("timed out"),
        "{shown}"
    );
    assert_eq!(outages(&t, s).await.len(), 1);
    assert_eq!(incidents_of(&t, s).await.len(), 1);

    // Recovery: the outage ends at the first good check, noted on the incident.
    target.set(HEALTHY);
    round(&t, &clock, &mut at).await;
    let found = outages(&t, s).await;
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]["end"]
            .as_str()
            .unwrap()
            .parse::<jiff::Timestamp>()
            .unwrap(),
        at
    );
    assert_eq!(t.get(&one, &t.admin).await.body["state"], "up");
    let incident_id = incident["id"].as_i64().unwrap();
    let notes = t
        .get(
            &format!("/api/v1/incidents/{incident_id}/comments"),
            &t.admin,
        )
        .await
        .body;
    assert!(
        notes.to_string().contains("succeeded again"),
        "recovery is noted on the incident: {notes}"
    );
    // Downtime is exactly from the first failure to the recovery.
    let r = t
        .get(
            &format!(
                "/api/v1/services/{s}/availability?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z"
            ),
            &t.admin,
        )
        .await;
    assert_eq!(
        r.body["downtime_seconds"],
        at.duration_since(first_failure).as_secs(),
        "{}",
        r.body
    );
    let results = t.get(&format!("{one}/results"), &t.admin).await.body;
    assert_eq!(results.as_array().unwrap().len(), 6);
    assert_eq!(results[0]["ok"], true, "newest first");

    // Retention: after 30 days only the checks that opened the outage remain.
    at = at
        .checked_add(jiff::SignedDuration::from_hours(31 * 24))
        .unwrap();
    clock.set(at);
    t.app.run_due_probes("node-a").await.unwrap();
    let results = t
        .get(&format!("{one}/results?limit=50"), &t.admin)
        .await
        .body;
    let kept: Vec<&Value> = results.as_array().unwrap().iter().collect();
    assert_eq!(kept.len(), 3, "two outage checks and today's: {results}");
    assert_eq!(kept.iter().filter(|r| !r["outage_id"].is_null()).count(), 2);
}

#[tokio::test]
async fn a_tcp_target_that_flaps_opens_nothing_and_one_that_stays_down_opens_one_outage() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let port = {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        probe.local_addr().unwrap().port()
    };
    let s = service(&t, "Database").await;
    let p = probe(
        &t,
        s,
        json!({"name": "Port 5432", "kind": "tcp", "host": "127.0.0.1", "port": port,
               "interval_seconds": 60, "timeout_seconds": 2, "retries": 1, "open_incident": false}),
    )
    .await;
    let one = format!("/api/v1/services/{s}/probes/{}", p["id"]);
    let mut at = start;
    let mut listener = Some(listen(port));
    assert_eq!(t.app.run_due_probes("node-a").await.unwrap(), Some(1));
    assert_eq!(t.get(&one, &t.admin).await.body["state"], "up");

    // Flapping: up, down, up, down… never two failures in a row.
    for i in 0..8 {
        listener = if i % 2 == 0 { None } else { Some(listen(port)) };
        round(&t, &clock, &mut at).await;
    }
    assert!(listener.is_some());
    assert!(
        outages(&t, s).await.is_empty(),
        "flapping stays within the retries"
    );
    let results = t.get(&format!("{one}/results"), &t.admin).await.body;
    assert_eq!(results.as_array().unwrap().len(), 9);
    let failed: Vec<&Value> = results
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 4);
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("cannot connect"),
        "{}",
        failed[0]
    );

    // Down for good: one outage, no incident (not asked for).
    drop(listener.take());
    for _ in 0..4 {
        round(&t, &clock, &mut at).await;
    }
    let found = outages(&t, s).await;
    assert_eq!(found.len(), 1);
    assert!(found[0]["incident_id"].is_null());
    assert!(incidents_of(&t, s).await.is_empty());
    assert_eq!(t.get(&one, &t.admin).await.body["state"], "down");

    // A disabled probe is not checked.
    let r = t.patch(&one, &t.admin, json!({"enabled": false})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(round(&t, &clock, &mut at).await, 0);
}

#[tokio::test]
async fn two_nodes_checking_a_failing_target_open_one_outage_and_one_incident() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let second = match postgres_url() {
        Some(_) => Some(
            TestApp::spawn_with(
                t.database_url.clone(),
                steward_app::Settings {
                    clock: clock.clone(),
                    ..Default::default()
                },
            )
            .await,
        ),
        None => None,
    };
    let other = second.as_ref().map_or(&t.app, |s| &s.app);
    let target = Target::start().await;
    target.set(FAILING);
    let s = service(&t, "Payments").await;
    probe(
        &t,
        s,
        json!({"name": "API", "kind": "http", "url": format!("http://{}/health", target.addr),
               "interval_seconds": 10, "timeout_seconds": 2, "retries": 2}),
    )
    .await;
    let mut at = start;
    let mut checked = 0;
    for _ in 0..8 {
        // Each round, the lease has lapsed: both nodes race for it and for the checks.
        let (a, b) = tokio::join!(
            t.app.run_due_probes("node-a"),
            other.run_due_probes("node-b")
        );
        checked += a.unwrap().unwrap_or(0) + b.unwrap().unwrap_or(0);
        at = at.checked_add(jiff::SignedDuration::from_secs(61)).unwrap();
        clock.set(at);
    }
    assert_eq!(checked, 8, "each due check ran once");
    assert_eq!(outages(&t, s).await.len(), 1);
    assert_eq!(incidents_of(&t, s).await.len(), 1);
}

#[tokio::test]
async fn a_target_failing_again_while_its_incident_is_open_adds_to_that_incident() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let target = Target::start().await;
    target.set(FAILING);
    let s = service(&t, "Web shop").await;
    probe(
        &t,
        s,
        json!({"name": "Home page", "kind": "http", "url": format!("http://{}/health", target.addr),
               "timeout_seconds": 1, "retries": 0}),
    )
    .await;
    // HTTPS to a server that speaks plain HTTP: the TLS handshake fails, and says so.
    let tls = probe(
        &t,
        s,
        json!({"name": "TLS", "kind": "http", "url": format!("https://{}/health", target.addr),
               "timeout_seconds": 2, "retries": 0, "open_incident": false, "enabled": true}),
    )
    .await;
    let mut at = start;
    assert_eq!(t.app.run_due_probes("node-a").await.unwrap(), Some(2));
    let shown = t
        .get(
            &format!("/api/v1/services/{s}/probes/{}", tls["id"]),
            &t.admin,
        )
        .await
        .body;
    assert_eq!(shown["state"], "down");
    assert!(
        shown["last_error"]
            .as_str()
            .unwrap()
            .contains("error sending request"),
        "{shown}"
    );
    // Disable the TLS probe; the home page recovers, then fails again.
    t.patch(
        &format!("/api/v1/services/{s}/probes/{}", tls["id"]),
        &t.admin,
        json!({"enabled": false}),
    )
    .await;
    assert_eq!(incidents_of(&t, s).await.len(), 1);
    target.set(HEALTHY);
    round(&t, &clock, &mut at).await;
    target.set(FAILING);
    round(&t, &clock, &mut at).await;
    let found = outages(&t, s).await;
    assert_eq!(
        found.len(),
        3,
        "two of the home page, one of TLS: {found:?}"
    );
    let incidents = incidents_of(&t, s).await;
    assert_eq!(incidents.len(), 1, "the open incident takes the new outage");
    let id = incidents[0]["id"].as_i64().unwrap();
    assert_eq!(found.iter().filter(|o| o["incident_id"] == id).count(), 2);
    let notes = t
        .get(&format!("/api/v1/incidents/{id}/comments"), &t.admin)
        .await
        .body
        .to_string();
    assert!(
        notes.contains("succeeded again") && notes.contains("failing again"),
        "{notes}"
    );
}
