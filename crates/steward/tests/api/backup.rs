//! `steward backup` / `steward restore`: a copy taken while a server holds the database,
//! restored into a fresh database, equal to the original table by table and row by row, with
//! its audit chain intact; and `steward doctor`, which names what is wrong.
use crate::audit::tamper;
use crate::support::{TestApp, fresh_database_url, postgres_url, temp_dir};
use reqwest::Method;
use serde_json::json;
use sqlx::Connection;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use steward_app::{App, Settings};
use steward_store::{Db, DbOptions, SqliteLock};

use crate::support::steward_cli as steward;

fn text(o: &Output) -> String {
    format!(
        "status {}\nstdout:\n{}\nstderr:\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// Records of several kinds, each through the API (and so each in the audit trail), including
/// binary attachment content.
async fn some_records(t: &TestApp) {
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let r = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live", "customer_ids": [acme]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let incident = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Mail bounces — ünïcode", "urgency": "high"}),
        )
        .await
        .id();
    let r = t
        .post(
            &format!("/api/v1/incidents/{incident}/comments"),
            &agent,
            json!({"body": "Looking into it"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = t
        .raw(
            Method::POST,
            &format!("/api/v1/incidents/{incident}/attachments?name=trace.bin"),
            Some(&customer),
            "application/octet-stream",
            (0..=255u8).cycle().take(3000).collect(),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
}

/// Every table of the database, each as its rows rendered to text and sorted: two databases
/// with equal dumps hold the same rows in the same tables.
async fn dump(url: &str) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    if url.starts_with("sqlite:") {
        let mut c = sqlx::SqliteConnection::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        for table in tables {
            let columns: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{table}')"
            )))
            .fetch_all(&mut c)
            .await
            .unwrap();
            // quote() renders each value exactly: text quoted, blobs in hex, reals in full.
            let row = columns
                .iter()
                .map(|col| format!("quote(\"{col}\")"))
                .collect::<Vec<_>>()
                .join(" || '|' || ");
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT {row} FROM \"{table}\" ORDER BY 1"
            )))
            .fetch_all(&mut c)
            .await
            .unwrap();
            out.insert(table, rows);
        }
        c.close().await.ok();
    } else {
        let mut c = sqlx::PgConnection::connect(url).await.unwrap();
        let tables: Vec<String> = sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables
             WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
        )
        .fetch_all(&mut c)
        .await
        .unwrap();
        for table in tables {
            let rows: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT t::text FROM \"{table}\" t ORDER BY 1"
            )))
            .fetch_all(&mut c)
            .await
            .unwrap();
            out.insert(table, rows);
        }
        c.close().await.ok();
    }
    out
}

async fn verify_chain(url: &str) -> i64 {
    let db = Db::connect(url, &DbOptions::default()).await.unwrap();
    let verdict = App::new(db.clone(), Settings::default())
        .verify_audit()
        .await
        .unwrap();
    db.close().await;
    verdict.unwrap_or_else(|b| panic!("audit chain broken at {}: {}", b.seq, b.reason))
}

/// The one file a backup wrote into `dir`.
fn only_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_serving_restores_into_a_fresh_database_row_for_row() {
    let t = TestApp::spawn().await;
    some_records(&t).await;
    // The lock `steward serve` holds on a SQLite file: the backup must not need it.
    let _server_lock = SqliteLock::for_url(&t.database_url).unwrap();
    let dir = temp_dir("backup");
    let o = steward(&t.database_url, &["backup", dir.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    let file = only_file(&dir);
    let name = file.file_name().unwrap().to_string_lossy().into_owned();
    let extension = if postgres_url().is_some() {
        ".pgdump"
    } else {
        ".db"
    };
    assert!(
        name.starts_with("steward-") && name.ends_with(extension),
        "{name}"
    );
    // Never over an existing file.
    let o = steward(&t.database_url, &["backup", file.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("refusing to overwrite"), "{}", text(&o));

    // Not over the serving database: on SQLite a server holds it, on PostgreSQL it has records.
    let o = steward(&t.database_url, &["restore", file.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    let reason = if postgres_url().is_some() {
        "already holds records"
    } else {
        "in use"
    };
    assert!(text(&o).contains(reason), "{}", text(&o));

    let target = fresh_database_url().await;
    let o = steward(&target, &["restore", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("audit chain intact"), "{}", text(&o));

    let (original, restored) = (dump(&t.database_url).await, dump(&target).await);
    for table in [
        "users",
        "organizations",
        "audit_log",
        "ticket_attachments",
        "_sqlx_migrations",
    ] {
        assert!(original.contains_key(table), "no table {table}");
    }
    assert_eq!(
        original.keys().collect::<Vec<_>>(),
        restored.keys().collect::<Vec<_>>()
    );
    for (table, rows) in &original {
        assert_eq!(rows, &restored[table], "table {table} differs");
    }
    let entries = verify_chain(&target).await;
    assert_eq!(entries, verify_chain(&t.database_url).await);
    assert!(entries >= 7, "{entries}");

    // The restored database serves and takes new records (PostgreSQL's sequences came along).
    drop(_server_lock);
    let node = TestApp::spawn_on(target).await;
    let r = node
        .post(
            "/api/v1/organizations",
            &node.admin,
            json!({"name": "After"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = node.get("/api/v1/incidents", &node.admin).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
}

#[tokio::test]
async fn restore_replaces_a_database_with_records_only_when_forced() {
    let t = TestApp::spawn().await;
    some_records(&t).await;
    let file = temp_dir("forced").join("copy.backup");
    let o = steward(&t.database_url, &["backup", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));

    // Another database in use: migrated, with an organization of its own.
    let target = fresh_database_url().await;
    let o = steward(&target, &["org", "create", "Initech"]);
    assert!(o.status.success(), "{}", text(&o));
    let before = dump(&target).await;
    let o = steward(&target, &["restore", file.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("--force"), "{}", text(&o));
    assert_eq!(
        dump(&target).await,
        before,
        "a refused restore changes nothing"
    );

    let o = steward(&target, &["restore", "--force", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    assert_eq!(dump(&target).await, dump(&t.database_url).await);
    verify_chain(&target).await;

    // A file that is no backup for this backend is refused before anything changes.
    let junk = temp_dir("junk").join("notes.txt");
    std::fs::write(&junk, "not a backup").unwrap();
    let o = steward(&target, &["restore", "--force", junk.to_str().unwrap()]);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("is not a"), "{}", text(&o));
}

#[tokio::test]
async fn a_backup_under_concurrent_writes_is_a_consistent_snapshot() {
    let t = TestApp::spawn().await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let (http, url, token, stop) = (
            t.http.clone(),
            format!("{}/api/v1/organizations", t.url),
            t.admin.clone(),
            stop.clone(),
        );
        tokio::spawn(async move {
            let mut created: u32 = 0;
            while created < 3000 && !stop.load(std::sync::atomic::Ordering::SeqCst) {
                let r = http
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({"name": format!("Org {created}")}))
                    .send()
                    .await
                    .unwrap();
                assert_eq!(r.status(), 201);
                created += 1;
            }
            created
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let file = temp_dir("busy").join("busy.backup");
    let (url, path) = (t.database_url.clone(), file.clone());
    let o = tokio::task::spawn_blocking(move || steward(&url, &["backup", path.to_str().unwrap()]))
        .await
        .unwrap();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    let created = writer.await.unwrap();
    assert!(o.status.success(), "{}", text(&o));

    let target = fresh_database_url().await;
    let o = steward(&target, &["restore", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o));
    // Each organization in the copy has its audit entry, and the chain is whole: the copy is
    // one moment of the database, not a mix of two.
    let count = |sql: &'static str| {
        let target = target.clone();
        async move {
            let db = Db::connect(&target, &DbOptions::default()).await.unwrap();
            let mut conn = db.read().await.unwrap();
            let n: i64 = steward_store::on!(conn.ex(), c => sqlx::query_scalar(sql)
                .fetch_one(c)
                .await
                .unwrap());
            drop(conn);
            db.close().await;
            n
        }
    };
    let orgs = count("SELECT COUNT(*) FROM organizations").await;
    let audited = count(
        "SELECT COUNT(*) FROM audit_log WHERE record_type = 'organization' AND action = 'create'",
    )
    .await;
    assert_eq!(orgs, audited);
    let created = i64::from(created);
    assert!(orgs > 0 && orgs <= created, "{orgs} of {created}");
    verify_chain(&target).await;
}

fn doctor(database_url: &str) -> Output {
    let data_dir = temp_dir("doctor-data");
    steward(
        database_url,
        &["doctor", "--data-dir", data_dir.to_str().unwrap()],
    )
}

#[tokio::test]
async fn doctor_passes_a_healthy_installation_and_names_a_tampered_audit_entry() {
    let t = TestApp::spawn().await;
    some_records(&t).await;
    let o = doctor(&t.database_url);
    assert!(o.status.success(), "{}", text(&o));
    let out = text(&o);
    for line in [
        "ok   configuration:",
        "ok   database:",
        "ok   schema: version",
        "ok   audit chain:",
        "disk space:",
    ] {
        assert!(out.contains(line), "no {line:?} in {out}");
    }
    assert!(!out.contains("FAIL"), "{out}");

    tamper(
        &t.database_url,
        &["UPDATE audit_log SET after_json = '{\"name\":\"Evil\"}' WHERE seq = 2"],
    )
    .await;
    let o = doctor(&t.database_url);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("FAIL audit chain: BROKEN at entry 2"),
        "{}",
        text(&o)
    );
}

/// The doctor opens every stored mail password with the key it is given: without one (a
/// backup restored without its key file) it fails naming the mailbox; with the key the
/// passwords were sealed under it passes; and it creates no key file.
#[tokio::test]
async fn doctor_checks_that_the_secret_key_opens_the_stored_mail_passwords() {
    let t = TestApp::spawn().await;
    let o = doctor(&t.database_url);
    assert!(
        text(&o).contains("ok   secret key: none yet and no mail password stored"),
        "{}",
        text(&o)
    );
    let r = t
        .post(
            "/api/v1/mailboxes",
            &t.admin,
            json!({
                "name": "Support", "queue": "incident",
                "imap_host": "127.0.0.1", "imap_port": 1143, "imap_security": "plain",
                "imap_user": "support", "imap_password": "secret"
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let o = doctor(&t.database_url);
    assert!(!o.status.success(), "{}", text(&o));
    let out = text(&o);
    assert!(
        out.contains("FAIL secret key: 1 of 1 stored mail password(s) cannot be opened (mailbox \"Support\": "),
        "{out}"
    );
    if let Some(file) = Path::new(t.database_url.trim_start_matches("sqlite://")).parent() {
        assert!(
            !file.join("secret.key").exists(),
            "the doctor created a key"
        );
    }

    let data_dir = temp_dir("doctor-key");
    let o = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["doctor", "--data-dir", data_dir.to_str().unwrap()])
        .args(["--database-url", &t.database_url])
        .env_remove("STEWARD_DATABASE_URL")
        .env_remove("STEWARD_CONFIG")
        .env(
            "STEWARD_SECRET_KEY",
            crate::support::test_secret_key().to_hex(),
        )
        .output()
        .unwrap();
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("ok   secret key: key ")
            && out.contains(
                "from secret_key (STEWARD_SECRET_KEY) opens all 1 stored mail password(s)"
            ),
        "{out}"
    );
}

#[tokio::test]
async fn doctor_fails_on_an_unreachable_database_a_newer_schema_and_a_bad_listen_address() {
    let missing = if let Some(url) = postgres_url() {
        let (base, _) = url.rsplit_once('/').unwrap();
        format!("{base}/steward_no_such_database")
    } else {
        format!(
            "sqlite://{}",
            temp_dir("nowhere").join("gone/steward.db").display()
        )
    };
    let o = doctor(&missing);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("FAIL database:"), "{}", text(&o));
    assert!(text(&o).contains("skip audit chain"), "{}", text(&o));
    if postgres_url().is_none() {
        assert!(text(&o).contains("no database at"), "{}", text(&o));
        let file = missing.trim_start_matches("sqlite://");
        assert!(!Path::new(file).exists(), "the doctor created a database");
    }

    // A database a newer steward has migrated.
    let t = TestApp::spawn().await;
    let from_the_future = if postgres_url().is_some() {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', TRUE, decode('00', 'hex'), 1)"
    } else {
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99990101000000, 'from the future', TRUE, X'00', 1)"
    };
    tamper(&t.database_url, &[from_the_future]).await;
    let o = doctor(&t.database_url);
    assert!(!o.status.success(), "{}", text(&o));
    assert!(text(&o).contains("FAIL schema:"), "{}", text(&o));
    assert!(text(&o).contains("newer version"), "{}", text(&o));

    let o = Command::new(env!("CARGO_BIN_EXE_steward"))
        .args(["doctor", "--database-url", &t.database_url])
        .env("STEWARD_LISTEN", "not an address")
        .env_remove("STEWARD_CONFIG")
        .output()
        .unwrap();
    assert!(!o.status.success(), "{}", text(&o));
    assert!(
        text(&o).contains("FAIL configuration: listen"),
        "{}",
        text(&o)
    );
}
