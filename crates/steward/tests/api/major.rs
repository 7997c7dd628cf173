//! Major incidents: criteria, owner, children, notifications, post-incident review.
use crate::support::TestApp;
use serde_json::json;

async fn service(t: &TestApp, name: &str, criticality: i64) -> i64 {
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": name, "criticality": criticality}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn incident(t: &TestApp, impact: &str, service: i64) -> serde_json::Value {
    let r = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Payments down", "impact": impact, "urgency": "high", "service_id": service}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn the_criteria_flag_major_incidents_and_admins_change_them() {
    let t = TestApp::spawn().await;
    let critical = service(&t, "Payments", 1).await;
    let minor = service(&t, "Intranet", 3).await;
    let p1_critical = incident(&t, "high", critical).await;
    assert_eq!(p1_critical["major"], true);
    let shown = t
        .get(
            &format!("/api/v1/incidents/{}", p1_critical["id"]),
            &t.admin,
        )
        .await
        .body;
    let events: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(events.contains(&"major_declared"));
    assert_eq!(incident(&t, "medium", critical).await["major"], false, "P2");
    assert_eq!(incident(&t, "high", minor).await["major"], false);

    let (_, manager) = t.user("mia", "manager", None).await;
    let wider = json!({"rules": [{"priority": "P2", "service_criticality": 3}]});
    t.send(
        reqwest::Method::PUT,
        "/api/v1/settings/major-incident-criteria",
        Some(&manager),
        Some(wider.clone()),
    )
    .await
    .problem(403);
    t.send(
        reqwest::Method::PUT,
        "/api/v1/settings/major-incident-criteria",
        Some(&t.admin),
        Some(json!({"rules": [{"priority": "P2", "service_criticality": 9}]})),
    )
    .await
    .problem(422);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/major-incident-criteria",
            Some(&t.admin),
            Some(wider),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(incident(&t, "medium", minor).await["major"], true);
}

#[tokio::test]
async fn a_major_incident_has_an_owner_children_notifications_and_closes_only_after_review() {
    let t = TestApp::spawn().await;
    let (owner, agent) = t.user("mo", "agent", None).await;
    let (_, other_agent) = t.user("al", "agent", None).await;
    let svc = service(&t, "Intranet", 3).await;
    let parent = incident(&t, "high", svc).await["id"].as_i64().unwrap();
    let child = incident(&t, "low", svc).await["id"].as_i64().unwrap();
    let new_child = incident(&t, "low", svc).await["id"].as_i64().unwrap();

    // Not major yet: no children, notifications or review.
    t.post(
        &format!("/api/v1/incidents/{parent}/children"),
        &agent,
        json!({"incident_ids": [child]}),
    )
    .await
    .problem(409);
    let customer_org = t.create_org("Acme").await;
    let (customer, customer_token) = t.user("wile", "customer", Some(customer_org)).await;
    t.post(
        &format!("/api/v1/incidents/{parent}/major"),
        &agent,
        json!({"owner_id": customer}),
    )
    .await
    .problem(422);
    let r = t
        .post(
            &format!("/api/v1/incidents/{parent}/major"),
            &agent,
            json!({"owner_id": owner, "reason": "all payments fail"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["major"], true);
    assert_eq!(r.body["major_owner_id"], owner);

    let r = t
        .post(
            &format!("/api/v1/incidents/{parent}/children"),
            &agent,
            json!({"incident_ids": [child, new_child, child]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["linked"].as_array().unwrap().len(), 2);
    // A major incident cannot be anybody's child.
    t.post(
        &format!("/api/v1/incidents/{parent}/children"),
        &agent,
        json!({"incident_ids": [parent]}),
    )
    .await
    .problem(422);

    let r = t
        .post(
            &format!("/api/v1/incidents/{parent}/notifications"),
            &agent,
            json!({"audience": "executive board", "channel": "email", "message": "Payments down since 09:12"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let log = t
        .get(
            &format!("/api/v1/incidents/{parent}/notifications"),
            &other_agent,
        )
        .await;
    assert_eq!(log.body[0]["audience"], "executive board");
    t.get(
        &format!("/api/v1/incidents/{parent}/notifications"),
        &customer_token,
    )
    .await
    .problem(403);

    // Work the child so that it can be resolved with the parent; the other stays new.
    t.post(
        &format!("/api/v1/incidents/{child}/transition"),
        &agent,
        json!({"to": "in_progress"}),
    )
    .await;
    for to in [
        json!({"to": "in_progress"}),
        json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Failed over"}),
    ] {
        let r = t
            .post(
                &format!("/api/v1/incidents/{parent}/transition"),
                &agent,
                to,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let child_body = t
        .get(&format!("/api/v1/incidents/{child}"), &agent)
        .await
        .body;
    assert_eq!(child_body["status"], "resolved");
    assert_eq!(child_body["resolution_code"], "fixed");
    assert_eq!(
        t.get(&format!("/api/v1/incidents/{new_child}"), &agent)
            .await
            .body["status"],
        "new"
    );

    // Closure waits for the post-incident review.
    let refused = t
        .post(
            &format!("/api/v1/incidents/{parent}/transition"),
            &agent,
            json!({"to": "closed"}),
        )
        .await;
    assert_eq!(refused.problem(422)["field"], "post_incident_review");
    t.send(
        reqwest::Method::PUT,
        &format!("/api/v1/incidents/{parent}/review"),
        Some(&agent),
        Some(json!({"what_happened": "x", "cause": "", "actions": []})),
    )
    .await
    .problem(422);
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/incidents/{parent}/review"),
            Some(&agent),
            Some(json!({
                "what_happened": "Payment gateway certificate expired",
                "cause": "Renewal reminder went to a departed colleague",
                "actions": ["Monitor certificate expiry", "Shared renewal mailbox"]
            })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        r.body["post_incident_review"]["actions"][1],
        "Shared renewal mailbox"
    );
    let r = t
        .post(
            &format!("/api/v1/incidents/{parent}/transition"),
            &agent,
            json!({"to": "closed"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}
