//! Bad input gets a 4xx problem+json naming the field, never a 500, and changes nothing.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn malformed_and_mistyped_bodies() {
    let t = TestApp::spawn().await;
    let before = t.audit_count().await;
    let post = |body: &'static str| {
        t.raw(
            Method::POST,
            "/api/v1/organizations",
            Some(&t.admin),
            "application/json",
            body.as_bytes().to_vec(),
        )
    };

    post("{\"name\": ").await.problem(400);
    post("not json").await.problem(400);
    post("{\"name\": \"a\"} trailing").await.problem(400);
    post("").await.problem(400);

    let r = post("{\"name\": \"Acme\", \"colour\": \"red\"}").await;
    assert_eq!(r.problem(422)["field"], "colour");
    let r = post("{\"name\": 42}").await;
    assert_eq!(r.problem(422)["field"], "name");
    let r = post("{}").await;
    assert_eq!(r.problem(422)["field"], "name");
    let r = post("[1, 2]").await;
    r.problem(422);
    let r = post("{\"name\": \"   \"}").await;
    assert_eq!(r.problem(422)["field"], "name");

    let r = t
        .raw(
            Method::POST,
            "/api/v1/organizations",
            Some(&t.admin),
            "text/plain",
            b"{\"name\":\"x\"}".to_vec(),
        )
        .await;
    r.problem(415);

    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "u", "role": "agent", "organization_id": "seven"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "organization_id");
    let r = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "T", "member_ids": [1, "two"]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "member_ids[1]");

    assert_eq!(t.audit_count().await, before);
    assert_eq!(
        t.get("/api/v1/organizations", &t.admin).await.body["total"],
        0
    );
}

#[tokio::test]
async fn strings_over_their_limits_and_bodies_over_the_size_limit() {
    let t = TestApp::spawn().await;
    let r = t
        .post(
            "/api/v1/organizations",
            &t.admin,
            json!({"name": "x".repeat(201)}),
        )
        .await;
    let p = r.problem(422);
    assert_eq!(p["field"], "name");
    assert!(p["detail"].as_str().unwrap().contains("200"));
    let r = t
        .post(
            "/api/v1/organizations",
            &t.admin,
            json!({"name": "ok", "description": "d".repeat(4001)}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "description");
    let r = t
        .post(
            "/api/v1/users",
            &t.admin,
            json!({"username": "u".repeat(65), "role": "agent"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "username");

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = t
        .raw(
            Method::POST,
            "/api/v1/organizations",
            Some(&t.admin),
            "application/json",
            huge.into_bytes(),
        )
        .await;
    r.problem(413);
    assert_eq!(
        t.get("/api/v1/organizations", &t.admin).await.body["total"],
        0
    );
}

#[tokio::test]
async fn unknown_ids_routes_and_query_parameters() {
    let t = TestApp::spawn().await;
    t.get("/api/v1/organizations/999999", &t.admin)
        .await
        .problem(404);
    t.get("/api/v1/users/999999", &t.admin).await.problem(404);
    t.get("/api/v1/teams/999999", &t.admin).await.problem(404);
    t.get("/api/v1/organizations/abc", &t.admin)
        .await
        .problem(404);
    t.get("/api/v1/organizations/99999999999999999999999", &t.admin)
        .await
        .problem(404);
    t.patch(
        "/api/v1/organizations/999999",
        &t.admin,
        json!({"name": "x"}),
    )
    .await
    .problem(404);
    t.delete("/api/v1/teams/999999", &t.admin)
        .await
        .problem(404);
    t.get("/api/v1/nothing-here", &t.admin).await.problem(404);
    t.send(
        Method::PUT,
        "/api/v1/organizations",
        Some(&t.admin),
        Some(json!({})),
    )
    .await
    .problem(405);

    let r = t.get("/api/v1/organizations?limit=abc", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "limit");
    let r = t.get("/api/v1/organizations?limit=0", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "limit");
    let r = t.get("/api/v1/organizations?limit=100000", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "limit");
    let r = t.get("/api/v1/organizations?offset=-1", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "offset");
    let r = t.get("/api/v1/organizations?sort=evil", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "sort");
    let r = t.get("/api/v1/audit?from=yesterday", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "from");
    let r = t.get("/api/v1/users?role=wizard", &t.admin).await;
    assert_eq!(r.problem(400)["field"], "role");
}

#[tokio::test]
async fn hostile_strings_are_stored_verbatim_not_executed() {
    let t = TestApp::spawn().await;
    let name = "Robert'); DROP TABLE users;-- \u{1F600} <script>";
    let r = t
        .post("/api/v1/organizations", &t.admin, json!({"name": name}))
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["name"], name);
    let r = t.get("/api/v1/organizations?q=robert'", &t.admin).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(t.get("/api/v1/users", &t.admin).await.status, 200);
    let r = t
        .post(
            "/api/v1/organizations",
            &t.admin,
            json!({"name": "bad\u{0}name"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "name");
}

/// A new incident that refers to a record that does not exist is refused with the field
/// named (all its references are looked up in one statement), and nothing is stored; with
/// every reference real it is created, and a critical service's P1 makes it major.
#[tokio::test]
async fn an_incident_naming_a_missing_record_names_the_field_and_stores_nothing() {
    let t = TestApp::spawn().await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll", "criticality": 1}),
        )
        .await
        .id();
    let org = t
        .post("/api/v1/organizations", &t.admin, json!({"name": "Acme"}))
        .await
        .id();
    let ci = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": "db-1", "ci_type": "database"}),
        )
        .await
        .id();
    let real = json!({"title": "Payroll down", "impact": "high", "urgency": "high",
        "service_id": service, "organization_id": org, "requester_id": t.admin_id, "ci_id": ci});
    for field in ["service_id", "organization_id", "requester_id", "ci_id"] {
        let mut body = real.clone();
        body[field] = json!(999_999);
        let r = t.post("/api/v1/incidents", &t.admin, body).await;
        assert_eq!(r.problem(422)["field"], field);
    }
    let listed = t.get("/api/v1/incidents", &t.admin).await;
    assert_eq!(listed.body["total"], 0);

    let created = t.post("/api/v1/incidents", &t.admin, real).await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["major"], true, "{}", created.body);
    assert_eq!(created.body["ci_id"], ci);
}
