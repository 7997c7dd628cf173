//! Organizations, users and teams: CRUD, conflicts and pagination.
use crate::support::TestApp;
use serde_json::json;

#[tokio::test]
async fn organizations_crud_with_case_insensitive_unique_names() {
    let t = TestApp::spawn().await;
    let r = t
        .post(
            "/api/v1/organizations",
            &t.admin,
            json!({"name": "  Acme Corp ", "description": "Rockets"}),
        )
        .await;
    assert_eq!(r.status, 201);
    let id = r.id();
    assert_eq!(r.body["name"], "Acme Corp");
    assert_eq!(r.body["active"], true);
    assert!(r.body["created_at"].as_str().unwrap().ends_with('Z'));

    let r = t
        .post(
            "/api/v1/organizations",
            &t.admin,
            json!({"name": "ACME CORP"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "name");

    let r = t
        .patch(
            &format!("/api/v1/organizations/{id}"),
            &t.admin,
            json!({"description": null}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["description"], serde_json::Value::Null);
    assert_eq!(r.body["name"], "Acme Corp");

    // An organization with users can only be deactivated.
    t.user("wile", "customer", Some(id)).await;
    t.delete(&format!("/api/v1/organizations/{id}"), &t.admin)
        .await
        .problem(409);
    let r = t
        .patch(
            &format!("/api/v1/organizations/{id}"),
            &t.admin,
            json!({"active": false}),
        )
        .await;
    assert_eq!(r.body["active"], false);
    let r = t.get("/api/v1/organizations?active=false", &t.admin).await;
    assert_eq!(r.body["total"], 1);

    let empty = t.create_org("Empty").await;
    assert_eq!(
        t.delete(&format!("/api/v1/organizations/{empty}"), &t.admin)
            .await
            .status,
        204
    );
    t.get(&format!("/api/v1/organizations/{empty}"), &t.admin)
        .await
        .problem(404);
}

#[tokio::test]
async fn lists_paginate_and_report_a_total() {
    let t = TestApp::spawn().await;
    for i in 0..7 {
        t.create_org(&format!("Org {i}")).await;
    }
    let r = t
        .get("/api/v1/organizations?limit=3&offset=0", &t.admin)
        .await;
    assert_eq!(r.body["total"], 7);
    assert_eq!(r.body["items"].as_array().unwrap().len(), 3);
    assert_eq!(r.body["items"][0]["name"], "Org 0");
    let r = t
        .get("/api/v1/organizations?limit=3&offset=6", &t.admin)
        .await;
    assert_eq!(r.body["items"].as_array().unwrap().len(), 1);
    assert_eq!(r.body["items"][0]["name"], "Org 6");
    assert_eq!(r.body["limit"], 3);
    assert_eq!(r.body["offset"], 6);
    let r = t.get("/api/v1/organizations?q=org%203", &t.admin).await;
    assert_eq!(r.body["total"], 1);
    // LIKE wildcards in the search are taken literally.
    let r = t.get("/api/v1/organizations?q=%25", &t.admin).await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn users_validate_roles_and_organizations() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "c1", "role": "customer"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "organization_id");
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "a1", "role": "agent", "organization_id": org}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "organization_id");
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "c1", "role": "customer", "organization_id": 9999}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "organization_id");
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "c1", "role": "wizard"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "role");
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "c1", "role": "agent", "password": "short"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "password");

    let r = t.post("/api/v1/users", &t.admin, json!({"username": "Eve", "role": "customer", "organization_id": org, "email": "eve@acme.example"})).await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["username"], "eve");
    assert_eq!(r.body["has_password"], false);
    assert!(r.body.get("password_hash").is_none());
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "EVE", "role": "agent"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "username");

    let r = t
        .get(
            &format!("/api/v1/users?organization_id={org}&role=customer"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 1);
}

#[tokio::test]
async fn a_new_password_lets_the_user_log_in_and_ends_old_sessions() {
    let t = TestApp::spawn().await;
    let (id, _) = t.user("fay", "agent", None).await;
    let (cookie, _) = t.login("fay", "fay-password").await;
    let r = t
        .patch(
            &format!("/api/v1/users/{id}"),
            &t.admin,
            json!({"password": "a much better password"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let me = crate::support::reply(
        t.http
            .get(format!("{}/api/v1/auth/me", t.url))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap(),
    )
    .await;
    me.problem(401);
    t.login("fay", "a much better password").await;
}

#[tokio::test]
async fn teams_have_staff_members_only() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let (a, _) = t.user("agent-1", "agent", None).await;
    let (b, _) = t.user("agent-2", "agent", None).await;
    let (c, _) = t.user("cust", "customer", Some(org)).await;

    let r = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Service Desk", "member_ids": [a, c]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "member_ids");
    let r = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Service Desk", "member_ids": [a, 424242]}),
        )
        .await;
    r.problem(422);
    assert_eq!(t.get("/api/v1/teams", &t.admin).await.body["total"], 0);

    let r = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Service Desk", "member_ids": [b, a, a]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let team = r.id();
    assert_eq!(r.body["member_ids"], json!([a, b]));
    t.post("/api/v1/teams", &t.admin, json!({"name": "service desk"}))
        .await
        .problem(409);

    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/teams/{team}/members/{c}"),
            Some(&t.admin),
            None,
        )
        .await;
    r.problem(422);
    let r = t
        .delete(&format!("/api/v1/teams/{team}/members/{a}"), &t.admin)
        .await;
    assert_eq!(r.body["member_ids"], json!([b]));
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/teams/{team}/members/{a}"),
            Some(&t.admin),
            None,
        )
        .await;
    assert_eq!(r.body["member_ids"], json!([a, b]));
    let r = t.get(&format!("/api/v1/teams?member={b}"), &t.admin).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["member_ids"], json!([a, b]));

    let r = t
        .patch(
            &format!("/api/v1/teams/{team}"),
            &t.admin,
            json!({"member_ids": []}),
        )
        .await;
    assert_eq!(r.body["member_ids"], json!([]));
    assert_eq!(
        t.delete(&format!("/api/v1/teams/{team}"), &t.admin)
            .await
            .status,
        204
    );
    t.get(&format!("/api/v1/teams/{team}"), &t.admin)
        .await
        .problem(404);
}
