//! Service requests: raised from catalogue items, answers checked, approvals, fulfilment.
use crate::support::TestApp;
use serde_json::{Value, json};

struct World {
    acme: i64,
    acme_customer: String,
    globex_customer: String,
    team: i64,
    approver_id: i64,
    approver: String,
    agent: String,
    laptop: i64,
    password_reset: i64,
}

async fn world(t: &TestApp) -> World {
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, acme_customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, globex_customer) = t.user("hank", "customer", Some(globex)).await;
    let (approver_id, approver) = t.user("paula", "agent", None).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Workplace"}))
        .await
        .id();
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Workplace IT", "status": "live", "customer_ids": [acme, globex]}),
        )
        .await
        .id();
    let entry = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "Workplace", "published": true}),
        )
        .await
        .id();
    let item = |body: Value| async move {
        let r = t
            .post(&format!("/api/v1/catalogue/{entry}/items"), &t.admin, body)
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.id()
    };
    let laptop = item(json!({
        "name": "New laptop",
        "form": [
            {"key": "model", "label": "Model", "type": "choice", "required": true, "options": ["13-inch", "15-inch"]},
            {"key": "count", "label": "How many", "type": "number", "required": true, "min": 1, "max": 5}
        ],
        "approval": {"by": "users", "user_ids": [approver_id]},
        "fulfilment_team_id": team
    }))
    .await;
    let password_reset = item(json!({
        "name": "Password reset",
        "form": [{"key": "account", "label": "Account", "type": "text", "required": true}],
        "fulfilment_team_id": team
    }))
    .await;
    World {
        acme,
        acme_customer,
        globex_customer,
        team,
        approver_id,
        approver,
        agent,
        laptop,
        password_reset,
    }
}

#[tokio::test]
async fn answers_are_checked_against_the_items_form() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let r = t
        .post(
            "/api/v1/requests",
            &w.acme_customer,
            json!({"catalogue_item_id": w.laptop, "answers": {"model": "17-inch", "count": 9, "colour": "red"}}),
        )
        .await;
    let p = r.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["answers.colour", "answers.model", "answers.count"]);
    assert_eq!(
        t.get("/api/v1/requests", &t.admin).await.body["total"],
        0,
        "nothing half-written"
    );
    t.post(
        "/api/v1/requests",
        &w.acme_customer,
        json!({"catalogue_item_id": 9999, "answers": {}}),
    )
    .await
    .problem(422);
}

#[tokio::test]
async fn a_request_waits_for_its_named_approver_then_goes_to_the_fulfilment_team() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let r = t
        .post(
            "/api/v1/requests",
            &w.acme_customer,
            json!({"catalogue_item_id": w.laptop, "answers": {"model": "13-inch", "count": 2}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    assert!(r.body["number"].as_str().unwrap().starts_with("REQ-"));
    assert_eq!(r.body["status"], "awaiting_approval");
    assert_eq!(r.body["title"], "New laptop");
    assert_eq!(r.body["organization_id"], w.acme);
    assert_eq!(r.body["channel"], "portal");
    assert_eq!(r.body["answers"], json!({"model": "13-inch", "count": 2}));
    assert_eq!(r.body["priority"], "P4", "low × medium");

    // Fulfilment cannot start before approval.
    let refused = t
        .post(
            &format!("/api/v1/requests/{id}/transition"),
            &w.agent,
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(refused.problem(409)["allowed"], json!(["cancelled"]));
    t.post(
        &format!("/api/v1/requests/{id}/assign"),
        &w.agent,
        json!({"team_id": w.team}),
    )
    .await
    .problem(409);
    // Only the named approver decides; customers and other agents cannot.
    for token in [&w.agent, &w.acme_customer] {
        let r = t
            .post(
                &format!("/api/v1/requests/{id}/approvals"),
                token,
                json!({"decision": "approve"}),
            )
            .await;
        assert_eq!(r.status, 403, "{}", r.body);
    }
    let r = t
        .post(
            &format!("/api/v1/requests/{id}/approvals"),
            &w.approver,
            json!({"decision": "approve", "comment": "budget ok"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "assigned");
    assert_eq!(r.body["team_id"], w.team);
    assert_eq!(r.body["approvals"][0]["approver_id"], w.approver_id);
    assert_eq!(r.body["approvals"][0]["decision"], "approve");
    let events: Vec<&str> = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(events, ["created", "approval"]);
    // A decision is made once.
    t.post(
        &format!("/api/v1/requests/{id}/approvals"),
        &w.approver,
        json!({"decision": "reject", "comment": "changed my mind"}),
    )
    .await
    .problem(409);
    // Fulfilment then follows the incident lifecycle.
    for to in [
        json!({"to": "in_progress"}),
        json!({"to": "resolved", "resolution_code": "fulfilled", "resolution_notes": "Laptop handed over"}),
    ] {
        let r = t
            .post(&format!("/api/v1/requests/{id}/transition"), &w.agent, to)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // The customer confirms.
    let r = t
        .post(
            &format!("/api/v1/requests/{id}/transition"),
            &w.acme_customer,
            json!({"to": "closed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["closed_at"].is_string());
}

#[tokio::test]
async fn a_rejection_needs_a_reason_and_ends_the_request() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let id = t
        .post(
            "/api/v1/requests",
            &w.acme_customer,
            json!({"catalogue_item_id": w.laptop, "answers": {"model": "15-inch", "count": 5}}),
        )
        .await
        .id();
    t.post(
        &format!("/api/v1/requests/{id}/approvals"),
        &w.approver,
        json!({"decision": "reject"}),
    )
    .await
    .problem(422);
    let r = t
        .post(
            &format!("/api/v1/requests/{id}/approvals"),
            &w.approver,
            json!({"decision": "reject", "comment": "Five is too many"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "rejected");
    assert!(r.body["closed_at"].is_string());
    let refused = t
        .post(
            &format!("/api/v1/requests/{id}/transition"),
            &t.admin,
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(refused.problem(409)["allowed"], json!([]));
}

#[tokio::test]
async fn items_without_approval_go_straight_to_fulfilment_and_customers_see_only_their_own() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let r = t
        .post(
            "/api/v1/requests",
            &w.acme_customer,
            json!({"catalogue_item_id": w.password_reset, "answers": {"account": "wile"}, "description": "locked out"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["status"], "assigned");
    assert_eq!(r.body["team_id"], w.team);
    let id = r.id();
    t.get(&format!("/api/v1/requests/{id}"), &w.globex_customer)
        .await
        .problem(404);
    assert_eq!(
        t.get("/api/v1/requests", &w.globex_customer).await.body["total"],
        0
    );
    assert_eq!(
        t.get("/api/v1/requests", &w.acme_customer).await.body["total"],
        1
    );
    // Requests and incidents are separate series and separate lists.
    assert_eq!(t.get("/api/v1/incidents", &t.admin).await.body["total"], 0);
    t.get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .problem(404);
}
