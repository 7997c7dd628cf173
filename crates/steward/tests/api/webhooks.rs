//! Webhooks against a real receiver the test starts on 127.0.0.1: it checks each signature
//! with its own HMAC computation, answers as scripted (500 twice, then 200, say), and counts
//! what it sees; filters, disabling after repeated failure, redelivery by hand, secret
//! rotation, and two nodes on one database delivering each event once.
use crate::support::{TestApp, postgres_url};
use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode, Uri};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Seen {
    path: String,
    event_id: i64,
    signature: String,
    body: Vec<u8>,
    answered: u16,
}

impl Seen {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

#[derive(Clone, Default)]
struct Shared {
    seen: Arc<Mutex<Vec<Seen>>>,
    /// Statuses to answer, in order; then 200, or `otherwise` when set.
    script: Arc<Mutex<VecDeque<u16>>>,
    otherwise: Arc<Mutex<Option<u16>>>,
}

struct Receiver {
    addr: SocketAddr,
    shared: Shared,
}

impl Receiver {
    async fn start() -> Receiver {
        let shared = Shared::default();
        let state = shared.clone();
        let app = axum::Router::new().fallback(move |uri: Uri, headers: HeaderMap, body: Bytes| {
            let s = state.clone();
            async move {
                let answered = s
                    .script
                    .lock()
                    .unwrap()
                    .pop_front()
                    .or(*s.otherwise.lock().unwrap())
                    .unwrap_or(200);
                let header = |n: &str| {
                    headers
                        .get(n)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                s.seen.lock().unwrap().push(Seen {
                    path: uri.path().to_owned(),
                    event_id: header("steward-event-id").parse().unwrap_or(-1),
                    signature: header("steward-signature"),
                    body: body.to_vec(),
                    answered,
                });
                (StatusCode::from_u16(answered).unwrap(), "noted")
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        Receiver { addr, shared }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    fn script(&self, statuses: &[u16]) {
        self.shared.script.lock().unwrap().extend(statuses);
    }

    fn always(&self, status: Option<u16>) {
        *self.shared.otherwise.lock().unwrap() = status;
    }

    fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }
}

/// The receiver's check, written independently of Steward's signing code: HMAC-SHA256 over
/// `t + "." + body` with the secret, compared with `v1`.
fn signed_by(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        if let Some(v) = part.strip_prefix("t=") {
            t = Some(v.to_owned());
        } else if let Some(v) = part.strip_prefix("v1=") {
            v1 = Some(v.to_owned());
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else {
        return false;
    };
    let mut mac = Hmac::<sha2_11::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    hex::encode(mac.finalize().into_bytes()) == v1
}

async fn webhook(t: &TestApp, body: Value) -> (i64, String) {
    let r = t.post("/api/v1/webhooks", &t.admin, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let secret = r.body["secret"].as_str().unwrap().to_owned();
    (r.body["webhook"]["id"].as_i64().unwrap(), secret)
}

async fn incident(t: &TestApp, title: &str, impact: &str) -> i64 {
    let r = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": title, "impact": impact, "urgency": impact}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn deliveries(t: &TestApp, hook: i64) -> Vec<Value> {
    let r = t
        .get(&format!("/api/v1/webhooks/{hook}/deliveries"), &t.admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.as_array().unwrap().clone()
}

async fn attempts(t: &TestApp, hook: i64, delivery: i64) -> Vec<Value> {
    let r = t
        .get(
            &format!("/api/v1/webhooks/{hook}/deliveries/{delivery}/attempts"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body.as_array().unwrap().clone()
}

fn later(clock: &steward_app::Clock, at: &mut jiff::Timestamp, seconds: i64) {
    *at = at
        .checked_add(jiff::SignedDuration::from_secs(seconds))
        .unwrap();
    clock.set(*at);
}

#[tokio::test]
async fn a_receiver_failing_twice_gets_the_event_once_signed_with_three_attempts_logged() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let receiver = Receiver::start().await;
    receiver.script(&[500, 500]);
    let (hook, secret) = webhook(
        &t,
        json!({"name": "Chat", "url": receiver.url("/in"), "events": ["incident.created"]}),
    )
    .await;
    assert!(secret.starts_with("whsec_") && secret.len() > 40);
    // The secret is shown once: reading the subscription never shows it.
    let read = t.get(&format!("/api/v1/webhooks/{hook}"), &t.admin).await;
    assert_eq!(read.status, 200);
    assert!(read.body.get("secret").is_none());
    assert!(!read.body.to_string().contains(&secret));
    let audit = t.get("/api/v1/audit?record_type=webhook", &t.admin).await;
    assert!(
        !audit.body.to_string().contains(&secret),
        "no secret in the audit trail"
    );

    let id = incident(&t, "Mail is down", "high").await;
    // Not subscribed: an update is no event for this subscription.
    let r = t
        .patch(
            &format!("/api/v1/incidents/{id}"),
            &t.admin,
            json!({"title": "Mail is down for everyone"}),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);

    let mut at = start;
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 1);
    let d = deliveries(&t, hook).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["status"], "pending");
    assert_eq!(d[0]["last_status_code"], 500);
    // Not due yet: the first retry waits 30 seconds.
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 0);
    later(&clock, &mut at, 30);
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 1);
    later(&clock, &mut at, 60);
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 1);
    for _ in 0..3 {
        later(&clock, &mut at, 3600);
        assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 0);
    }

    let seen = receiver.seen();
    assert_eq!(seen.len(), 3);
    assert_eq!(
        seen.iter().map(|s| s.answered).collect::<Vec<_>>(),
        [500, 500, 200]
    );
    for s in &seen {
        assert!(signed_by(&secret, &s.signature, &s.body), "{s:?}");
        assert!(!signed_by("whsec_other", &s.signature, &s.body));
        assert_eq!(s.path, "/in");
    }
    // The timestamp in the signature is the time of sending.
    assert!(
        seen[2]
            .signature
            .starts_with(&format!("t={},", at.as_second() - 3 * 3600))
    );
    // The same event each time (same id and body); delivered once.
    let ids: std::collections::BTreeSet<i64> = seen.iter().map(|s| s.event_id).collect();
    assert_eq!(ids.len(), 1);
    assert!(seen.iter().all(|s| s.body == seen[0].body));
    let event = seen[0].json();
    assert_eq!(event["type"], "incident.created");
    assert_eq!(event["id"].as_i64(), Some(seen[0].event_id));
    assert_eq!(event["record"]["title"], "Mail is down");
    assert_eq!(event["record_id"], id.to_string());
    assert_eq!(seen.iter().filter(|s| s.answered == 200).count(), 1);

    let d = deliveries(&t, hook).await;
    assert_eq!(d.len(), 1);
    assert_eq!(d[0]["status"], "delivered");
    assert_eq!(d[0]["attempts"], 3);
    let log = attempts(&t, hook, d[0]["id"].as_i64().unwrap()).await;
    assert_eq!(log.len(), 3);
    assert_eq!(
        log.iter()
            .map(|a| a["status_code"].clone())
            .collect::<Vec<_>>(),
        [json!(500), json!(500), json!(200)]
    );
    assert_eq!(
        log.iter().map(|a| a["ok"].clone()).collect::<Vec<_>>(),
        [json!(false), json!(false), json!(true)]
    );
    assert_eq!(log[0]["response"], "noted");
    let hook_now = t.get(&format!("/api/v1/webhooks/{hook}"), &t.admin).await;
    assert_eq!(hook_now.body["consecutive_failures"], 0);
    assert_eq!(hook_now.body["enabled"], true);
}

#[tokio::test]
async fn filters_pick_events_by_type_and_by_the_records_fields() {
    let t = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let (urgent, _) = webhook(
        &t,
        json!({"name": "Urgent incidents", "url": receiver.url("/urgent"),
               "events": ["incident.*"], "filter": "priority = P1"}),
    )
    .await;
    webhook(
        &t,
        json!({"name": "Problems", "url": receiver.url("/problems"),
               "events": ["problem.created"],
               "conditions": [{"field": "impact", "values": ["high", "medium"]}]}),
    )
    .await;
    let p1 = incident(&t, "Payments down", "high").await;
    incident(&t, "Printer jammed", "low").await;
    let r = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Disk fills up", "impact": "high", "urgency": "medium"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Minor glitch", "impact": "low", "urgency": "low"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    t.app.run_webhooks("node-a").await.unwrap();

    let seen = receiver.seen();
    let at = |path: &str| -> Vec<Value> {
        seen.iter()
            .filter(|s| s.path == path)
            .map(Seen::json)
            .collect()
    };
    let urgent_events = at("/urgent");
    assert_eq!(urgent_events.len(), 1, "{urgent_events:?}");
    assert_eq!(urgent_events[0]["record_id"], p1.to_string());
    assert_eq!(urgent_events[0]["record"]["priority"], "P1");
    let problems = at("/problems");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0]["record"]["title"], "Disk fills up");
    assert_eq!(deliveries(&t, urgent).await.len(), 1);

    // The filter as text reads back from the conditions.
    let r = t.get(&format!("/api/v1/webhooks/{urgent}"), &t.admin).await;
    assert_eq!(
        r.body["conditions"],
        json!([{"field": "priority", "values": ["P1"]}])
    );
    assert_eq!(r.body["filter"], "priority = P1");

    // Bad input is named by field; only administrators manage webhooks.
    let r = t
        .post(
            "/api/v1/webhooks",
            &t.admin,
            json!({"name": "x", "url": "ftp://example.org/", "events": ["Incident"]}),
        )
        .await;
    let p = r.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["url", "events"], "{p}");
    let (_, manager) = t.user("mona", "manager", None).await;
    t.get("/api/v1/webhooks", &manager).await.problem(403);
    t.post(
        "/api/v1/webhooks",
        &manager,
        json!({"name": "x", "url": receiver.url("/x"), "events": ["*"]}),
    )
    .await
    .problem(403);
}

#[tokio::test]
async fn a_subscription_failing_too_often_is_disabled_until_enabled_again() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let receiver = Receiver::start().await;
    receiver.always(Some(503));
    let (hook, _) = webhook(
        &t,
        json!({"name": "Flaky", "url": receiver.url("/flaky"), "events": ["incident.created"],
               "max_failures": 3}),
    )
    .await;
    incident(&t, "First", "low").await;
    let mut at = start;
    for _ in 0..5 {
        t.app.run_webhooks("node-a").await.unwrap();
        later(&clock, &mut at, 3600);
    }
    assert_eq!(receiver.seen().len(), 3, "nothing is sent once disabled");
    let r = t.get(&format!("/api/v1/webhooks/{hook}"), &t.admin).await;
    assert_eq!(r.body["enabled"], false);
    assert_eq!(r.body["consecutive_failures"], 3);
    assert!(
        r.body["disabled_reason"]
            .as_str()
            .unwrap()
            .contains("3 failed deliveries in a row"),
        "{}",
        r.body
    );
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=webhook&record_id={hook}&action=disable"),
            &t.admin,
        )
        .await;
    assert_eq!(audit.body["total"], 1, "{}", audit.body);

    // While disabled, new events are not enqueued for it.
    incident(&t, "Second", "low").await;
    t.app.run_webhooks("node-a").await.unwrap();
    assert_eq!(deliveries(&t, hook).await.len(), 1);

    // Enabled again, the waiting delivery goes out at once.
    receiver.always(None);
    let r = t
        .post(
            &format!("/api/v1/webhooks/{hook}/enable"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["enabled"], true);
    assert_eq!(r.body["consecutive_failures"], 0);
    assert_eq!(r.body["disabled_reason"], Value::Null);
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 1);
    let d = deliveries(&t, hook).await;
    assert_eq!(d[0]["status"], "delivered");
    assert_eq!(d[0]["attempts"], 4);

    // Disabled by hand, it says by whom.
    let r = t
        .post(
            &format!("/api/v1/webhooks/{hook}/disable"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.body["enabled"], false);
    assert_eq!(r.body["disabled_reason"], "disabled by admin");
}

#[tokio::test]
async fn redelivery_by_hand_sends_the_same_event_and_a_rotated_secret_signs_from_then_on() {
    let t = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    let (hook, old) = webhook(
        &t,
        json!({"name": "Archive", "url": receiver.url("/archive"), "events": ["incident.created"]}),
    )
    .await;
    incident(&t, "Mail is down", "medium").await;
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 1);
    let delivery = deliveries(&t, hook).await[0]["id"].as_i64().unwrap();

    let r = t
        .post(
            &format!("/api/v1/webhooks/{hook}/rotate-secret"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let new = r.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);

    let r = t
        .post(
            &format!("/api/v1/webhooks/{hook}/deliveries/{delivery}/redeliver"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "pending");
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 1);
    assert_eq!(t.app.run_webhooks("node-a").await.unwrap(), 0);

    let seen = receiver.seen();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].event_id, seen[1].event_id);
    assert_eq!(seen[0].body, seen[1].body);
    assert!(signed_by(&old, &seen[0].signature, &seen[0].body));
    assert!(signed_by(&new, &seen[1].signature, &seen[1].body));
    assert!(!signed_by(&old, &seen[1].signature, &seen[1].body));
    assert_eq!(attempts(&t, hook, delivery).await.len(), 2);
    let audit = t
        .get(
            "/api/v1/audit?record_type=webhook_delivery&action=redeliver",
            &t.admin,
        )
        .await;
    assert_eq!(audit.body["total"], 1);
    t.post(
        &format!("/api/v1/webhooks/{hook}/deliveries/999999/redeliver"),
        &t.admin,
        json!({}),
    )
    .await
    .problem(404);
}

#[tokio::test]
async fn two_nodes_deliver_each_event_once() {
    let start: jiff::Timestamp = "2026-03-02T10:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    // A second node on the same database (PostgreSQL); SQLite serves one node, so there
    // the same node runs both rounds at once.
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
    let receiver = Receiver::start().await;
    receiver.script(&[500]);
    webhook(
        &t,
        json!({"name": "Everything", "url": receiver.url("/all"), "events": ["incident.created"]}),
    )
    .await;
    for n in 0..6 {
        incident(&t, &format!("Incident {n}"), "low").await;
    }
    let mut at = start;
    for _ in 0..4 {
        let (a, b) = tokio::join!(t.app.run_webhooks("node-a"), other.run_webhooks("node-b"));
        a.unwrap();
        b.unwrap();
        later(&clock, &mut at, 61);
    }
    let seen = receiver.seen();
    let delivered: Vec<i64> = seen
        .iter()
        .filter(|s| s.answered == 200)
        .map(|s| s.event_id)
        .collect();
    let distinct: std::collections::BTreeSet<i64> = delivered.iter().copied().collect();
    assert_eq!(delivered.len(), 6, "{seen:?}");
    assert_eq!(distinct.len(), 6);
    assert_eq!(seen.len(), 7, "one failed attempt, retried once");
}

#[tokio::test]
async fn an_admin_manages_webhooks_and_their_delivery_log_with_forms() {
    use crate::support::ADMIN_PASSWORD;
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    let receiver = Receiver::start().await;
    t.user("mona", "manager", None).await;
    let mut manager = Browser::new(&t);
    manager.login("mona", "mona-password").await;
    assert_eq!(manager.get("/manage/webhooks").await.status, 403);

    let mut b = Browser::new(&t);
    b.login("admin", ADMIN_PASSWORD).await;
    let list = b.get("/manage/webhooks").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Create a webhook"), "{}", list.body);
    let csrf = csrf_of(&list.body);
    let url = receiver.url("/form");
    let bad = b
        .post(
            "/manage/webhooks",
            &[
                ("csrf", &csrf),
                ("name", "Chat"),
                ("url", "ftp://example.org/"),
                ("events", "incident.created"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    assert!(bad.body.contains("must be an http:// or https:// address"));
    assert!(bad.body.contains("value=\"Chat\""));
    let made = b
        .post(
            "/manage/webhooks",
            &[
                ("csrf", &csrf),
                ("name", "Chat"),
                ("url", &url),
                ("events", "incident.created"),
                ("events", "problem.*"),
                ("filter", "priority = P1, P2"),
                ("max_failures", "5"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let shown = b.get("/manage/webhooks").await;
    assert!(
        shown
            .body
            .contains("Its signing secret, shown only now: whsec_")
    );
    let hooks = t.get("/api/v1/webhooks", &t.admin).await.body;
    let hook = hooks[0]["id"].as_i64().unwrap();
    assert_eq!(hooks[0]["events"], json!(["incident.created", "problem.*"]));
    assert_eq!(hooks[0]["max_failures"], 5);
    assert_eq!(hooks[0]["filter"], "priority = P1, P2");
    let edit = b.get(&format!("/manage/webhooks/{hook}")).await;
    assert!(edit.body.contains("Edit the webhook"));
    assert!(edit.body.contains("priority = P1, P2"));

    incident(&t, "Payments down", "high").await;
    t.app.run_webhooks("node-a").await.unwrap();
    let log = b.get(&format!("/manage/webhooks/{hook}/log")).await;
    assert_eq!(log.status, 200);
    assert!(
        log.body.contains("Delivered") && log.body.contains("HTTP 200"),
        "{}",
        log.body
    );
    let delivery = deliveries(&t, hook).await[0]["id"].as_i64().unwrap();
    let again = b
        .post(
            &format!("/manage/webhooks/{hook}/deliveries/{delivery}/redeliver"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, 303);
    assert_eq!(deliveries(&t, hook).await[0]["status"], "pending");
    let off = b
        .post(
            &format!("/manage/webhooks/{hook}/disable"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(off.status, 303);
    let read = t.get(&format!("/api/v1/webhooks/{hook}"), &t.admin).await;
    assert_eq!(read.body["enabled"], false);
    assert!(
        b.get(&format!("/manage/webhooks/{hook}/log"))
            .await
            .body
            .contains("Disabled: disabled by admin")
    );
    let rotated = b
        .post(
            &format!("/manage/webhooks/{hook}/rotate"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(rotated.status, 303);
    assert_eq!(
        b.post(
            &format!("/manage/webhooks/{hook}/enable"),
            &[("csrf", "forged")]
        )
        .await
        .status,
        403
    );
}
