//! Email in, against a real IMAP server (a private Dovecot that `scripts/ensure-dovecot`
//! installs and starts) and through `steward mailgate` as an MTA would pipe it: new threads
//! open records, replies thread onto them as public replies or internal notes, automatic mail
//! and bounces create nothing, a message delivered twice is stored once, and every message
//! (an unreadable one too) is kept in the inbound log with what became of it.
use crate::support::{TestApp, certificates, steward_cli_stdin, temp_dir};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::time::Duration;
use steward_domain::resolution::mail::mailbox::ImapSecurity;
use steward_mail::inbound::imap::{Account, Mailbox as Imap};

/// A private Dovecot instance, stopped when dropped.
struct Dovecot {
    dir: PathBuf,
    port: u16,
    /// Implicit TLS (imaps), when started with a certificate.
    imaps_port: Option<u16>,
}

impl Dovecot {
    /// Starts one, or says why it cannot (then the test reports that it skipped).
    fn start() -> Result<Self, String> {
        Self::start_with(&[])
    }

    /// One with TLS: STARTTLS on `port`, implicit TLS on `imaps_port`, with this certificate.
    fn start_tls(cert: &Path, key: &Path) -> Result<Self, String> {
        Self::start_with(&[
            "--cert",
            cert.to_str().unwrap(),
            "--key",
            key.to_str().unwrap(),
        ])
    }

    fn start_with(options: &[&str]) -> Result<Self, String> {
        let dir = crate::support::temp_dir("dovecot");
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/ensure-dovecot");
        let out = std::process::Command::new(script)
            .arg(&dir)
            .args(options)
            .output()
            .map_err(|e| format!("running {script}: {e}"))?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        if !out.status.success() {
            return Err(format!(
                "{script} failed: {stdout}{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let value = |name: &str| -> Option<u16> {
            stdout
                .split_whitespace()
                .find_map(|w| w.strip_prefix(name))
                .and_then(|p| p.parse().ok())
        };
        let port = value("DOVECOT_PORT=").ok_or_else(|| format!("no port in {stdout:?}"))?;
        Ok(Self {
            dir,
            port,
            imaps_port: value("DOVECOT_IMAPS_PORT="),
        })
    }

    /// The server's log lines of successful logins (Dovecot notes `TLS` on those made over
    /// TLS).
    fn logins(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.join("dovecot.log"))
            .unwrap_or_default()
            .lines()
            .filter(|l| l.contains("imap-login: Info: Login: user=<support>"))
            .map(str::to_owned)
            .collect()
    }

    fn account(&self) -> Account {
        Account {
            host: "127.0.0.1".into(),
            port: self.port,
            security: ImapSecurity::Plain,
            user: "support".into(),
            password: "secret".into(),
            folder: "INBOX".into(),
            trusted_certificate: None,
            timeout: Duration::from_secs(20),
        }
    }

    /// Delivers messages the way a mail client files them: IMAP APPEND.
    async fn append(&self, messages: &[&str]) {
        append_as(&self.account(), messages).await
    }

    async fn unseen(&self) -> usize {
        let mut imap = Imap::open(&self.account())
            .await
            .expect("log in to dovecot");
        let n = imap.unseen_count().await.expect("SEARCH UNSEEN");
        imap.logout().await;
        n
    }
}

/// APPENDs messages as `account`.
async fn append_as(account: &Account, messages: &[&str]) {
    let mut imap = Imap::open(account).await.expect("log in to dovecot");
    for m in messages {
        imap.append("INBOX", m.as_bytes()).await.expect("APPEND");
    }
    imap.logout().await;
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = std::process::Command::new("dovecot")
            .arg("-c")
            .arg(self.dir.join("dovecot.conf"))
            .arg("stop")
            .output();
    }
}

/// A message as a mail client sends it (CRLF line ends).
fn mail(headers: &[(&str, &str)], body: &str) -> String {
    let mut m = String::new();
    for (name, value) in headers {
        m.push_str(&format!("{name}: {value}\r\n"));
    }
    m.push_str("\r\n");
    m.push_str(&body.replace('\n', "\r\n"));
    m
}

/// Acme (mail domain acme.example) with its customer Ann, and agent Arne of the provider.
async fn desk(t: &TestApp) -> i64 {
    let acme = t.create_org("Acme").await;
    let r = t
        .patch(
            &format!("/api/v1/organizations/{acme}"),
            &t.admin,
            json!({"email_domain": "Acme.example"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["email_domain"], "acme.example");
    for (name, role, org, email) in [
        ("ann", "customer", Some(acme), "ann@acme.example"),
        ("arne", "agent", None, "Arne@desk.example"),
    ] {
        let (id, _) = t.user(name, role, org).await;
        let r = t
            .patch(
                &format!("/api/v1/users/{id}"),
                &t.admin,
                json!({ "email": email }),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    acme
}

async fn incidents(t: &TestApp) -> Vec<Value> {
    let r = t.get("/api/v1/incidents", &t.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

async fn log(t: &TestApp) -> Vec<Value> {
    let r = t.get("/api/v1/inbound-messages?limit=100", &t.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mut items = r.body["items"].as_array().unwrap().clone();
    items.reverse();
    items
}

const NEW_THREAD: &str = "From: Ann Example <ann@acme.example>\r\nTo: support@desk.example\r\n\
Subject: Printer on floor 3 jams\r\nMessage-ID: <first.1@acme.example>\r\n\
Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n\
--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n\
<p>It jams <b>every</b> time &amp; blinks.</p><script>alert(1)</script>\r\n\
--b\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"error.log\"\r\n\r\n\
E42 paper path\r\n--b--\r\n";

#[tokio::test]
async fn imap_mail_opens_records_threads_replies_and_ignores_automatic_mail() {
    let dovecot = match Dovecot::start() {
        Ok(d) => d,
        Err(why) => {
            eprintln!("SKIPPED imap_mail_opens_records…: no Dovecot to test against ({why})");
            return;
        }
    };
    let t = TestApp::spawn().await;
    let acme = desk(&t).await;
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({
                "name": "Support", "queue": "incident",
                "imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "plain",
                "imap_user": "support", "imap_password": "secret",
                "internal_domains": ["desk.example"], "unknown_senders": "create_contact"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mailbox = r.id();
    assert_eq!(r.body["has_password"], true);
    assert!(r.body.get("imap_password").is_none(), "{}", r.body);
    let r = t
        .post(
            &format!("/api/v1/mailboxes/{mailbox}/test"),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ok"], true, "{}", r.body);

    let auto_reply = mail(
        &[
            ("From", "ann@acme.example"),
            ("Subject", "Out of office"),
            ("Auto-Submitted", "auto-replied"),
            ("Message-ID", "<ooo.1@acme.example>"),
        ],
        "I am away.",
    );
    let bounce = mail(
        &[
            ("From", "MAILER-DAEMON@mx.acme.example"),
            ("Subject", "Undelivered Mail Returned to Sender"),
            ("Message-ID", "<bounce.1@mx.acme.example>"),
            (
                "Content-Type",
                "multipart/report; report-type=delivery-status; boundary=\"r\"",
            ),
        ],
        "--r\nContent-Type: text/plain\n\nDelivery failed.\n--r\nContent-Type: message/delivery-status\n\nStatus: 5.1.1\n--r--\n",
    );
    let list = mail(
        &[
            ("From", "news@lists.example"),
            ("Subject", "Weekly digest"),
            ("List-Id", "<digest.lists.example>"),
        ],
        "News.",
    );
    dovecot
        .append(&[NEW_THREAD, &auto_reply, &bounce, &list])
        .await;
    assert_eq!(dovecot.unseen().await, 4);
    let targets = t.app.mailboxes_to_poll().await.unwrap();
    assert_eq!(targets.len(), 1);
    let round = steward_app::resolution::mail_poll::poll_once(&t.app, &targets[0])
        .await
        .unwrap();
    assert_eq!(round.stored, 4);
    // Stored first, then flagged: nothing is left unseen.
    assert_eq!(dovecot.unseen().await, 0);

    let opened = incidents(&t).await;
    assert_eq!(opened.len(), 1, "only the person's message opens a record");
    let incident = &opened[0];
    let (id, number) = (incident["id"].as_i64().unwrap(), incident["number"].clone());
    assert_eq!(incident["title"], "Printer on floor 3 jams");
    assert_eq!(incident["channel"], "email");
    assert_eq!(incident["organization_id"], acme);
    let description = incident["description"].as_str().unwrap();
    assert!(
        description.contains("It jams every time & blinks."),
        "{description}"
    );
    assert!(
        !description.contains('<'),
        "no markup is kept: {description}"
    );
    let r = t
        .get(&format!("/api/v1/incidents/{id}/attachments"), &t.admin)
        .await;
    assert_eq!(r.body.as_array().unwrap().len(), 1, "{}", r.body);
    assert_eq!(r.body[0]["file_name"], "error.log");

    let entries = log(&t).await;
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["received", "ignored", "ignored", "ignored"]);
    assert_eq!(entries[0]["action"], "created");
    assert_eq!(entries[0]["ticket_id"], id);
    assert!(
        entries[1]["reason"]
            .as_str()
            .unwrap()
            .contains("Auto-Submitted")
    );
    assert!(
        entries[2]["reason"]
            .as_str()
            .unwrap()
            .contains("delivery-status")
    );
    assert!(entries[3]["reason"].as_str().unwrap().contains("List-Id"));
    let original = t
        .get(
            &format!("/api/v1/inbound-messages/{}/original", entries[0]["id"]),
            &t.admin,
        )
        .await;
    assert_eq!(original.status, 200);
    assert_eq!(original.content_type(), "message/rfc822");

    // Ann answers the thread (In-Reply-To her first message), Arne writes from the provider's
    // domain with the record's tag, and Bob of Acme (unknown until now) answers a Message-ID
    // that outgoing mail carries; the first message arrives a second time.
    let number = number.as_str().unwrap();
    let ann_reply = mail(
        &[
            ("From", "ann@acme.example"),
            ("Subject", "Re: Printer on floor 3 jams"),
            ("Message-ID", "<second.2@acme.example>"),
            ("In-Reply-To", "<first.1@acme.example>"),
        ],
        "Still jamming.",
    );
    let arne_note = mail(
        &[
            ("From", "Arne <arne@desk.example>"),
            ("Subject", &format!("[{number}] ordered a new roller")),
            ("Message-ID", "<note.3@desk.example>"),
        ],
        "Roller ordered from the supplier.",
    );
    let bob_reply = mail(
        &[
            ("From", "Bob <bob@acme.example>"),
            ("Subject", "Re: your incident"),
            ("Message-ID", "<bob.4@acme.example>"),
            ("References", &format!("<{number}.8f3a@desk.example>")),
        ],
        "Same on floor 4.",
    );
    dovecot
        .append(&[&ann_reply, &arne_note, &bob_reply, NEW_THREAD])
        .await;
    let round = steward_app::resolution::mail_poll::poll_once(&t.app, &targets[0])
        .await
        .unwrap();
    assert_eq!((round.stored, round.duplicates), (3, 1));
    assert_eq!(
        incidents(&t).await.len(),
        1,
        "replies and the duplicate open nothing"
    );
    let r = t
        .get(&format!("/api/v1/incidents/{id}/comments"), &t.admin)
        .await;
    let comments = r.body.as_array().unwrap();
    let seen: Vec<(bool, &str)> = comments
        .iter()
        .map(|c| (c["public"].as_bool().unwrap(), c["body"].as_str().unwrap()))
        .collect();
    assert_eq!(
        seen,
        [
            (true, "Still jamming."),
            (false, "Roller ordered from the supplier."),
            (true, "Same on floor 4."),
        ]
    );
    let actions: Vec<Value> = log(&t).await[4..]
        .iter()
        .map(|e| e["action"].clone())
        .collect();
    assert_eq!(
        actions,
        [json!("replied"), json!("noted"), json!("replied")]
    );
    // Bob became a contact of Acme, found by his address's domain.
    let r = t.get("/api/v1/users?q=bob", &t.admin).await;
    assert_eq!(r.body["items"][0]["organization_id"], acme, "{}", r.body);
    assert_eq!(log(&t).await.len(), 7, "the duplicate is stored once");
}

#[tokio::test]
async fn mailgate_takes_one_message_on_stdin_with_exit_codes_an_mta_understands() {
    let t = TestApp::spawn().await;
    desk(&t).await;
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({"name": "Requests", "queue": "request"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let gate = |input: &str| {
        let out = steward_cli_stdin(
            &t.database_url,
            &["mailgate", "--queue", "requests"],
            input.as_bytes(),
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let new = mail(
        &[
            ("From", "ann@acme.example"),
            ("Subject", "New laptop please"),
            ("Message-ID", "<laptop.1@acme.example>"),
        ],
        "For our new colleague.",
    );
    assert_eq!(gate(&new).0, Some(0));
    assert_eq!(gate(&new).0, Some(0), "a second delivery is accepted");
    let r = t.get("/api/v1/requests", &t.admin).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["title"], "New laptop please");

    let auto = mail(
        &[
            ("From", "ann@acme.example"),
            ("Subject", "Automatic reply"),
            ("X-Autoreply", "yes"),
        ],
        "Away.",
    );
    assert_eq!(
        gate(&auto).0,
        Some(0),
        "automatic mail is accepted and ignored"
    );
    let stranger = mail(
        &[("From", "eve@elsewhere.example"), ("Subject", "Hi")],
        "Who are you?",
    );
    let (code, err) = gate(&stranger);
    assert_eq!(code, Some(67), "{err}");
    assert!(err.contains("unknown sender"), "{err}");
    let (code, err) = gate("");
    assert_eq!(code, Some(65), "{err}");
    let r = t.get("/api/v1/requests", &t.admin).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    let entries = log(&t).await;
    let statuses: Vec<&str> = entries
        .iter()
        .map(|e| e["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["received", "ignored", "rejected", "rejected"]);
    assert!(
        entries[3]["reason"]
            .as_str()
            .unwrap()
            .starts_with("unreadable"),
        "the unreadable message is kept with its reason: {}",
        entries[3]
    );

    // No such mailbox: refused; no database: try again later.
    let out = steward_cli_stdin(
        &t.database_url,
        &["mailgate", "--queue", "nowhere"],
        new.as_bytes(),
    );
    assert_eq!(out.status.code(), Some(67));
    let out = steward_cli_stdin(
        "postgres://steward@127.0.0.1:1/unreachable",
        &["mailgate", "--queue", "requests"],
        new.as_bytes(),
    );
    assert_eq!(
        out.status.code(),
        Some(75),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn mailboxes_are_for_administrators_and_refuse_bad_settings() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let r = t.get("/api/v1/mailboxes", &agent).await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({"name": "Support", "queue": "incident", "imap_host": "imap.example.org",
                   "imap_port": 70000, "internal_domains": ["not a domain"]}),
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["imap_port", "imap_user", "internal_domains[0]"]);
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({"name": "Support", "queue": "incident"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({"name": "support", "queue": "request"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let r = t
        .post(&format!("/api/v1/mailboxes/{id}/test"), &t.admin, json!({}))
        .await;
    assert_eq!(
        r.status, 422,
        "a mailbox without IMAP has nothing to test: {}",
        r.body
    );
}

/// A new thread with its own Message-ID and subject.
fn new_thread(n: u32) -> String {
    mail(
        &[
            ("From", "ann@acme.example"),
            ("To", "support@desk.example"),
            ("Subject", &format!("Scanner {n} offline")),
            ("Message-ID", &format!("<scanner.{n}@acme.example>")),
        ],
        "It shows no light.",
    )
}

fn field_names(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

/// IMAP over implicit TLS and over STARTTLS against a Dovecot whose certificate is signed
/// by a CA the test makes: trusting that CA through the mailbox's trusted certificate, a
/// message appended over TLS becomes a record, and the server logged every login as made
/// over TLS. Without the CA the certificate is refused before the password is sent, and
/// the refusal is the mailbox's visible error. A trusted certificate that is no PEM
/// certificate is refused next to its field.
#[tokio::test]
async fn imap_over_tls_and_starttls_trusting_the_mailboxs_own_ca() {
    let dir = temp_dir("imap-tls");
    let (ca, cert, key) = certificates(&dir);
    let dovecot = match Dovecot::start_tls(&cert, &key) {
        Ok(d) => d,
        Err(why) => {
            eprintln!("SKIPPED imap_over_tls…: no Dovecot to test against ({why})");
            return;
        }
    };
    let imaps = dovecot.imaps_port.expect("an imaps port");
    let t = TestApp::spawn().await;
    desk(&t).await;
    let mailbox = |security: &str, port: u16, trusted: &str| {
        json!({
            "name": "Support", "queue": "incident",
            "imap_host": "127.0.0.1", "imap_port": port, "imap_security": security,
            "imap_user": "support", "imap_password": "secret",
            "imap_trusted_certificate": trusted,
        })
    };
    for bad in [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n",
    ] {
        let r = t
            .post("/api/v1/mailboxes", &t.admin, mailbox("tls", imaps, bad))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(field_names(&r.body), ["imap_trusted_certificate"]);
    }
    let r = t
        .post("/api/v1/mailboxes", &t.admin, mailbox("tls", imaps, &ca))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    assert_eq!(r.body["imap_security"], "tls");
    assert!(
        r.body["imap_trusted_certificate"]
            .as_str()
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );
    let r = t
        .post(&format!("/api/v1/mailboxes/{id}/test"), &t.admin, json!({}))
        .await;
    assert_eq!(r.body["ok"], true, "{}", r.body);

    // A mail client delivers over TLS too, trusting the same CA.
    let over_tls = |security: ImapSecurity, port: u16| Account {
        security,
        port,
        trusted_certificate: Some(ca.clone()),
        ..dovecot.account()
    };
    append_as(&over_tls(ImapSecurity::Tls, imaps), &[&new_thread(1)]).await;
    let poll = |t: &TestApp| {
        let app = t.app.clone();
        async move {
            let targets = app.mailboxes_to_poll().await.unwrap();
            let mut rounds = Vec::new();
            for target in &targets {
                rounds.push(
                    steward_app::resolution::mail_poll::poll_once(&app, target)
                        .await
                        .map(|r| r.stored)
                        .map_err(|e| e.to_string()),
                );
            }
            rounds
        }
    };
    assert_eq!(poll(&t).await, [Ok(1)]);
    let opened = incidents(&t).await;
    assert_eq!(opened.len(), 1);
    assert_eq!(opened[0]["title"], "Scanner 1 offline");

    // The same mailbox over STARTTLS on the plain port.
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/mailboxes/{id}"),
            Some(&t.admin),
            Some(mailbox("starttls", dovecot.port, &ca)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["has_password"], true);
    append_as(
        &over_tls(ImapSecurity::Starttls, dovecot.port),
        &[&new_thread(2)],
    )
    .await;
    assert_eq!(poll(&t).await, [Ok(1)]);
    assert_eq!(incidents(&t).await.len(), 2);
    let logins = dovecot.logins();
    // Test, append and poll over TLS; append and poll over STARTTLS.
    assert!(logins.len() >= 5, "{logins:#?}");
    assert!(
        logins.iter().all(|l| l.contains(", TLS,")),
        "every login was made over TLS: {logins:#?}"
    );

    // Without the CA, the server's certificate is not trusted: no login, and the mailbox
    // says why, on the API and on the mailboxes screen's data.
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/mailboxes/{id}"),
            Some(&t.admin),
            Some(mailbox("tls", imaps, "")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["imap_trusted_certificate"], Value::Null);
    let r = t
        .post(&format!("/api/v1/mailboxes/{id}/test"), &t.admin, json!({}))
        .await;
    assert_eq!(r.body["ok"], false, "{}", r.body);
    let message = r.body["message"].as_str().unwrap().to_lowercase();
    assert!(message.contains("certificate"), "{message}");
    append_as(&over_tls(ImapSecurity::Tls, imaps), &[&new_thread(3)]).await;
    let before = dovecot.logins().len();
    let rounds = poll(&t).await;
    assert_eq!(rounds.len(), 1);
    let refused = rounds[0].as_ref().unwrap_err().to_lowercase();
    assert!(refused.contains("certificate"), "{refused}");
    assert_eq!(dovecot.logins().len(), before, "no password was sent");
    let r = t.get(&format!("/api/v1/mailboxes/{id}"), &t.admin).await;
    let shown = r.body["last_error"].as_str().unwrap_or_default();
    assert!(shown.to_lowercase().contains("certificate"), "{}", r.body);
    assert_eq!(incidents(&t).await.len(), 2, "nothing was read");

    // The screen: the refusal in the mailbox's row, the field in the form, and a
    // certificate that is no certificate refused next to that field.
    let mut b = crate::ui::Browser::new(&t);
    b.login("admin", crate::support::ADMIN_PASSWORD).await;
    let list = b.get("/manage/mailboxes").await;
    assert_eq!(list.status, 200);
    assert!(
        list.body.contains("failed: TLS with 127.0.0.1"),
        "{}",
        list.body
    );
    assert!(list.body.contains("name=\"imap_trusted_certificate\""));
    let csrf = crate::ui::csrf_of(&list.body);
    let page = b
        .post(
            "/manage/mailboxes",
            &[
                ("csrf", &csrf),
                ("name", "Other"),
                ("queue", "incident"),
                ("imap_host", "127.0.0.1"),
                ("imap_user", "support"),
                ("imap_security", "tls"),
                ("imap_trusted_certificate", "not a certificate"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(
        page.body.contains("id=\"ce-imap_trusted_certificate\""),
        "{}",
        page.body
    );
}

/// The IMAP password is stored encrypted: the raw column holds no trace of it, yet the
/// poller logs in with it. A node with another key, or none, cannot read it and says so on
/// the mailbox instead of logging in. A password left in plain text by an older version is
/// encrypted by the start-up step, and still works.
#[tokio::test]
async fn the_imap_password_is_stored_encrypted_and_needs_the_key() {
    let dovecot = match Dovecot::start() {
        Ok(d) => d,
        Err(why) => {
            eprintln!("SKIPPED the_imap_password…: no Dovecot to test against ({why})");
            return;
        }
    };
    let t = TestApp::spawn().await;
    desk(&t).await;
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({
                "name": "Support", "queue": "incident",
                "imap_host": "127.0.0.1", "imap_port": dovecot.port, "imap_security": "plain",
                "imap_user": "support", "imap_password": "secret",
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let raw = stored_password(&t, id).await;
    assert_eq!(raw.0, None, "no plain text");
    let sealed = raw.1.expect("a sealed password");
    assert!(!sealed.contains("secret"), "{sealed}");
    assert!(
        !sealed.contains(&hex_of("secret")),
        "not merely encoded: {sealed}"
    );
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=mailbox&record_id={id}"),
            &t.admin,
        )
        .await;
    assert!(
        !audit.body.to_string().contains("secret\""),
        "{}",
        audit.body
    );

    // Mail flows with it.
    dovecot.append(&[&new_thread(1)]).await;
    let target = &t.app.mailboxes_to_poll().await.unwrap()[0];
    let round = steward_app::resolution::mail_poll::poll_once(&t.app, target)
        .await
        .unwrap();
    assert_eq!(round.stored, 1);

    // Another key, then none: the password cannot be read, the mailbox says so.
    let other = TestApp::spawn_with(
        t.database_url.clone(),
        steward_app::Settings {
            secret_key: Some(steward_app::foundation::sealing::SecretKey::generate().unwrap()),
            ..Default::default()
        },
    )
    .await;
    let keyless = steward_app::App::new(t.app.db().clone(), Default::default());
    dovecot.append(&[&new_thread(2)]).await;
    for (app, why) in [
        (&other.app, "this node's key is"),
        (&keyless, "no secret key"),
    ] {
        let target = &app.mailboxes_to_poll().await.unwrap()[0];
        let refused = steward_app::resolution::mail_poll::poll_once(app, target)
            .await
            .unwrap_err()
            .to_string();
        assert!(refused.contains(why), "{refused}");
        let r = t.get(&format!("/api/v1/mailboxes/{id}"), &t.admin).await;
        let shown = r.body["last_error"].as_str().unwrap();
        assert!(
            shown.contains("the stored IMAP password cannot be read") && shown.contains(why),
            "{shown}"
        );
    }
    let r = other
        .post(
            &format!("/api/v1/mailboxes/{id}/test"),
            &other.admin,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["ok"], false, "{}", r.body);
    assert!(
        r.body["message"].as_str().unwrap().contains("secret key"),
        "{}",
        r.body
    );
    assert_eq!(
        dovecot.unseen().await,
        1,
        "nothing was read without the key"
    );

    // A password stored in plain text before encryption: still used, and sealed at start-up.
    {
        let mut tx = t.app.db().begin().await.unwrap();
        steward_store::on!(tx.ex(), c => sqlx::query(
            "UPDATE mailboxes SET imap_password_plain = 'secret', imap_password_sealed = NULL
             WHERE id = $1").bind(id).execute(c).await.map(|_| ()))
        .unwrap();
        tx.commit().await.unwrap();
    }
    let r = t.get(&format!("/api/v1/mailboxes/{id}"), &t.admin).await;
    assert_eq!(r.body["has_password"], true);
    assert_eq!(t.app.seal_plain_mail_passwords().await.unwrap(), 1);
    assert_eq!(t.app.seal_plain_mail_passwords().await.unwrap(), 0);
    let raw = stored_password(&t, id).await;
    assert_eq!(raw.0, None);
    assert!(!raw.1.unwrap().contains("secret"));
    let target = &t.app.mailboxes_to_poll().await.unwrap()[0];
    let round = steward_app::resolution::mail_poll::poll_once(&t.app, target)
        .await
        .unwrap();
    assert_eq!(round.stored, 1);
    let r = t.get(&format!("/api/v1/mailboxes/{id}"), &t.admin).await;
    assert_eq!(r.body["last_error"], Value::Null, "{}", r.body);
    assert_eq!(incidents(&t).await.len(), 2);
}

fn hex_of(text: &str) -> String {
    text.bytes().map(|b| format!("{b:02x}")).collect()
}

/// The raw password columns of a mailbox: (plain text, sealed).
async fn stored_password(t: &TestApp, id: i64) -> (Option<String>, Option<String>) {
    let mut conn = t.app.db().read().await.unwrap();
    steward_store::on!(conn.ex(), c => sqlx::query_as(
        "SELECT imap_password_plain, imap_password_sealed FROM mailboxes WHERE id = $1")
        .bind(id).fetch_one(c).await)
    .unwrap()
}
