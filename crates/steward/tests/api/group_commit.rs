//! Concurrent writes where some commands fail: on SQLite they share group transactions (each
//! command in its own savepoint), on PostgreSQL each has its own. Either way every accepted
//! create is stored, every refused one leaves nothing, numbers run without a gap and the audit
//! chain verifies.
use crate::support::{TestApp, steward_cli};
use serde_json::json;
use std::collections::BTreeSet;

#[tokio::test]
async fn concurrent_creates_with_failures_in_between_keep_every_accepted_one_and_nothing_else() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let audit_before = t.audit_count().await;
    const N: usize = 96;
    let mut tasks = Vec::new();
    for i in 0..N {
        let (http, url, token) = (
            t.http.clone(),
            format!("{}/api/v1/incidents", t.url),
            t.admin.clone(),
        );
        // Every third command names an organization that does not exist: it fails inside its
        // transaction, between commands that succeed.
        let bad = i % 3 == 1;
        let title = format!("group member {i}");
        let body = json!({
            "title": title,
            "impact": "low",
            "urgency": "low",
            "organization_id": if bad { 987_654 } else { org },
        });
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = r.status().as_u16();
            let body: serde_json::Value = r.json().await.unwrap();
            (i, bad, title, status, body)
        }));
    }
    let mut accepted = BTreeSet::new();
    let mut numbers = Vec::new();
    for task in tasks {
        let (i, bad, title, status, body) = task.await.unwrap();
        if bad {
            assert_eq!(status, 422, "command {i}: {body}");
        } else {
            assert_eq!(status, 201, "command {i}: {body}");
            assert_eq!(body["title"], title.as_str());
            numbers.push(body["number"].as_str().unwrap().to_owned());
            accepted.insert(title);
        }
    }
    let good = N - N / 3;
    assert_eq!(accepted.len(), good);
    numbers.sort();
    let expected: Vec<String> = (1..=good).map(|n| format!("INC-{n:06}")).collect();
    assert_eq!(numbers, expected, "numbers are gap-free and unique");

    // Stored: exactly the accepted ones, each readable, and nothing of the refused ones.
    let r = t.get("/api/v1/incidents?limit=200", &t.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["total"], good, "{}", r.body);
    let stored: BTreeSet<String> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["title"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stored, accepted);
    // One audit entry per accepted create, none for a refused one.
    assert_eq!(t.audit_count().await, audit_before + good as i64);

    // The chain verifies, in the server and with the operator's command.
    assert!(t.app.verify_audit().await.expect("verify").is_ok());
    let o = steward_cli(&t.database_url, &["audit", "verify"]);
    assert!(
        o.status.success(),
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
}
