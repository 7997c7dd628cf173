//! Change enablement (8.5.1, 8.5.2): numbering, the lifecycle and its 409s, risk levels from
//! the questionnaire, the change policy and board approvals (all, any, quorum, rejection,
//! emergency board), the design and transition requirement for major changes, reviews before
//! closure, incidents caused by a change, and the audit trail.
use crate::support::TestApp;
use serde_json::{Value, json};

const START: &str = "2026-06-01T20:00:00Z";
const END: &str = "2026-06-01T22:00:00Z";

fn answers(tested: i64, backout: i64, users: i64) -> Value {
    json!([
        {"question": "tested", "answer": tested},
        {"question": "backout", "answer": backout},
        {"question": "users", "answer": users},
    ])
}

/// A complete normal (or emergency) change, ready to submit.
async fn change(t: &TestApp, token: &str, change_type: &str, risk: Value) -> Value {
    let r = t
        .post(
            "/api/v1/changes",
            token,
            json!({"change_type": change_type, "title": "Upgrade the database",
                   "category": "database", "justification": "Security fixes",
                   "implementation_plan": "Run the upgrade", "test_plan": "Smoke tests",
                   "backout_plan": "Restore the snapshot", "planned_start": START,
                   "planned_end": END, "risk_answers": risk}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn act(t: &TestApp, token: &str, id: i64, action: &str, body: Value) -> (u16, Value) {
    let r = t
        .post(&format!("/api/v1/changes/{id}/{action}"), token, body)
        .await;
    (r.status.as_u16(), r.body)
}

async fn ok(t: &TestApp, token: &str, id: i64, action: &str, body: Value) -> Value {
    let (status, body) = act(t, token, id, action, body).await;
    assert_eq!(status, 200, "{action}: {body}");
    body
}

async fn board(t: &TestApp, name: &str, emergency: bool, members: &[i64]) -> i64 {
    let r = t
        .post(
            "/api/v1/change-boards",
            &t.admin,
            json!({"name": name, "emergency": emergency, "member_ids": members}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn set_policy(t: &TestApp, policy: Value) {
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/change-policy",
            Some(&t.admin),
            Some(policy),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}

/// Submits and assesses, giving the change as the assessment left it.
async fn to_assessed(t: &TestApp, token: &str, id: i64) -> Value {
    ok(t, token, id, "submit", json!({})).await;
    ok(t, token, id, "assess", json!({})).await
}

/// From authorized through implementation to review with this outcome.
async fn implement(t: &TestApp, token: &str, id: i64, outcome: &str) -> Value {
    ok(t, token, id, "schedule", json!({})).await;
    ok(t, token, id, "start", json!({})).await;
    ok(t, token, id, "complete", json!({"outcome": outcome})).await
}

#[tokio::test]
async fn numbers_lifecycle_conflicts_and_audit() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ada", "agent", None).await;
    let first = change(&t, &agent, "normal", answers(0, 0, 0)).await;
    let second = change(&t, &agent, "normal", answers(0, 0, 0)).await;
    assert_eq!(first["number"], "CHG-000001");
    assert_eq!(second["number"], "CHG-000002");
    assert_eq!(first["status"], "draft");
    assert_eq!(first["allowed_next"], json!(["assessment", "cancelled"]));
    let id = first["id"].as_i64().unwrap();

    // A move the lifecycle does not allow: 409 with the allowed moves, like the tickets.
    let (status, body) = act(&t, &agent, id, "start", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["allowed"], json!(["assessment", "cancelled"]));
    assert_eq!(body["field"], "to");
    let (status, body) = act(&t, &agent, id, "close", json!({})).await;
    assert_eq!(status, 409, "{body}");

    // The window must end after it starts.
    let r = t
        .patch(
            &format!("/api/v1/changes/{id}"),
            &agent,
            json!({"planned_end": "2026-06-01T19:00:00Z"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "planned_end");

    // With no approval policy for its risk, assessing authorizes; then the whole way through.
    let c = to_assessed(&t, &agent, id).await;
    assert_eq!(c["status"], "authorized", "{c}");
    assert_eq!(c["approval"]["state"], "not_required");
    let c = implement(&t, &agent, id, "successful").await;
    assert_eq!(c["status"], "review");
    assert_eq!(c["outcome"], "successful");
    assert!(c["started_at"].is_string() && c["completed_at"].is_string());
    let c = ok(&t, &agent, id, "close", json!({})).await;
    assert_eq!(c["status"], "closed");
    assert_eq!(c["allowed_next"], json!([]));
    let (status, body) = act(&t, &agent, id, "cancel", json!({})).await;
    assert_eq!(status, 409);
    assert_eq!(body["allowed"], json!([]));

    // A closed change is not edited; the other one is cancelled from draft.
    let r = t
        .patch(
            &format!("/api/v1/changes/{id}"),
            &agent,
            json!({"title": "Later"}),
        )
        .await;
    assert_eq!(r.status, 409, "{}", r.body);
    let other = second["id"].as_i64().unwrap();
    assert_eq!(
        ok(&t, &agent, other, "cancel", json!({})).await["status"],
        "cancelled"
    );

    // Every step is in the audit trail.
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change&record_id={id}&limit=50"),
            &t.admin,
        )
        .await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "close", "complete", "start", "schedule", "assess", "submit", "create"
        ],
        "{}",
        r.body
    );

    // Filters; customers see no changes.
    let r = t.get("/api/v1/changes?status=closed", &agent).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["number"], "CHG-000001");
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("cora", "customer", Some(org)).await;
    assert_eq!(t.get("/api/v1/changes", &customer).await.status, 403);
    let (_, auditor) = t.user("aud", "auditor", None).await;
    assert_eq!(t.get("/api/v1/changes", &auditor).await.status, 200);
    let r = t
        .post(
            "/api/v1/changes",
            &auditor,
            json!({"change_type": "normal", "title": "x"}),
        )
        .await;
    assert_eq!(r.status, 403);
}

#[tokio::test]
async fn submit_names_every_gap_and_risk_comes_from_the_answers() {
    let t = TestApp::spawn().await;
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "normal", "title": "Bare"}),
        )
        .await;
    assert_eq!(r.status, 201);
    assert_eq!(r.body["risk_level"], "low");
    let (status, body) = act(&t, &t.admin, r.id(), "submit", json!({})).await;
    assert_eq!(status, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "implementation_plan",
            "test_plan",
            "backout_plan",
            "planned_start",
            "planned_end",
            "risk_answers"
        ]
    );

    // The default questionnaire: 10 medium, 25 high, 45 very high.
    let c = change(&t, &t.admin, "normal", answers(1, 0, 0)).await;
    assert_eq!(
        (c["risk_score"].as_i64(), c["risk_level"].as_str()),
        (Some(10), Some("medium"))
    );
    let c = change(&t, &t.admin, "normal", answers(2, 1, 0)).await;
    assert_eq!(c["risk_level"], "high");
    let c = change(&t, &t.admin, "normal", answers(2, 2, 2)).await;
    assert_eq!(
        (c["risk_score"].as_i64(), c["risk_level"].as_str()),
        (Some(65), Some("very_high"))
    );

    // A bad answer is refused on the field.
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "normal", "title": "x",
                   "risk_answers": [{"question": "tested", "answer": 7}]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "risk_answers");

    // An administrator's own questionnaire and thresholds.
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/change-risk-questionnaire",
            Some(&t.admin),
            Some(json!({"questions": [{"key": "scope", "text": "How wide?",
                "answers": [{"label": "one host", "weight": 1}, {"label": "everything", "weight": 9}]}],
                "thresholds": {"medium": 2, "high": 5, "very_high": 9}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "normal", "title": "Wide",
                   "risk_answers": [{"question": "scope", "answer": 1}]}),
        )
        .await;
    assert_eq!(r.body["risk_level"], "very_high", "{}", r.body);
    let bad = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/change-risk-questionnaire",
            Some(&t.admin),
            Some(json!({"questions": [], "thresholds": {"medium": 5, "high": 5, "very_high": 9}})),
        )
        .await;
    assert_eq!(bad.problem(422)["field"], "thresholds");
}

#[tokio::test]
async fn standard_changes_need_no_approval_and_high_risk_normal_ones_need_the_board() {
    let t = TestApp::spawn().await;
    let (ann, ann_token) = t.user("ann", "manager", None).await;
    let (bob, bob_token) = t.user("bob", "agent", None).await;
    let (_, eve_token) = t.user("eve", "agent", None).await;
    let cab = board(&t, "CAB", false, &[ann, bob]).await;
    set_policy(
        &t,
        json!({"normal": [{"risk_level": "high", "board_id": cab, "rule": "all"},
                          {"risk_level": "very_high", "board_id": cab, "rule": "quorum", "quorum": 2}],
               "emergency": {"rule": "any"}, "major_impact_services": 3}),
    )
    .await;

    // A standard change from a pre-approved template: no approval.
    let r = t
        .post(
            "/api/v1/change-templates",
            &t.admin,
            json!({"name": "Restart web tier", "category": "web",
                   "implementation_plan": "Rolling restart", "test_plan": "Health checks",
                   "backout_plan": "None needed"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let template = r.id();
    let r = t
        .post(
            "/api/v1/changes",
            &bob_token,
            json!({"change_type": "standard", "template_id": template, "title": "Restart",
                   "planned_start": START, "planned_end": END}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["implementation_plan"], "Rolling restart");
    assert_eq!(r.body["category"], "web");
    let c = to_assessed(&t, &bob_token, r.id()).await;
    assert_eq!(c["status"], "authorized");
    assert_eq!(c["approval"]["state"], "not_required");
    let r = t
        .post(
            "/api/v1/changes",
            &bob_token,
            json!({"change_type": "standard", "title": "No template"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "template_id");

    // A high-risk normal change waits for every member of the board.
    let c = change(&t, &bob_token, "normal", answers(2, 1, 0)).await;
    let id = c["id"].as_i64().unwrap();
    let c = to_assessed(&t, &bob_token, id).await;
    assert_eq!(c["status"], "assessment");
    assert_eq!(c["approval"]["state"], "requested");
    assert_eq!(c["approval"]["board_id"], cab);
    assert_eq!(c["approval"]["rule"], "all");
    // Only members decide, once each; it is not authorized before the rule is met.
    let (status, _) = act(
        &t,
        &eve_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = act(&t, &bob_token, id, "schedule", json!({})).await;
    assert_eq!(status, 409);
    let c = ok(
        &t,
        &ann_token,
        id,
        "decisions",
        json!({"decision": "approve", "comment": "fine"}),
    )
    .await;
    assert_eq!(c["status"], "assessment");
    let (status, body) = act(
        &t,
        &ann_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let c = ok(
        &t,
        &bob_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(c["status"], "authorized");
    assert_eq!(c["approval"]["state"], "approved");
    assert_eq!(c["approval"]["decisions"].as_array().unwrap().len(), 2);
    assert_eq!(c["approval"]["decisions"][0]["comment"], "fine");

    // A medium-risk change has no policy entry: authorized without a board.
    let c = change(&t, &bob_token, "normal", answers(1, 0, 0)).await;
    let c = to_assessed(&t, &bob_token, c["id"].as_i64().unwrap()).await;
    assert_eq!(c["status"], "authorized");

    // Decisions are audited.
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change&record_id={id}&action=approve"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
}

#[tokio::test]
async fn quorum_rejection_and_the_emergency_board() {
    let t = TestApp::spawn().await;
    let (a, a_token) = t.user("alma", "manager", None).await;
    let (b, b_token) = t.user("boris", "manager", None).await;
    let (c_id, c_token) = t.user("carl", "agent", None).await;
    let cab = board(&t, "CAB", false, &[a, b, c_id]).await;
    let ecab = board(&t, "ECAB", true, &[c_id]).await;
    // A second emergency board is refused.
    let r = t
        .post(
            "/api/v1/change-boards",
            &t.admin,
            json!({"name": "ECAB 2", "emergency": true}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "emergency");
    set_policy(
        &t,
        json!({"normal": [{"risk_level": "very_high", "board_id": cab, "rule": "quorum", "quorum": 2}],
               "emergency": {"rule": "any"}, "major_impact_services": 3}),
    )
    .await;

    // Quorum 2 of 3: the second approval authorizes.
    let ch = change(&t, &c_token, "normal", answers(2, 2, 2)).await;
    let id = ch["id"].as_i64().unwrap();
    let ch = to_assessed(&t, &c_token, id).await;
    assert_eq!(ch["approval"]["rule"], "quorum");
    assert_eq!(ch["approval"]["quorum"], 2);
    let ch = ok(
        &t,
        &a_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(ch["status"], "assessment");
    let ch = ok(
        &t,
        &b_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(ch["status"], "authorized");

    // A rejection rejects at once, and needs a reason.
    let ch = change(&t, &c_token, "normal", answers(2, 2, 2)).await;
    let id = ch["id"].as_i64().unwrap();
    to_assessed(&t, &c_token, id).await;
    ok(
        &t,
        &a_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    let (status, body) = act(&t, &b_token, id, "decisions", json!({"decision": "reject"})).await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "comment");
    let ch = ok(
        &t,
        &b_token,
        id,
        "decisions",
        json!({"decision": "reject", "comment": "no back-out tested"}),
    )
    .await;
    assert_eq!(ch["status"], "cancelled");
    assert_eq!(ch["approval"]["state"], "rejected");
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change&record_id={id}&action=reject"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["after"]["status"], "cancelled");

    // An emergency change goes to the emergency board, whatever its risk; members of the
    // normal board who are not on it cannot decide.
    let ch = change(&t, &c_token, "emergency", answers(0, 0, 0)).await;
    let id = ch["id"].as_i64().unwrap();
    let ch = to_assessed(&t, &c_token, id).await;
    assert_eq!(ch["approval"]["board_id"], ecab);
    let (status, _) = act(
        &t,
        &a_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(status, 403);
    let ch = ok(
        &t,
        &c_token,
        id,
        "decisions",
        json!({"decision": "approve"}),
    )
    .await;
    assert_eq!(ch["status"], "authorized");

    // An emergency change needs its review before closure, even when it went well.
    implement(&t, &c_token, id, "successful").await;
    let (status, body) = act(&t, &c_token, id, "close", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["field"], "review");
    ok(
        &t,
        &c_token,
        id,
        "review",
        json!({"notes": "Went fine under pressure", "outcome": "objectives met"}),
    )
    .await;
    let ch = ok(&t, &c_token, id, "close", json!({})).await;
    assert_eq!(ch["status"], "closed");
    assert_eq!(ch["review"]["outcome"], "objectives met");
}

#[tokio::test]
async fn an_emergency_change_without_an_emergency_board_is_refused() {
    let t = TestApp::spawn().await;
    let ch = change(&t, &t.admin, "emergency", answers(0, 0, 0)).await;
    let id = ch["id"].as_i64().unwrap();
    ok(&t, &t.admin, id, "submit", json!({})).await;
    let (status, body) = act(&t, &t.admin, id, "assess", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["field"], "change_type");
}

async fn ci(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": name, "ci_type": "server"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn service_on(t: &TestApp, name: &str, server: i64) -> i64 {
    let r = t
        .post("/api/v1/services", &t.admin, json!({"name": name}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let service_ci = r.body["ci_id"].as_i64().unwrap();
    let rel = t
        .post(
            &format!("/api/v1/cis/{service_ci}/relations"),
            &t.admin,
            json!({"kind": "depends_on", "target_id": server}),
        )
        .await;
    assert_eq!(rel.status, 201, "{}", rel.body);
    r.id()
}

#[tokio::test]
async fn major_changes_need_a_design_and_transition_record() {
    let t = TestApp::spawn().await;
    // Impact comes from the CI impact analysis: three services run on one server.
    let server = ci(&t, "db-1").await;
    let mut services = Vec::new();
    for name in ["Mail", "Portal", "Payroll"] {
        services.push(service_on(&t, name, server).await);
    }
    let lone = ci(&t, "lone").await;
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "normal", "title": "Lone", "ci_ids": [lone]}),
        )
        .await;
    assert_eq!(r.body["impact"], "low", "{}", r.body);
    assert_eq!(r.body["major"], false);

    let ch = change(&t, &t.admin, "normal", answers(0, 0, 0)).await;
    let id = ch["id"].as_i64().unwrap();
    let r = t
        .patch(
            &format!("/api/v1/changes/{id}"),
            &t.admin,
            json!({"ci_ids": [server]}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["impact"], "major", "{}", r.body);
    assert_eq!(r.body["major"], true);
    let mut impacted: Vec<i64> =
        serde_json::from_value(r.body["impacted_service_ids"].clone()).unwrap();
    impacted.sort_unstable();
    assert_eq!(impacted, services);

    ok(&t, &t.admin, id, "submit", json!({})).await;
    let (status, body) = act(&t, &t.admin, id, "assess", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["field"], "design");
    assert_eq!(
        t.get(&format!("/api/v1/changes/{id}"), &t.admin).await.body["status"],
        "assessment"
    );
    // A design with an empty part is refused on that part.
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/changes/{id}/design"),
            Some(&t.admin),
            Some(
                json!({"requirements": "HA", "design": "", "acceptance_criteria": "x",
                        "transition_plan": "y"}),
            ),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "design");
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/changes/{id}/design"),
            Some(&t.admin),
            Some(
                json!({"requirements": "Mail, Portal and Payroll keep running",
                        "design": "Primary-replica", "acceptance_criteria": "Failover < 1 min",
                        "transition_plan": "Replica first, then switch"}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let ch = ok(&t, &t.admin, id, "assess", json!({})).await;
    assert_eq!(ch["status"], "authorized");
    assert_eq!(ch["design"]["design"], "Primary-replica");

    // A new service is major whatever its impact.
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "normal", "title": "New service", "service_change": "new"}),
        )
        .await;
    assert_eq!(r.body["major"], true);
    assert_eq!(r.body["impact"], "low");
}

#[tokio::test]
async fn failed_changes_need_a_review_and_incidents_link_to_their_change() {
    let t = TestApp::spawn().await;
    let ch = change(&t, &t.admin, "normal", answers(0, 0, 0)).await;
    let id = ch["id"].as_i64().unwrap();
    to_assessed(&t, &t.admin, id).await;
    // Scheduling can move the window, still end after start.
    let (status, body) = act(
        &t,
        &t.admin,
        id,
        "schedule",
        json!({"planned_start": "2026-06-02T10:00:00Z", "planned_end": "2026-06-02T09:00:00Z"}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "planned_end");
    let ch = ok(
        &t,
        &t.admin,
        id,
        "schedule",
        json!({"planned_start": "2026-06-02T10:00:00Z", "planned_end": "2026-06-02T11:00:00Z"}),
    )
    .await;
    assert_eq!(ch["planned_start"], "2026-06-02T10:00:00Z");
    ok(&t, &t.admin, id, "start", json!({})).await;
    let (status, _) = act(&t, &t.admin, id, "cancel", json!({})).await;
    assert_eq!(status, 409);
    let (status, body) = act(&t, &t.admin, id, "complete", json!({"outcome": "maybe"})).await;
    assert_eq!(status, 422, "{body}");
    ok(&t, &t.admin, id, "complete", json!({"outcome": "failed"})).await;
    let (status, body) = act(&t, &t.admin, id, "close", json!({})).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["field"], "review");
    assert!(body["detail"].as_str().unwrap().contains("failed"));

    // The incident it caused is linked to it.
    let inc = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Database down after upgrade", "impact": "high", "urgency": "high"}),
        )
        .await;
    assert_eq!(inc.status, 201, "{}", inc.body);
    let ch = ok(
        &t,
        &t.admin,
        id,
        "incidents",
        json!({"incident_id": inc.id()}),
    )
    .await;
    assert_eq!(ch["caused_incident_ids"], json!([inc.id()]));
    let (status, body) = act(
        &t,
        &t.admin,
        id,
        "incidents",
        json!({"incident_id": 999999}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["field"], "incident_id");

    ok(
        &t,
        &t.admin,
        id,
        "review",
        json!({"notes": "Upgrade script missed a step", "outcome": "rolled forward"}),
    )
    .await;
    let ch = ok(&t, &t.admin, id, "close", json!({})).await;
    assert_eq!(ch["status"], "closed");
    assert_eq!(ch["review"]["notes"], "Upgrade script missed a step");
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=change&record_id={id}&action=link_incident"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
}

#[tokio::test]
async fn a_manager_walks_a_normal_change_from_draft_to_closed_on_the_screens() {
    use crate::support::ADMIN_PASSWORD;
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    let mut b = Browser::new(&t);
    b.login("admin", ADMIN_PASSWORD).await;
    let list = b.get("/manage/changes").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let csrf = csrf_of(&list.body);

    // Refused field by field, next to the field, with the input kept.
    let page = b
        .post(
            "/manage/changes",
            &[
                ("csrf", &csrf),
                ("change_type", "normal"),
                ("title", ""),
                ("planned_start", "2026-06-01T20:00:00Z"),
                ("planned_end", "yesterday"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("id=\"ce-title\""), "{}", page.body);

    let page = b
        .post(
            "/manage/changes",
            &[
                ("csrf", &csrf),
                ("change_type", "normal"),
                ("title", "Patch the mail server"),
                ("service_change", "none"),
                ("implementation_plan", "Apply the patch"),
                ("test_plan", "Send a test mail"),
                ("backout_plan", "Uninstall the patch"),
                ("planned_start", START),
                ("planned_end", END),
                ("risk.tested", "0"),
                ("risk.backout", "1"),
                ("risk.users", "0"),
            ],
        )
        .await;
    assert_eq!(page.status, 303, "{}", page.body);
    let listed = t.get("/api/v1/changes", &t.admin).await;
    let c = &listed.body["items"][0];
    assert_eq!(c["risk_level"], "medium", "{c}");
    let id = c["id"].as_i64().unwrap();
    let view = format!("/manage/changes/{id}/view");
    let page = b.get(&view).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("Submit for assessment"));

    // A move the lifecycle does not allow comes back as a refusal.
    let page = b
        .post(
            &format!("/manage/changes/{id}/act/start"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(page.status, 303);
    let page = b.get(&view).await;
    assert!(
        page.body.contains("cannot become implementing"),
        "{}",
        page.body
    );

    for (action, form) in [
        ("submit", vec![]),
        ("assess", vec![]),
        (
            "schedule",
            vec![("planned_start", START), ("planned_end", END)],
        ),
        ("start", vec![]),
        ("complete", vec![("outcome", "successful")]),
        ("close", vec![]),
    ] {
        let mut fields = vec![("csrf", csrf.as_str())];
        fields.extend(form);
        let page = b
            .post(&format!("/manage/changes/{id}/act/{action}"), &fields)
            .await;
        assert_eq!(page.status, 303, "{action}: {}", page.body);
        let page = b.get(&view).await;
        assert!(
            !page.body.contains("role=\"alert\""),
            "{action}: {}",
            page.body
        );
    }
    let r = t.get(&format!("/api/v1/changes/{id}"), &t.admin).await;
    assert_eq!(r.body["status"], "closed", "{}", r.body);

    for path in [
        "/manage/change-boards",
        "/manage/change-templates",
        "/manage/change-policy",
        "/manage/change-risk",
    ] {
        let page = b.get(path).await;
        assert_eq!(page.status, 200, "{path}: {}", page.body);
    }
    // The policy is edited as its JSON document; a bad one is refused on the field.
    let page = b
        .post(
            "/manage/change-policy",
            &[("csrf", &csrf), ("document", "{\"normal\": 3}")],
        )
        .await;
    assert_eq!(page.status, 422);
    assert!(page.body.contains("id=\"ce-document\""), "{}", page.body);
}
