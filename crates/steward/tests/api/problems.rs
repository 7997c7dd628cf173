//! Problems: linking incidents, analysis, known errors and matching them to incidents.
use crate::support::TestApp;
use serde_json::json;

async fn incident(t: &TestApp, title: &str, service: Option<i64>) -> i64 {
    let r = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": title, "impact": "medium", "urgency": "medium", "service_id": service}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

#[tokio::test]
async fn a_problem_becomes_a_known_error_that_matching_incidents_are_offered() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let first = incident(&t, "Mail server disk full", Some(service)).await;
    let second = incident(&t, "Cannot send mail, disk full again", Some(service)).await;
    let unrelated = incident(&t, "Printer jammed", None).await;

    let r = t
        .post(
            "/api/v1/problems",
            &agent,
            json!({"title": "Mail server disk fills up", "impact": "high", "urgency": "medium",
                   "service_id": service, "incident_ids": [first, second]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    assert!(r.body["number"].as_str().unwrap().starts_with("PRB-"));
    let linked: Vec<i64> = r.body["linked"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_i64().unwrap())
        .collect();
    assert_eq!(linked, [first, second]);
    let incident_body = t
        .get(&format!("/api/v1/incidents/{first}"), &agent)
        .await
        .body;
    assert_eq!(incident_body["problem_id"], id);

    let go = |to: serde_json::Value| {
        let t = &t;
        let agent = &agent;
        async move {
            t.post(&format!("/api/v1/problems/{id}/transition"), agent, to)
                .await
        }
    };
    assert_eq!(go(json!({"to": "investigating"})).await.status, 200);
    // A known error needs its root cause and workaround.
    let p = go(json!({"to": "known_error"})).await;
    assert_eq!(p.problem(422)["errors"].as_array().unwrap().len(), 2);
    let r = t
        .patch(
            &format!("/api/v1/problems/{id}"),
            &agent,
            json!({"root_cause": "Log rotation was disabled by the upgrade"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = go(
        json!({"to": "known_error", "workaround": "Delete old logs and restart the mail service"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "known_error");
    let ke = r.body["known_error_number"].as_str().unwrap().to_owned();
    assert_eq!(ke, "KE-000001");
    // Its analysis cannot be emptied while it is published.
    t.patch(
        &format!("/api/v1/problems/{id}"),
        &agent,
        json!({"workaround": null}),
    )
    .await
    .problem(422);

    // The known-error database is searchable.
    let found = t.get("/api/v1/known-errors?q=rotat", &agent).await;
    assert_eq!(found.body[0]["number"], ke.as_str());
    assert_eq!(
        t.get("/api/v1/known-errors?q=printer", &agent)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
    // A new incident that looks like it is offered the workaround; an unrelated one is not.
    let third = incident(&t, "Outgoing mail stuck, server disk full", Some(service)).await;
    let m = t
        .get(&format!("/api/v1/incidents/{third}/known-errors"), &agent)
        .await;
    assert_eq!(m.status, 200, "{}", m.body);
    assert_eq!(m.body[0]["known_error"]["number"], ke.as_str());
    assert!(
        m.body[0]["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("This matches {ke}; workaround: Delete old logs")),
        "{}",
        m.body
    );
    let none = t
        .get(
            &format!("/api/v1/incidents/{unrelated}/known-errors"),
            &agent,
        )
        .await;
    assert_eq!(none.body.as_array().unwrap().len(), 0, "{}", none.body);

    // Unlinking removes the link on the incident.
    let r = t
        .delete(&format!("/api/v1/problems/{id}/incidents/{second}"), &agent)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["linked"].as_array().unwrap().len(), 1);
    assert!(
        t.get(&format!("/api/v1/incidents/{second}"), &agent)
            .await
            .body["problem_id"]
            .is_null()
    );

    // Resolved, then closed; a closed problem leaves the known-error database.
    let r = go(json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Rotation re-enabled"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(go(json!({"to": "closed"})).await.status, 200);
    assert_eq!(
        t.get("/api/v1/known-errors", &agent)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[tokio::test]
async fn problems_are_for_staff_only() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    let id = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Flaky VPN", "impact": "low", "urgency": "low"}),
        )
        .await
        .id();
    t.get("/api/v1/problems", &customer).await.problem(403);
    t.get(&format!("/api/v1/problems/{id}"), &customer)
        .await
        .problem(403);
    t.post(
        "/api/v1/problems",
        &customer,
        json!({"title": "x", "impact": "low", "urgency": "low"}),
    )
    .await
    .problem(403);
    t.get("/api/v1/known-errors", &customer).await.problem(403);
    // Auditors read but do not write.
    assert_eq!(
        t.get(&format!("/api/v1/problems/{id}"), &auditor)
            .await
            .status,
        200
    );
    t.post(
        &format!("/api/v1/problems/{id}/transition"),
        &auditor,
        json!({"to": "investigating"}),
    )
    .await
    .problem(403);
    let search = t.get("/api/v1/search?q=vpn", &customer).await;
    assert_eq!(search.body["total"], 0, "{}", search.body);
}

#[tokio::test]
async fn a_problems_own_fields_are_edited_apart_from_its_analysis() {
    let t = TestApp::spawn().await;
    let r = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Mail drops", "impact": "low", "urgency": "low"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let low = r.body["priority"].clone();

    let edited = t
        .patch(
            &format!("/api/v1/problems/{id}"),
            &t.admin,
            json!({"title": "Mail drops at night", "impact": "high", "urgency": "high"}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["title"], "Mail drops at night");
    assert_ne!(
        edited.body["priority"], low,
        "priority follows impact and urgency"
    );
    let timeline = t
        .get(&format!("/api/v1/problems/{id}"), &t.admin)
        .await
        .body["timeline"]
        .to_string();
    assert!(timeline.contains("Mail drops at night"), "{timeline}");

    let analysed = t
        .patch(
            &format!("/api/v1/problems/{id}"),
            &t.admin,
            json!({"root_cause": "Backup job fills the queue"}),
        )
        .await;
    assert_eq!(analysed.status, 200, "{}", analysed.body);
    assert_eq!(analysed.body["root_cause"], "Backup job fills the queue");
    assert_eq!(analysed.body["title"], "Mail drops at night");

    let both = t
        .patch(
            &format!("/api/v1/problems/{id}"),
            &t.admin,
            json!({"root_cause": "x", "title": "y"}),
        )
        .await;
    assert_eq!(both.status, 422, "{}", both.body);
    assert_eq!(both.body["errors"][0]["field"], "title");
    let unknown = t
        .patch(
            &format!("/api/v1/problems/{id}"),
            &t.admin,
            json!({"colour": "red"}),
        )
        .await;
    assert!(
        unknown.status == 400 || unknown.status == 422,
        "{}",
        unknown.body
    );
    let after = t.get(&format!("/api/v1/problems/{id}"), &t.admin).await;
    assert_eq!(
        after.body["title"], "Mail drops at night",
        "refusals change nothing"
    );
}
