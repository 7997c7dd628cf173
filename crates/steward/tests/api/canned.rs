//! Canned replies: managers keep them per team or for everyone; agents see their teams' and
//! everyone's; customers none.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn canned_replies_are_offered_to_the_teams_they_belong_to() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (arne_id, arne) = t.user("arne", "agent", None).await;
    let (_, paula) = t.user("paula", "agent", None).await;
    let (_, manager) = t.user("mona", "manager", None).await;
    let desk = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Service desk", "member_ids": [arne_id]}),
        )
        .await
        .id();
    let audits = t.audit_count().await;
    let r = t
        .post(
            "/api/v1/canned-replies",
            &manager,
            json!({"title": "Password reset", "body": "Use the self-service page.", "team_id": desk}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let reset = r.id();
    let r = t
        .post(
            "/api/v1/canned-replies",
            &manager,
            json!({"title": "Thanks", "body": "Thank you for your patience."}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(t.audit_count().await, audits + 2);

    let titles = |body: serde_json::Value| -> Vec<String> {
        body.as_array()
            .unwrap()
            .iter()
            .map(|r| r["title"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        titles(t.get("/api/v1/canned-replies", &arne).await.body),
        ["Password reset", "Thanks"]
    );
    assert_eq!(
        titles(t.get("/api/v1/canned-replies", &paula).await.body),
        ["Thanks"]
    );
    t.get(&format!("/api/v1/canned-replies/{reset}"), &paula)
        .await
        .problem(404);
    t.get("/api/v1/canned-replies", &customer)
        .await
        .problem(403);
    t.post(
        "/api/v1/canned-replies",
        &arne,
        json!({"title": "x", "body": "y"}),
    )
    .await
    .problem(403);

    let p = t
        .post(
            "/api/v1/canned-replies",
            &manager,
            json!({"title": " ", "body": "y", "team_id": 999}),
        )
        .await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "title");
    let r = t
        .send(
            Method::PUT,
            &format!("/api/v1/canned-replies/{reset}"),
            Some(&manager),
            Some(json!({"title": "Password reset", "body": "Use https://reset.example.", "team_id": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        titles(t.get("/api/v1/canned-replies", &paula).await.body).len(),
        2
    );
}
