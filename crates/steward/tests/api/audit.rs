//! The audit trail: written with every change, readable by auditors, tamper-evident.
use crate::support::{TestApp, postgres_url};
use serde_json::json;
use steward_domain::foundation::audit::ChainBreak;

/// Runs SQL directly on the database, as someone with file or superuser access would,
/// after switching off the append-only triggers.
pub async fn tamper(database_url: &str, statements: &[&str]) {
    use sqlx::Connection;
    if postgres_url().is_some() {
        let mut c = sqlx::PgConnection::connect(database_url).await.unwrap();
        sqlx::query("ALTER TABLE audit_log DISABLE TRIGGER USER")
            .execute(&mut c)
            .await
            .unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
        }
    } else {
        let mut c = sqlx::SqliteConnection::connect(database_url).await.unwrap();
        sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_update")
            .execute(&mut c)
            .await
            .unwrap();
        sqlx::query("DROP TRIGGER IF EXISTS audit_log_no_delete")
            .execute(&mut c)
            .await
            .unwrap();
        for s in statements {
            sqlx::query(sqlx::AssertSqlSafe(s.to_string()))
                .execute(&mut c)
                .await
                .unwrap();
        }
    }
}

async fn verify(t: &TestApp) -> Result<i64, ChainBreak> {
    t.app.verify_audit().await.expect("verify")
}

/// Four audited changes: an organization created and renamed, a team created, a user created.
async fn some_history(t: &TestApp) -> i64 {
    let org = t.create_org("Acme").await;
    t.patch(
        &format!("/api/v1/organizations/{org}"),
        &t.admin,
        json!({"name": "Acme Inc"}),
    )
    .await;
    t.post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await;
    t.user("zed", "agent", None).await;
    org
}

#[tokio::test]
async fn every_change_is_audited_with_actor_and_before_after() {
    let t = TestApp::spawn().await;
    let org = some_history(&t).await;
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=organization&record_id={org}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    let update = &r.body["items"][0];
    assert_eq!(update["action"], "update");
    assert_eq!(update["actor"], "admin");
    assert_eq!(update["actor_id"], t.admin_id);
    assert_eq!(update["before"]["name"], "Acme");
    assert_eq!(update["after"]["name"], "Acme Inc");
    let create = &r.body["items"][1];
    assert_eq!(create["action"], "create");
    assert!(create["before"].is_null());
    assert_eq!(update["prev_hash"], create["hash"]);

    let r = t
        .get(
            &format!("/api/v1/audit?actor_id={}&record_type=team", t.admin_id),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 1);
    let r = t
        .get(
            "/api/v1/audit?from=2000-01-01T00:00:00Z&to=2000-01-02T00:00:00Z",
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 0);
    let r = t
        .get("/api/v1/audit?from=2000-01-01T00:00:00Z", &t.admin)
        .await;
    assert!(r.body["total"].as_i64().unwrap() >= 4);

    let (_, auditor) = t.user("ada", "auditor", None).await;
    assert_eq!(t.get("/api/v1/audit", &auditor).await.status, 200);
    assert!(verify(&t).await.is_ok());
}

#[tokio::test]
async fn the_audit_log_refuses_updates_and_deletes() {
    use sqlx::Connection;
    let t = TestApp::spawn().await;
    some_history(&t).await;
    let (update, delete) = if postgres_url().is_some() {
        let mut c = sqlx::PgConnection::connect(&t.database_url).await.unwrap();
        let u = sqlx::query("UPDATE audit_log SET actor = 'mallory'")
            .execute(&mut c)
            .await
            .err();
        let d = sqlx::query("DELETE FROM audit_log")
            .execute(&mut c)
            .await
            .err();
        (u, d)
    } else {
        let mut c = sqlx::SqliteConnection::connect(&t.database_url)
            .await
            .unwrap();
        let u = sqlx::query("UPDATE audit_log SET actor = 'mallory'")
            .execute(&mut c)
            .await
            .err();
        let d = sqlx::query("DELETE FROM audit_log")
            .execute(&mut c)
            .await
            .err();
        (u, d)
    };
    for err in [update, delete] {
        let err = err.expect("the change must be refused").to_string();
        assert!(err.contains("append-only"), "{err}");
    }
    assert!(verify(&t).await.is_ok());
}

#[tokio::test]
async fn an_altered_entry_is_found_and_named() {
    let t = TestApp::spawn().await;
    some_history(&t).await;
    let n = verify(&t).await.expect("intact");
    assert!(n >= 5);
    tamper(
        &t.database_url,
        &["UPDATE audit_log SET after_json = '{\"name\":\"Evil\"}' WHERE seq = 2"],
    )
    .await;
    let broken = verify(&t).await.unwrap_err();
    assert_eq!(broken.seq, 2, "{broken}");
}

#[tokio::test]
async fn a_removed_entry_is_found() {
    let t = TestApp::spawn().await;
    some_history(&t).await;
    tamper(&t.database_url, &["DELETE FROM audit_log WHERE seq = 3"]).await;
    assert_eq!(verify(&t).await.unwrap_err().seq, 3);
}

#[tokio::test]
async fn removing_the_newest_entries_is_found() {
    let t = TestApp::spawn().await;
    some_history(&t).await;
    tamper(
        &t.database_url,
        &["DELETE FROM audit_log WHERE seq = (SELECT MAX(seq) FROM audit_log)"],
    )
    .await;
    assert!(verify(&t).await.is_err());
}

#[tokio::test]
async fn reordered_entries_are_found() {
    let t = TestApp::spawn().await;
    some_history(&t).await;
    // Swap the content of entries 2 and 3 (their sequence numbers stay in order).
    tamper(
        &t.database_url,
        &[
            "UPDATE audit_log SET seq = -2 WHERE seq = 2",
            "UPDATE audit_log SET seq = 2 WHERE seq = 3",
            "UPDATE audit_log SET seq = 3 WHERE seq = -2",
        ],
    )
    .await;
    assert_eq!(verify(&t).await.unwrap_err().seq, 2);
}

#[tokio::test]
async fn concurrent_writers_keep_the_chain_intact() {
    let t = TestApp::spawn().await;
    let mut tasks = Vec::new();
    for i in 0..40 {
        let http = t.http.clone();
        let url = format!("{}/api/v1/organizations", t.url);
        let token = t.admin.clone();
        tasks.push(tokio::spawn(async move {
            http.post(url)
                .bearer_auth(token)
                .json(&json!({"name": format!("Org {i}")}))
                .send()
                .await
                .unwrap()
                .status()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let n = verify(&t).await.expect("intact");
    assert!(n >= 41, "{n}");
}
