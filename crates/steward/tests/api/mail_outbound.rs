//! Outgoing mail against a real SMTP server (aiosmtpd, started per test on 127.0.0.1 by
//! scripts/smtp-sink.py, installed by scripts/ensure-smtp-sink): record mails with their
//! threading headers and tag, failure and retry, two nodes sending once, digests, and the
//! admin API for settings, templates and the queue.
use crate::support::{TestApp, certificates, temp_dir};
use serde_json::{Value, json};
use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;

/// The python with aiosmtpd (installed on first use by the project's script).
fn sink_python() -> &'static str {
    static PYTHON: OnceLock<String> = OnceLock::new();
    PYTHON.get_or_init(|| {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let out = Command::new(root.join("scripts/ensure-smtp-sink"))
            .output()
            .expect("run scripts/ensure-smtp-sink");
        assert!(
            out.status.success(),
            "ensure-smtp-sink: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap().trim().to_string()
    })
}

/// An SMTP sink writing each message it accepts to a file; killed when dropped.
struct Sink {
    child: Child,
    dir: PathBuf,
    port: u16,
}

impl Sink {
    fn start() -> Sink {
        Self::start_with(&[])
    }

    /// A sink started with these options of scripts/smtp-sink.py (TLS, AUTH).
    fn start_with(options: &[&str]) -> Sink {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let dir = temp_dir("smtp-sink");
        let mut child = Command::new(sink_python())
            .arg(root.join("scripts/smtp-sink.py"))
            .arg(&dir)
            .args(options)
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the SMTP sink");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let port = line
            .strip_prefix("PORT ")
            .and_then(|p| p.trim().parse().ok())
            .unwrap_or_else(|| panic!("sink said {line:?}"));
        Sink { child, dir, port }
    }

    /// The messages received so far, in order of arrival.
    fn messages(&self) -> Vec<String> {
        let mut names: Vec<_> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        names.sort();
        names
            .iter()
            .map(|p| std::fs::read_to_string(p).unwrap())
            .collect()
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A header's value (unfolded) in a raw message.
fn header(message: &str, name: &str) -> Option<String> {
    let head = message.split("\r\n\r\n").next().unwrap_or(message);
    let unfolded = head.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
    })
}

fn subjects(messages: &[String]) -> Vec<String> {
    messages
        .iter()
        .map(|m| header(m, "Subject").unwrap_or_default())
        .collect()
}

async fn configure(t: &TestApp, port: u16) {
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/settings",
            Some(&t.admin),
            Some(json!({
                "host": "127.0.0.1", "port": port, "security": "none",
                "from_address": "Desk <desk@desk.example>", "mail_domain": "desk.example",
                "public_url": "https://desk.example/",
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// A customer with a mail address; returns (id, token).
async fn customer(t: &TestApp, name: &str) -> (i64, String) {
    let org = t.create_org(&format!("{name} Ltd")).await;
    person(t, name, "customer", Some(org)).await
}

async fn person(t: &TestApp, name: &str, role: &str, org: Option<i64>) -> (i64, String) {
    let (id, token) = t.user(name, role, org).await;
    let r = t
        .patch(
            &format!("/api/v1/users/{id}"),
            &t.admin,
            json!({ "email": format!("{name}@example.org") }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    (id, token)
}

/// Runs the dispatcher and the sender once, as the background jobs would.
async fn pump(t: &TestApp) -> u64 {
    t.app.mail_dispatch("node-a").await.unwrap();
    t.app.mail_send().await.unwrap()
}

async fn incident(t: &TestApp, token: &str, title: &str) -> Value {
    let r = t
        .post("/api/v1/incidents", token, json!({ "title": title }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn record_mails_carry_the_tag_and_thread_onto_the_record() {
    let t = TestApp::spawn().await;
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (_, cust) = customer(&t, "carol").await;
    let (_, agent) = person(&t, "adam", "agent", None).await;

    let inc = incident(&t, &cust, "Printer jammed").await;
    let (id, number) = (inc["id"].as_i64().unwrap(), inc["number"].as_str().unwrap());
    assert_eq!(pump(&t).await, 1);
    let first = sink.messages();
    assert_eq!(first.len(), 1);
    let created = &first[0];
    assert!(
        created.contains("X-Envelope-To: carol@example.org"),
        "{created}"
    );
    assert_eq!(
        header(created, "Subject").unwrap(),
        format!("[{number}] Received: Printer jammed")
    );
    let root = header(created, "Message-ID").unwrap();
    assert!(
        root.starts_with(&format!("<{number}.")) && root.ends_with("@desk.example>"),
        "{root}"
    );
    assert_eq!(header(created, "Auto-Submitted").unwrap(), "auto-generated");
    assert!(header(created, "In-Reply-To").is_none());

    // Someone else's public reply reaches the customer, threaded onto the first mail.
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/comments"),
            &agent,
            json!({ "body": "Looking at it now." }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // An internal note does not reach the customer.
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/comments"),
            &agent,
            json!({ "body": "Tray 2 again.", "public": false }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(pump(&t).await, 1);
    let all = sink.messages();
    let reply = &all[1];
    assert!(reply.contains("Looking at it now."), "{reply}");
    assert!(!all.iter().any(|m| m.contains("Tray 2 again.")));
    assert_eq!(header(reply, "In-Reply-To").unwrap(), root);
    assert!(header(reply, "References").unwrap().contains(&root));
    let second = header(reply, "Message-ID").unwrap();
    assert_ne!(second, root);

    // Waiting for the customer, then resolved: each its own mail, each in the thread.
    let go = |body: Value| {
        let t = &t;
        let agent = agent.clone();
        async move {
            let r = t
                .post(&format!("/api/v1/incidents/{id}/transition"), &agent, body)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    go(json!({ "to": "in_progress" })).await;
    go(json!({ "to": "pending", "reason": "customer" })).await;
    go(json!({ "to": "in_progress" })).await;
    go(json!({ "to": "resolved", "resolution_code": "fixed", "resolution_notes": "New roller." }))
        .await;
    assert_eq!(pump(&t).await, 4);
    let all = sink.messages();
    let subjects = subjects(&all);
    assert_eq!(
        subjects[2..],
        [
            format!("[{number}] Updated: Printer jammed"),
            format!("[{number}] Waiting for you: Printer jammed"),
            format!("[{number}] Updated: Printer jammed"),
            format!("[{number}] Resolved: Printer jammed"),
        ]
    );
    let resolved = all.last().unwrap();
    assert!(resolved.contains("New roller."), "{resolved}");
    assert!(
        resolved.contains("https://desk.example/survey/"),
        "the satisfaction link: {resolved}"
    );
    let refs = header(resolved, "References").unwrap();
    assert!(refs.contains(&root) && refs.contains(&second), "{refs}");
    // Nothing new: nothing more is sent.
    assert_eq!(pump(&t).await, 0);
    assert_eq!(sink.messages().len(), 6);
}

#[tokio::test]
async fn a_failed_send_keeps_its_error_and_a_retry_delivers_once() {
    let t = TestApp::spawn().await;
    // A port nothing listens on: the server is down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let down = closed.local_addr().unwrap().port();
    drop(closed);
    configure(&t, down).await;
    let (_, cust) = customer(&t, "dora").await;
    incident(&t, &cust, "VPN down").await;
    assert_eq!(pump(&t).await, 0);

    let q = t.get("/api/v1/mail/queue", &t.admin).await;
    assert_eq!(q.status, 200, "{}", q.body);
    let entry = &q.body["items"][0];
    assert_eq!(entry["status"], "pending", "{entry}");
    assert_eq!(entry["attempts"], 1);
    assert!(
        entry["last_error"].as_str().is_some_and(|e| !e.is_empty()),
        "{entry}"
    );
    let id = entry["id"].as_i64().unwrap();
    // Not due yet (backoff): another round sends nothing.
    assert_eq!(t.app.mail_send().await.unwrap(), 0);

    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let r = t
        .post(&format!("/api/v1/mail/queue/{id}/retry"), &agent, json!({}))
        .await;
    assert_eq!(r.status, 403, "only admins retry");
    let r = t
        .post(
            &format!("/api/v1/mail/queue/{id}/retry"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(t.app.mail_send().await.unwrap(), 1);
    assert_eq!(t.app.mail_send().await.unwrap(), 0);
    assert_eq!(sink.messages().len(), 1);
    let r = t.get(&format!("/api/v1/mail/queue/{id}"), &t.admin).await;
    assert_eq!(r.body["status"], "sent", "{}", r.body);
    assert!(r.body["sent_at"].is_string());
    // A sent mail is not retried.
    let r = t
        .post(
            &format!("/api/v1/mail/queue/{id}/retry"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "status");
    let r = t.get("/api/v1/mail/queue?status=failed", &t.admin).await;
    assert_eq!(r.body["total"], 0);
    let r = t.get("/api/v1/mail/queue?status=lost", &t.admin).await;
    assert_eq!(r.status, 422);
}

#[tokio::test]
async fn two_nodes_send_each_notification_exactly_once() {
    let t = TestApp::spawn().await;
    // On PostgreSQL a second node on the same database; on SQLite (one node by design) two
    // workers of the one node race instead.
    let second = match crate::support::postgres_url() {
        Some(_) => Some(TestApp::spawn_on(t.database_url.clone()).await),
        None => None,
    };
    let other = second.as_ref().map(|s| &s.app).unwrap_or(&t.app);
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (_, cust) = customer(&t, "erin").await;
    for i in 0..12 {
        incident(&t, &cust, &format!("Issue {i}")).await;
    }
    for _ in 0..3 {
        let (a, b) = tokio::join!(
            async {
                t.app.mail_dispatch("node-a").await.unwrap();
                t.app.mail_send().await.unwrap()
            },
            async {
                other.mail_dispatch("node-b").await.unwrap();
                other.mail_send().await.unwrap()
            }
        );
        let _ = (a, b);
    }
    let messages = sink.messages();
    assert_eq!(messages.len(), 12, "{:?}", subjects(&messages));
    let mut ids: Vec<_> = messages
        .iter()
        .map(|m| header(m, "Message-ID").unwrap())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 12);
    let q = t.get("/api/v1/mail/queue?status=sent", &t.admin).await;
    assert_eq!(q.body["total"], 12);
}

#[tokio::test]
async fn digest_preference_batches_into_one_daily_mail() {
    let t = TestApp::spawn().await;
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (_, cust) = customer(&t, "fay").await;
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/mail-preferences",
            Some(&cust),
            Some(json!({ "events": { "record_created": "digest", "record_updated": "off" } })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/mail-preferences",
            Some(&cust),
            Some(json!({ "events": { "record_exploded": "digest" } })),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "events.record_exploded");
    let a = incident(&t, &cust, "Laptop slow").await;
    let b = incident(&t, &cust, "Screen flickers").await;
    assert_eq!(pump(&t).await, 0);
    assert!(sink.messages().is_empty());
    let q = t.get("/api/v1/mail/queue?status=digest", &t.admin).await;
    assert_eq!(q.body["total"], 2);

    assert_eq!(t.app.mail_digest("node-a", false).await.unwrap(), Some(1));
    assert_eq!(t.app.mail_send().await.unwrap(), 1);
    // Once a day: a second run the same day does nothing.
    assert_eq!(t.app.mail_digest("node-a", false).await.unwrap(), Some(0));
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let digest = &messages[0];
    for n in [&a["number"], &b["number"]] {
        assert!(digest.contains(n.as_str().unwrap()), "{digest}");
    }
    assert!(
        header(digest, "Subject")
            .unwrap()
            .contains("2 notifications")
    );
    let q = t.get("/api/v1/mail/queue?status=digested", &t.admin).await;
    assert_eq!(q.body["total"], 2);
}

#[tokio::test]
async fn admins_edit_settings_and_templates_with_preview_and_test_send() {
    let t = TestApp::spawn().await;
    let sink = Sink::start();
    let (_, agent) = t.user("gus", "agent", None).await;
    assert_eq!(t.get("/api/v1/mail/settings", &agent).await.status, 403);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/settings",
            Some(&t.admin),
            Some(json!({ "host": "", "port": 0, "from_address": "nope", "mail_domain": "a b" })),
        )
        .await;
    let fields: Vec<_> = r.problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_string())
        .collect();
    for f in ["host", "port", "from_address", "mail_domain"] {
        assert!(fields.contains(&f.to_string()), "{f} in {fields:?}");
    }
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/settings",
            Some(&t.admin),
            Some(json!({
                "host": "127.0.0.1", "port": sink.port, "security": "none", "username": "desk",
                "password": "s3cret", "from_address": "desk@desk.example", "mail_domain": "desk.example",
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["password_set"], true);
    assert!(!r.body.to_string().contains("s3cret"));
    let audit = t
        .get(
            "/api/v1/audit?record_type=setting&record_id=mail_smtp",
            &t.admin,
        )
        .await;
    assert!(
        !audit.body.to_string().contains("s3cret"),
        "no password in the audit trail"
    );
    // The sink offers no authentication: clear the credentials ("" clears the password).
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/settings",
            Some(&t.admin),
            Some(json!({
                "host": "127.0.0.1", "port": sink.port, "security": "none", "password": "",
                "from_address": "desk@desk.example", "mail_domain": "desk.example",
            })),
        )
        .await;
    assert_eq!(r.body["password_set"], false, "{}", r.body);

    // Templates: every kind listed; a broken one is refused on its field.
    let list = t.get("/api/v1/mail/templates", &t.admin).await;
    assert_eq!(list.body.as_array().unwrap().len(), 12);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/templates/record_created",
            Some(&t.admin),
            Some(json!({ "subject": "ok", "body": "{% if record.number %}unclosed" })),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "body");
    let r = t
        .post(
            "/api/v1/mail/templates/record_created/preview",
            &t.admin,
            json!({ "subject": "New: {{ record.title | upper }}", "body": "For {{ recipient.name }}" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["subject"], "New: PRINTER ON FLOOR 2 IS JAMMED");
    assert_eq!(r.body["body"], "For Ann Example");
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/templates/record_created",
            Some(&t.admin),
            Some(json!({ "subject": "We got it: {{ record.title }}", "body": "Thanks, {{ recipient.name }}." })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["customized"], true);
    assert_eq!(
        t.get("/api/v1/mail/templates/nope", &t.admin).await.status,
        404
    );

    // The saved template is used, and the record tag is added when it lacks one.
    let (_, cust) = customer(&t, "hal").await;
    let inc = incident(&t, &cust, "Badge lost").await;
    assert_eq!(pump(&t).await, 1);
    let m = &sink.messages()[0];
    assert_eq!(
        header(m, "Subject").unwrap(),
        format!(
            "[{}] We got it: Badge lost",
            inc["number"].as_str().unwrap()
        )
    );
    assert!(m.contains("Thanks, hal."), "{m}");

    // Test sends go out at once, outside the queue.
    let r = t
        .post(
            "/api/v1/mail/settings/test",
            &t.admin,
            json!({ "to": "ops@example.org" }),
        )
        .await;
    assert_eq!(r.body, json!({ "sent": true, "error": null }));
    let r = t
        .post(
            "/api/v1/mail/templates/record_resolved/test",
            &t.admin,
            json!({ "to": "ops@example.org" }),
        )
        .await;
    assert_eq!(r.body["sent"], true, "{}", r.body);
    let all = sink.messages();
    assert_eq!(all.len(), 3);
    assert_eq!(header(&all[1], "Subject").unwrap(), "Steward test mail");
    assert!(header(&all[2], "Subject").unwrap().contains("Resolved"));
    let r = t
        .send(
            reqwest::Method::DELETE,
            "/api/v1/mail/templates/record_created",
            Some(&t.admin),
            None,
        )
        .await;
    assert_eq!(r.body["customized"], false, "{}", r.body);
}

/// Body text of a raw mail as received, with quoted-printable soft breaks undone (lettre
/// encodes a body with long lines).
fn body(message: &str) -> String {
    let text = message.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    text.replace("=\r\n", "").replace("=3D", "=")
}

/// Change approvals: a change waiting for its board asks each member who wants the mail
/// (a member who turned approval requests off gets none), the verdict reaches whoever raised
/// it with the rejection's reason, a member's decision that leaves the vote open sends
/// nothing, and links go to the staff screen of the change.
#[tokio::test]
async fn change_approvals_ask_the_board_and_tell_the_requester_the_verdict() {
    let t = TestApp::spawn().await;
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (ann, ann_token) = person(&t, "ann", "manager", None).await;
    let (cy, cy_token) = person(&t, "cy", "agent", None).await;
    let (dan, dan_token) = person(&t, "dan", "agent", None).await;
    let (_, bob_token) = person(&t, "bob", "agent", None).await;
    let r = t
        .post(
            "/api/v1/change-boards",
            &t.admin,
            json!({"name": "CAB", "emergency": false, "member_ids": [ann, cy, dan]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cab = r.id();
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/change-policy",
            Some(&t.admin),
            Some(
                json!({"normal": [{"risk_level": "high", "board_id": cab, "rule": "all"}],
                        "emergency": {"rule": "any"}, "major_impact_services": 3}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/me/mail-preferences",
            Some(&dan_token),
            Some(json!({ "events": { "approval_requested": "off" } })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(pump(&t).await, 0);

    let r = t
        .post(
            "/api/v1/changes",
            &bob_token,
            json!({"change_type": "normal", "title": "Upgrade the database",
                   "category": "database", "justification": "Security fixes",
                   "implementation_plan": "Run the upgrade", "test_plan": "Smoke tests",
                   "backout_plan": "Restore the snapshot",
                   "planned_start": "2026-06-01T20:00:00Z", "planned_end": "2026-06-01T22:00:00Z",
                   "risk_answers": [{"question": "tested", "answer": 2},
                                    {"question": "backout", "answer": 1},
                                    {"question": "users", "answer": 0}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (id, number) = (r.id(), r.body["number"].as_str().unwrap().to_owned());
    for action in ["submit", "assess"] {
        let r = t
            .post(
                &format!("/api/v1/changes/{id}/{action}"),
                &bob_token,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    assert_eq!(r_state(&t, id).await, "requested");
    assert_eq!(pump(&t).await, 2, "ann and cy are asked; dan opted out");
    let asked = sink.messages();
    let mut to: Vec<String> = asked
        .iter()
        .map(|m| header(m, "X-Envelope-To").unwrap())
        .collect();
    to.sort();
    assert_eq!(to, ["ann@example.org", "cy@example.org"]);
    for m in &asked {
        assert_eq!(
            header(m, "Subject").unwrap(),
            format!("[{number}] Approval requested: Upgrade the database")
        );
        let text = body(m);
        assert!(text.contains("Risk high"), "{text}");
        assert!(
            text.contains(&format!("https://desk.example/manage/changes/{id}/view")),
            "{text}"
        );
        assert!(
            header(m, "Message-ID")
                .unwrap()
                .starts_with(&format!("<{number}.")),
            "{m}"
        );
    }

    // Ann approves: the vote is still open, nobody is told.
    let decide = async |token: &str, body: Value| {
        let r = t
            .post(&format!("/api/v1/changes/{id}/decisions"), token, body)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    };
    decide(&ann_token, json!({"decision": "approve"})).await;
    assert_eq!(pump(&t).await, 0);
    // Cy rejects: bob, who raised it, hears the verdict and the reason.
    decide(
        &cy_token,
        json!({"decision": "reject", "comment": "No tested back-out"}),
    )
    .await;
    assert_eq!(pump(&t).await, 1);
    let all = sink.messages();
    assert_eq!(all.len(), 3);
    let verdict = &all[2];
    assert_eq!(header(verdict, "X-Envelope-To").unwrap(), "bob@example.org");
    assert_eq!(
        header(verdict, "Subject").unwrap(),
        format!("[{number}] Approval decided: Upgrade the database")
    );
    let text = body(verdict);
    assert!(text.contains("was rejected."), "{text}");
    assert!(text.contains("rejected it: No tested back-out"), "{text}");
    // The verdict threads onto the request mails.
    assert!(header(verdict, "In-Reply-To").is_some(), "{verdict}");
}

async fn r_state(t: &TestApp, id: i64) -> String {
    let r = t.get(&format!("/api/v1/changes/{id}"), &t.admin).await;
    r.body["approval"]["state"].as_str().unwrap().to_owned()
}

/// A scheduled report definition's snapshot reaches its owner with each report's figures
/// and a link to the snapshot's staff page; nobody else gets it, and a run that finds the
/// period's snapshot already made sends nothing again.
#[tokio::test]
async fn a_scheduled_snapshot_is_mailed_to_the_definition_owner() {
    use steward_app::{Clock, Settings};
    let clock = Clock::manual("2026-02-10T09:00:00Z".parse().unwrap());
    let t = TestApp::spawn_with_settings(Settings {
        clock: clock.clone(),
        ..Settings::default()
    })
    .await;
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (_, mia) = person(&t, "mia", "manager", None).await;
    let (_, _other) = person(&t, "ole", "manager", None).await;
    let (_, agent) = person(&t, "arne", "agent", None).await;
    for title in ["Mail down", "VPN slow"] {
        let r = t
            .post(
                "/api/v1/incidents",
                &agent,
                json!({"title": title, "impact": "medium", "urgency": "medium"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }
    let r = t
        .post(
            "/api/v1/report-definitions",
            &mia,
            json!({"name": "Monthly volumes", "audience": "Service review",
                   "reports": ["volumes"], "cadence": "monthly"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    pump(&t).await;
    let before = sink.messages().len();

    clock.set("2026-03-04T10:00:00Z".parse().unwrap());
    assert_eq!(t.app.run_due_reports("node-a").await.unwrap(), Some(1));
    assert_eq!(pump(&t).await, 1);
    let all = sink.messages();
    assert_eq!(all.len(), before + 1);
    let m = all.last().unwrap();
    assert_eq!(header(m, "X-Envelope-To").unwrap(), "mia@example.org");
    assert_eq!(header(m, "Subject").unwrap(), "Report: Monthly volumes");
    let text = body(m);
    assert!(
        text.contains("Period: 2026-02-01T00:00:00Z to 2026-03-01T00:00:00Z"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.trim() == "Opened: 2"),
        "the figures: {text}"
    );
    assert!(
        text.contains("https://desk.example/manage/report-snapshots/"),
        "{text}"
    );
    // Nothing due again: no second snapshot, no second mail.
    assert_eq!(t.app.run_due_reports("node-a").await.unwrap(), Some(0));
    assert_eq!(pump(&t).await, 0);
}

/// The SMTP settings as stored, read from the database itself.
async fn raw_smtp_setting(t: &TestApp) -> String {
    let mut conn = t.app.db().read().await.unwrap();
    steward_store::on!(conn.ex(), c => sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = 'mail_smtp'").fetch_one(c).await)
    .unwrap()
}

async fn smtp_settings(t: &TestApp, settings: Value) -> reqwest::StatusCode {
    let mut body = json!({
        "host": "127.0.0.1", "from_address": "Desk <desk@desk.example>",
        "mail_domain": "desk.example", "public_url": "https://desk.example/",
    });
    for (k, v) in settings.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/mail/settings",
            Some(&t.admin),
            Some(body),
        )
        .await;
    assert!(r.status == 200 || r.status == 422, "{}", r.body);
    r.status
}

async fn test_send(t: &TestApp) -> Value {
    let r = t
        .post(
            "/api/v1/mail/settings/test",
            &t.admin,
            json!({ "to": "ops@example.org" }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

/// SMTP over STARTTLS and over TLS from the first byte, with a login, against a real server
/// that requires both: the mail arrives encrypted and under the configured user; without
/// trusting the server's certificate, with a wrong password, or in plain text nothing is
/// sent and the error says why. The certificate is made by the test; Steward trusts it
/// through the settings' trusted certificate, which must be PEM.
#[tokio::test]
async fn smtp_with_starttls_or_tls_and_a_login_against_a_real_server() {
    let t = TestApp::spawn().await;
    let dir = temp_dir("smtp-tls");
    let (ca, cert, key) = certificates(&dir);
    let (cert, key) = (cert.to_str().unwrap(), key.to_str().unwrap());
    let sink = Sink::start_with(&["--cert", cert, "--key", key, "--auth", "desk:s3cret"]);
    let status = smtp_settings(
        &t,
        json!({"port": sink.port, "security": "starttls", "username": "desk",
               "password": "s3cret", "trusted_certificate": "not a certificate"}),
    )
    .await;
    assert_eq!(status, 422);
    let status = smtp_settings(
        &t,
        json!({"port": sink.port, "security": "starttls", "username": "desk",
               "password": "s3cret", "trusted_certificate": ca}),
    )
    .await;
    assert_eq!(status, 200);
    let settings = t.get("/api/v1/mail/settings", &t.admin).await.body;
    assert!(settings.get("password").is_none(), "{settings}");
    assert_eq!(settings["password_set"], true);

    // A notification goes through the queue over STARTTLS, logged in.
    let (_, cust) = customer(&t, "tia").await;
    incident(&t, &cust, "Mail over TLS").await;
    assert_eq!(pump(&t).await, 1);
    let m = &sink.messages()[0];
    assert!(
        header(m, "X-Sink-TLS").unwrap().starts_with("TLSv1."),
        "{m}"
    );
    assert_eq!(header(m, "X-Sink-Login").unwrap(), "desk");
    assert_eq!(header(m, "X-Envelope-To").unwrap(), "tia@example.org");
    // It logged in with a password that is stored encrypted: the raw setting holds no
    // trace of it.
    let raw = raw_smtp_setting(&t).await;
    assert!(!raw.contains("s3cret"), "{raw}");
    assert!(!raw.contains("\"password\""), "no plain-text field: {raw}");
    let stored: Value = serde_json::from_str(&raw).unwrap();
    assert!(
        stored["password_sealed"]
            .as_str()
            .unwrap()
            .starts_with("v1:")
    );

    // A node with another secret key cannot read the password: its settings say so, and the
    // mails it takes fail with that reason in the queue, sending nothing.
    let other = TestApp::spawn_with(
        t.database_url.clone(),
        steward_app::Settings {
            secret_key: Some(steward_app::foundation::sealing::SecretKey::generate().unwrap()),
            ..Default::default()
        },
    )
    .await;
    let shown = other.get("/api/v1/mail/settings", &other.admin).await.body;
    assert_eq!(shown["password_set"], true);
    let why = shown["password_error"].as_str().unwrap();
    assert!(why.contains("this node's key is"), "{why}");
    assert_eq!(
        t.get("/api/v1/mail/settings", &t.admin).await.body["password_error"],
        Value::Null
    );
    incident(&t, &cust, "Mail from the other node").await;
    t.app.mail_dispatch("node-a").await.unwrap();
    assert_eq!(other.app.mail_send().await.unwrap(), 0);
    let q = t.get("/api/v1/mail/queue?status=pending", &t.admin).await;
    let error = q.body["items"][0]["last_error"].as_str().unwrap();
    assert!(
        error.contains("the stored SMTP password cannot be read"),
        "{}",
        q.body
    );
    assert_eq!(sink.messages().len(), 1);
    let r = other
        .post(
            "/api/v1/mail/settings/test",
            &other.admin,
            json!({ "to": "ops@example.org" }),
        )
        .await;
    assert_eq!(r.body["sent"], false, "{}", r.body);
    assert!(r.body["error"].as_str().unwrap().contains("secret key"));
    drop(other);

    // A password left in plain text by a version before encryption still works, and the
    // start-up step seals it.
    let mut plain = stored.clone();
    plain.as_object_mut().unwrap().remove("password_sealed");
    plain["password"] = json!("s3cret");
    {
        let mut tx = t.app.db().begin().await.unwrap();
        let value = plain.to_string();
        steward_store::on!(tx.ex(), c => sqlx::query(
            "UPDATE settings SET value = $1 WHERE key = 'mail_smtp'")
            .bind(&value).execute(c).await.map(|_| ()))
        .unwrap();
        tx.commit().await.unwrap();
    }
    assert_eq!(test_send(&t).await["sent"], true);
    assert_eq!(t.app.seal_plain_mail_passwords().await.unwrap(), 1);
    let raw = raw_smtp_setting(&t).await;
    assert!(!raw.contains("s3cret"), "{raw}");
    assert_eq!(test_send(&t).await["sent"], true);
    assert_eq!(sink.messages().len(), 3);

    // A wrong password: refused by the server, nothing arrives.
    smtp_settings(
        &t,
        json!({"port": sink.port, "security": "starttls", "username": "desk",
               "password": "wrong", "trusted_certificate": ca}),
    )
    .await;
    let r = test_send(&t).await;
    assert_eq!(r["sent"], false, "{r}");
    assert!(!r["error"].as_str().unwrap().is_empty(), "{r}");
    // The certificate not trusted: the connection is refused before the password is sent.
    smtp_settings(
        &t,
        json!({"port": sink.port, "security": "starttls", "username": "desk",
               "password": "s3cret", "trusted_certificate": ""}),
    )
    .await;
    let r = test_send(&t).await;
    assert_eq!(r["sent"], false, "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .to_lowercase()
            .contains("certificate"),
        "{r}"
    );
    // Plain text to a server that requires STARTTLS: refused.
    smtp_settings(
        &t,
        json!({"port": sink.port, "security": "none", "username": "desk",
               "password": "s3cret"}),
    )
    .await;
    let r = test_send(&t).await;
    assert_eq!(r["sent"], false, "{r}");
    assert_eq!(sink.messages().len(), 3);

    // TLS from the first byte (port 465 style).
    let tls = Sink::start_with(&[
        "--cert",
        cert,
        "--key",
        key,
        "--tls",
        "--auth",
        "desk:s3cret",
    ]);
    smtp_settings(
        &t,
        json!({"port": tls.port, "security": "tls", "username": "desk",
               "password": "s3cret", "trusted_certificate": ca}),
    )
    .await;
    let r = test_send(&t).await;
    assert_eq!(r["sent"], true, "{r}");
    let m = &tls.messages()[0];
    assert!(
        header(m, "X-Sink-TLS").unwrap().starts_with("TLSv1."),
        "{m}"
    );
    assert_eq!(header(m, "X-Sink-Login").unwrap(), "desk");
    assert_eq!(header(m, "X-Envelope-To").unwrap(), "ops@example.org");
}

/// A message as a mail client sends it (CRLF line ends).
fn raw_mail(headers: &[(&str, &str)], body: &str) -> String {
    let mut m = String::new();
    for (name, value) in headers {
        m.push_str(&format!("{name}: {value}\r\n"));
    }
    m.push_str("\r\n");
    m.push_str(&body.replace('\n', "\r\n"));
    m
}

/// No mail loop: an auto-reply and a bounce that answer Steward's own mail about a record
/// (its tag in the subject, its Message-ID in In-Reply-To or References), piped in as an MTA
/// delivers them, add nothing to the record and send nothing (counted at the SMTP sink),
/// while a person's reply through the same path does reach the assignee.
#[tokio::test]
async fn an_auto_reply_and_a_bounce_create_nothing_and_send_nothing() {
    let t = TestApp::spawn().await;
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let (_, cust) = customer(&t, "ann").await;
    let (agent_id, agent) = person(&t, "arne", "agent", None).await;
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({"name": "Support", "queue": "incident"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let inc = incident(&t, &cust, "Printer jammed").await;
    let (id, number) = (inc["id"].as_i64().unwrap(), inc["number"].as_str().unwrap());
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/assign"),
            &agent,
            json!({"assignee_id": agent_id}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    pump(&t).await;
    let sent = sink.messages();
    let ours = header(&sent[0], "Message-ID").unwrap();
    // The customer's link is the record page as the portal shows it, never a staff screen.
    let received = body(&sent[0]);
    assert!(
        received.contains(&format!("https://desk.example/incidents/{id}")),
        "{received}"
    );
    assert!(!received.contains("/manage/"), "{received}");
    let gate = |message: String| {
        let o = crate::support::steward_cli_stdin(
            &t.database_url,
            &["mailgate", "--queue", "support"],
            message.as_bytes(),
        );
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let comments = async || {
        t.get(&format!("/api/v1/incidents/{id}/comments"), &t.admin)
            .await
            .body
            .as_array()
            .unwrap()
            .len()
    };
    let totals = async || {
        t.get("/api/v1/incidents", &t.admin).await.body["total"]
            .as_i64()
            .unwrap()
    };

    let auto_reply = raw_mail(
        &[
            ("From", "ann@example.org"),
            ("To", "support@desk.example"),
            (
                "Subject",
                &format!("Out of office: Re: [{number}] Printer jammed"),
            ),
            ("Message-ID", "<ooo.1@example.org>"),
            ("In-Reply-To", &ours),
            ("Auto-Submitted", "auto-replied"),
        ],
        "I am away until Monday.",
    );
    let bounce = raw_mail(
        &[
            ("From", "MAILER-DAEMON@mx.example.org"),
            ("To", "desk@desk.example"),
            (
                "Subject",
                &format!("Undelivered Mail Returned to Sender [{number}]"),
            ),
            ("Message-ID", "<bounce.1@mx.example.org>"),
            ("References", &ours),
            (
                "Content-Type",
                "multipart/report; report-type=delivery-status; boundary=\"r\"",
            ),
        ],
        "--r\nContent-Type: text/plain\n\nDelivery failed.\n--r\n\
         Content-Type: message/delivery-status\n\nStatus: 5.1.1\n--r--\n",
    );
    let new_auto = raw_mail(
        &[
            ("From", "ann@example.org"),
            ("Subject", "Automatic reply"),
            ("Message-ID", "<ooo.2@example.org>"),
            ("X-Autoreply", "yes"),
        ],
        "Away.",
    );
    let (before, comments_before, total_before) =
        (sink.messages().len(), comments().await, totals().await);
    for m in [auto_reply, bounce, new_auto] {
        gate(m);
    }
    assert_eq!(pump(&t).await, 0, "automatic mail queues nothing");
    assert_eq!(
        sink.messages().len(),
        before,
        "and nothing reaches the sink"
    );
    assert_eq!(comments().await, comments_before);
    assert_eq!(totals().await, total_before);
    let log = t.get("/api/v1/inbound-messages", &t.admin).await.body;
    let statuses: Vec<&str> = log["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["ignored"; 3], "{log}");

    // The control: Ann's own reply by the same path becomes a reply and mails the assignee.
    gate(raw_mail(
        &[
            ("From", "ann@example.org"),
            ("Subject", &format!("Re: [{number}] Printer jammed")),
            ("Message-ID", "<reply.1@example.org>"),
            ("In-Reply-To", &ours),
        ],
        "Still jamming.",
    ));
    assert_eq!(comments().await, comments_before + 1);
    assert_eq!(pump(&t).await, 1);
    let all = sink.messages();
    assert_eq!(all.len(), before + 1);
    assert_eq!(
        header(all.last().unwrap(), "X-Envelope-To").unwrap(),
        "arne@example.org"
    );
}

/// A request from a catalogue item that needs approval asks its named approver, and the
/// rejection (with its reason) reaches the customer who asked.
#[tokio::test]
async fn request_approvals_ask_the_approver_and_tell_the_customer() {
    let t = TestApp::spawn().await;
    let sink = Sink::start();
    configure(&t, sink.port).await;
    let org = t.create_org("Acme").await;
    let (_, cust) = person(&t, "wile", "customer", Some(org)).await;
    let (paula, paula_token) = person(&t, "paula", "agent", None).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Workplace IT", "status": "live", "customer_ids": [org]}),
        )
        .await
        .id();
    let entry = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "Workplace", "published": true}),
        )
        .await
        .id();
    let r = t
        .post(
            &format!("/api/v1/catalogue/{entry}/items"),
            &t.admin,
            json!({"name": "New laptop", "form": [],
                   "approval": {"by": "users", "user_ids": [paula]}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let item = r.id();
    pump(&t).await;
    let before = sink.messages().len();
    let r = t
        .post(
            "/api/v1/requests",
            &cust,
            json!({"catalogue_item_id": item, "answers": {}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (id, number) = (r.id(), r.body["number"].as_str().unwrap().to_owned());
    assert_eq!(
        pump(&t).await,
        2,
        "received (customer) and approval requested (paula)"
    );
    let all = sink.messages();
    let asked = all[before..]
        .iter()
        .find(|m| header(m, "X-Envelope-To").as_deref() == Some("paula@example.org"))
        .expect("paula is asked");
    assert_eq!(
        header(asked, "Subject").unwrap(),
        format!("[{number}] Approval requested: New laptop")
    );
    let r = t
        .post(
            &format!("/api/v1/requests/{id}/approvals"),
            &paula_token,
            json!({"decision": "reject", "comment": "Not in budget"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(pump(&t).await, 1);
    let m = sink.messages().pop().unwrap();
    assert_eq!(header(&m, "X-Envelope-To").unwrap(), "wile@example.org");
    assert_eq!(
        header(&m, "Subject").unwrap(),
        format!("[{number}] Approval decided: New laptop")
    );
    let text = body(&m);
    assert!(text.contains("was rejected."), "{text}");
    assert!(text.contains("rejected it: Not in budget"), "{text}");
}
