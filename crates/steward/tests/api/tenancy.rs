//! A customer sees and acts only within its own organization.
use crate::support::TestApp;
use serde_json::json;

#[tokio::test]
async fn customers_see_only_their_own_organization_and_its_people() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (acme_user, acme_token) = t.user("wile", "customer", Some(acme)).await;
    let (globex_user, globex_token) = t.user("hank", "customer", Some(globex)).await;
    let (agent, _) = t.user("agent-a", "agent", None).await;

    let r = t.get("/api/v1/organizations", &acme_token).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], acme);
    // Filters cannot widen the scope.
    let r = t.get("/api/v1/organizations?q=globex", &acme_token).await;
    assert_eq!(r.body["total"], 0);
    t.get(&format!("/api/v1/organizations/{globex}"), &acme_token)
        .await
        .problem(404);
    assert_eq!(
        t.get(&format!("/api/v1/organizations/{acme}"), &acme_token)
            .await
            .status,
        200
    );

    let r = t.get("/api/v1/users", &acme_token).await;
    let ids: Vec<i64> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![acme_user]);
    let r = t
        .get(
            &format!("/api/v1/users?organization_id={globex}"),
            &acme_token,
        )
        .await;
    assert_eq!(
        r.body["total"], 1,
        "the filter is overridden by the scope: {}",
        r.body
    );
    assert_eq!(r.body["items"][0]["id"], acme_user);
    t.get(&format!("/api/v1/users/{globex_user}"), &acme_token)
        .await
        .problem(404);
    t.get(&format!("/api/v1/users/{agent}"), &acme_token)
        .await
        .problem(404);
    assert_eq!(
        t.get(&format!("/api/v1/users/{acme_user}"), &acme_token)
            .await
            .status,
        200
    );

    // Writes on another organization's records fail without revealing them.
    t.patch(
        &format!("/api/v1/organizations/{globex}"),
        &acme_token,
        json!({"name": "Pwned"}),
    )
    .await
    .problem(403);
    t.patch(
        &format!("/api/v1/users/{globex_user}"),
        &acme_token,
        json!({"display_name": "Pwned"}),
    )
    .await
    .problem(403);
    t.delete(&format!("/api/v1/organizations/{globex}"), &acme_token)
        .await
        .problem(403);
    let r = t
        .get(&format!("/api/v1/organizations/{globex}"), &globex_token)
        .await;
    assert_eq!(r.body["name"], "Globex");

    // Internal structures stay internal.
    t.get("/api/v1/teams", &acme_token).await.problem(403);
    t.get("/api/v1/audit", &acme_token).await.problem(403);
}

#[tokio::test]
async fn customers_cannot_touch_other_users_tokens_or_sessions() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, acme_token) = t.user("wile", "customer", Some(acme)).await;
    let (_, globex_token) = t.user("hank", "customer", Some(globex)).await;
    let token = t
        .post("/api/v1/tokens", &globex_token, json!({"label": "mine"}))
        .await
        .id();
    t.delete(&format!("/api/v1/tokens/{token}"), &acme_token)
        .await
        .problem(404);
    t.delete("/api/v1/users/1/sessions", &acme_token)
        .await
        .problem(403);
}
