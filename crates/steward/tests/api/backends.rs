//! What must hold across the two backends.
use crate::support::{TestApp, fresh_database_url, postgres_url, temp_dir};
use serde_json::json;
use steward_store::{Db, DbOptions};

#[tokio::test]
async fn both_migration_sets_yield_the_same_tables_and_columns() {
    let Some(_) = postgres_url() else {
        eprintln!(
            "skipped: set STEWARD_TEST_DATABASE_URL=postgres://… to compare the SQLite and PostgreSQL schemas"
        );
        return;
    };
    let sqlite_url = format!("sqlite://{}", temp_dir("schema").join("s.db").display());
    let sqlite = Db::connect(&sqlite_url, &DbOptions::default())
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let postgres = Db::connect(&fresh_database_url().await, &DbOptions::default())
        .await
        .unwrap();
    postgres.migrate().await.unwrap();
    let mut a = sqlite.read().await.unwrap();
    let mut b = postgres.read().await.unwrap();
    let sqlite_schema = steward_store::foundation::schema::tables_and_columns(a.ex())
        .await
        .unwrap();
    let postgres_schema = steward_store::foundation::schema::tables_and_columns(b.ex())
        .await
        .unwrap();
    assert!(sqlite_schema.contains_key("audit_log"));
    assert_eq!(sqlite_schema, postgres_schema);
}

#[tokio::test]
async fn two_nodes_on_one_database_share_one_audit_chain() {
    let first = TestApp::spawn().await;
    if postgres_url().is_none() {
        eprintln!("skipped: several nodes need PostgreSQL (SQLite is single-node by design)");
        return;
    }
    let second = TestApp::spawn_on(first.database_url.clone()).await;
    let mut tasks = Vec::new();
    for i in 0..30 {
        let (url, token) = if i % 2 == 0 {
            (&first.url, &first.admin)
        } else {
            (&second.url, &second.admin)
        };
        let http = first.http.clone();
        let url = format!("{url}/api/v1/organizations");
        let token = token.clone();
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
    for t in tasks {
        assert_eq!(t.await.unwrap(), 201);
    }
    assert_eq!(
        second
            .get("/api/v1/organizations", &second.admin)
            .await
            .body["total"],
        30
    );
    assert!(first.app.verify_audit().await.unwrap().is_ok());
}

#[tokio::test]
async fn housekeeping_runs_on_one_node_at_a_time() {
    let first = TestApp::spawn().await;
    assert!(first.app.housekeeping("node-a").await.unwrap().is_some());
    // Another node must wait for the lease to expire; the holder may renew it.
    assert!(first.app.housekeeping("node-b").await.unwrap().is_none());
    assert!(first.app.housekeeping("node-a").await.unwrap().is_some());
}
