//! Report definitions and scheduled snapshots: a definition names its audience, reports,
//! filters and cadence; a snapshot of the last complete period is generated on schedule once
//! (two nodes on one database), stored immutably with the SHA-256 of its content, and
//! decisions and actions are recorded against it.
use crate::support::{TestApp, ts};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use steward_app::{Clock, Settings};

fn definition(name: &str) -> Value {
    json!({
        "name": name, "audience": "Monthly service review, Acme",
        "reports": ["volumes", "sla-compliance"], "cadence": "monthly", "priority": 3
    })
}

#[tokio::test]
async fn snapshots_are_generated_once_per_period_kept_immutable_and_carry_actions() {
    let clock = Clock::manual(ts("2026-02-10T09:00:00Z"));
    let settings = || Settings {
        clock: clock.clone(),
        ..Settings::default()
    };
    let t = TestApp::spawn_with_settings(settings()).await;
    let (_, manager) = t.user("mia", "manager", None).await;
    let (_, agent) = t.user("arne", "agent", None).await;
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
    clock.set(ts("2026-03-04T10:00:00Z"));

    // Managers define; agents may read but not define; bad input names its fields.
    t.post("/api/v1/report-definitions", &agent, definition("x"))
        .await
        .problem(403);
    let bad = t
        .post(
            "/api/v1/report-definitions",
            &manager,
            json!({"name": "x", "audience": "y", "reports": ["volumes", "nope"], "cadence": "hourly"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let created = t
        .post(
            "/api/v1/report-definitions",
            &manager,
            definition("Acme monthly"),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.id();
    assert_eq!(created.body["next_run_at"], "2026-04-01T00:00:00Z");
    assert_eq!(created.body["filters"]["priority"], 3);
    let dup = t
        .post(
            "/api/v1/report-definitions",
            &manager,
            definition("ACME monthly"),
        )
        .await;
    assert_eq!(dup.problem(409)["field"], "name");
    let bad = t
        .post(
            "/api/v1/report-definitions",
            &manager,
            json!({"name": "y", "audience": "z", "reports": ["nope"], "cadence": "weekly"}),
        )
        .await;
    assert_eq!(bad.problem(422)["errors"][0]["field"], "reports[0]");
    assert_eq!(
        t.get("/api/v1/report-definitions", &agent).await.status,
        200
    );

    // Generating now covers the last complete month, once.
    let run = t
        .post(
            &format!("/api/v1/report-definitions/{id}/run"),
            &manager,
            json!({}),
        )
        .await;
    assert_eq!(run.status, 201, "{}", run.body);
    let february = run.id();
    assert_eq!(run.body["period_from"], "2026-02-01T00:00:00Z");
    assert_eq!(run.body["period_to"], "2026-03-01T00:00:00Z");
    let volumes = &run.body["content"]["reports"][0];
    assert_eq!(volumes["name"], "volumes");
    assert_eq!(volumes["summary"][0]["value"], 2.0, "{volumes}");
    let again = t
        .post(
            &format!("/api/v1/report-definitions/{id}/run"),
            &manager,
            json!({}),
        )
        .await;
    assert_eq!((again.status.as_u16(), again.id()), (200, february));

    // The stored content hashes to the recorded SHA-256, and the database refuses changes.
    let (content, sha, refused) = {
        use steward_store::{Db, DbOptions, on};
        let db = Db::connect(&t.database_url, &DbOptions::default())
            .await
            .unwrap();
        let mut conn = db.read().await.unwrap();
        let (content, sha): (String, String) = on!(conn.ex(), c => sqlx::query_as(
            "SELECT content, content_sha256 FROM report_snapshots WHERE id = $1")
            .bind(february).fetch_one(c).await)
        .unwrap();
        let mut tx = db.begin().await.unwrap();
        let refused = on!(tx.ex(), c => sqlx::query(
            "UPDATE report_snapshots SET content = '{}' WHERE id = $1")
            .bind(february).execute(c).await.map(|_| ()))
        .is_err();
        (content, sha, refused)
    };
    assert_eq!(hex::encode(Sha256::digest(content.as_bytes())), sha);
    assert!(refused, "a snapshot could be changed");

    // On schedule: two nodes scan at once after the month ends; one March snapshot results.
    clock.set(ts("2026-04-01T00:00:30Z"));
    let second = TestApp::spawn_with(t.database_url.clone(), settings()).await;
    let (a, b) = tokio::join!(
        t.app.run_due_reports("node-a"),
        second.app.run_due_reports("node-b")
    );
    let generated = a.unwrap().unwrap_or(0) + b.unwrap().unwrap_or(0);
    assert_eq!(generated, 1);
    // Scanning again generates nothing, whichever node holds the lease.
    let again = [
        t.app.run_due_reports("node-a").await.unwrap(),
        second.app.run_due_reports("node-b").await.unwrap(),
    ];
    assert!(again.contains(&Some(0)), "{again:?}");
    assert!(again.iter().all(|n| n.unwrap_or(0) == 0), "{again:?}");
    let list = t
        .get(
            &format!("/api/v1/report-definitions/{id}/snapshots"),
            &agent,
        )
        .await
        .body;
    let periods: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["period_from"].as_str().unwrap())
        .collect();
    assert_eq!(
        periods,
        vec!["2026-03-01T00:00:00Z", "2026-02-01T00:00:00Z"]
    );
    assert!(list[0]["content"].is_null(), "lists leave the content out");
    let shown = t
        .get(&format!("/api/v1/report-definitions/{id}"), &agent)
        .await
        .body;
    assert_eq!(shown["next_run_at"], "2026-05-01T00:00:00Z");

    // Decisions and actions taken from a report.
    let audit_before = t.audit_count().await;
    t.post(
        &format!("/api/v1/report-snapshots/{february}/actions"),
        &agent,
        json!({"kind": "decision", "text": "x"}),
    )
    .await
    .problem(403);
    let bad = t
        .post(
            &format!("/api/v1/report-snapshots/{february}/actions"),
            &manager,
            json!({"kind": "action", "text": "Add a second VPN gateway", "due_date": "soon"}),
        )
        .await;
    assert_eq!(bad.problem(422)["errors"][0]["field"], "due_date");
    let action = t
        .post(
            &format!("/api/v1/report-snapshots/{february}/actions"),
            &manager,
            json!({"kind": "action", "text": "Add a second VPN gateway", "due_date": "2026-04-30"}),
        )
        .await;
    assert_eq!(action.status, 201, "{}", action.body);
    assert_eq!(t.audit_count().await, audit_before + 1);
    let actions = t
        .get(
            &format!("/api/v1/report-snapshots/{february}/actions"),
            &agent,
        )
        .await
        .body;
    assert_eq!(actions[0]["text"], "Add a second VPN gateway");
    assert_eq!(actions[0]["created_by"], "mia");
    t.post(
        "/api/v1/report-snapshots/999999/actions",
        &manager,
        json!({"kind": "decision", "text": "x"}),
    )
    .await
    .problem(404);

    let html = t
        .get(
            &format!("/api/v1/report-snapshots/{february}?format=html"),
            &agent,
        )
        .await;
    assert!(html.content_type().starts_with("text/html"));
    let page = html.body.as_str().unwrap();
    assert_eq!(page.matches("<h1>").count(), 2, "one page per report");
}
