//! Breach warnings and escalation: each warning and breach is raised once, written to the
//! timeline, notified, and escalated as the SLA says — also with two nodes scanning.
use crate::support::{TestApp, postgres_url};
use serde_json::json;

#[tokio::test]
async fn warnings_and_breaches_fire_once_and_escalate() {
    let t = TestApp::spawn().await;
    let (manager_id, manager) = t.user("mia", "manager", None).await;
    let (agent_id, agent) = t.user("arne", "agent", None).await;
    let escalation_team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Second line"}))
        .await
        .id();
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Payments"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &manager,
            json!({
                "name": "Payments", "service_id": service,
                "targets": {"P2": {"response_seconds": 4, "resolution_seconds": 6}, "P3": {"response_seconds": 4, "resolution_seconds": 6}},
                "warning_percent": 50,
                "escalations": [
                    {"on": "breach", "metric": "resolution", "action": {"do": "raise_priority"}},
                    {"on": "breach", "metric": "resolution", "action": {"do": "reassign", "team_id": escalation_team}},
                    {"on": "warning", "action": {"do": "notify_user", "user_id": manager_id}}
                ]
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Card payments fail", "impact": "medium", "urgency": "medium", "service_id": service}),
        )
        .await
        .id();
    t.post(
        &format!("/api/v1/incidents/{id}/assign"),
        &t.admin,
        json!({"assignee_id": agent_id}),
    )
    .await;
    // Nothing is due yet.
    assert_eq!(t.app.sla_scan("node-a").await.unwrap(), Some(0));
    tokio::time::sleep(std::time::Duration::from_millis(6300)).await;

    let second = match postgres_url() {
        Some(_) => Some(TestApp::spawn_on(t.database_url.clone()).await),
        None => None,
    };
    let (a, b) = tokio::join!(t.app.sla_scan("node-a"), async {
        match &second {
            Some(s) => s.app.sla_scan("node-b").await,
            None => t.app.sla_scan("node-b").await,
        }
    });
    let raised = a.unwrap().unwrap_or(0) + b.unwrap().unwrap_or(0);
    // Response: warning and breach; resolution: warning and breach.
    assert_eq!(raised, 4);
    assert_eq!(
        t.app.sla_scan("node-a").await.unwrap(),
        Some(0),
        "each fires once"
    );

    let shown = t
        .get(&format!("/api/v1/incidents/{id}"), &t.admin)
        .await
        .body;
    let events: Vec<&str> = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events.iter().filter(|e| **e == "sla_warning").count(),
        2,
        "{events:?}"
    );
    assert_eq!(
        events.iter().filter(|e| **e == "sla_breach").count(),
        2,
        "{events:?}"
    );
    assert_eq!(shown["priority"], "P2", "raised one step");
    assert_eq!(shown["team_id"], escalation_team);
    assert_eq!(shown["reassignment_count"], 1);
    assert_eq!(shown["sla"]["resolution"]["state"], "breached");

    let mine = t.get("/api/v1/notifications", &manager).await.body;
    let topics: Vec<&str> = mine
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["sla_warning", "sla_warning"]);
    let agents = t.get("/api/v1/notifications", &agent).await.body;
    // The assignee heard of the resolution clock; once the breach moved the incident to the
    // second line, the response clock's alerts went to that team instead.
    assert_eq!(agents.as_array().unwrap().len(), 2, "{agents}");
    let first = agents[0]["id"].as_i64().unwrap();
    let r = t
        .post(
            &format!("/api/v1/notifications/{first}/read"),
            &agent,
            json!({}),
        )
        .await;
    assert_eq!(r.status, 204);
    t.post(
        &format!("/api/v1/notifications/{first}/read"),
        &manager,
        json!({}),
    )
    .await
    .problem(404);
}
