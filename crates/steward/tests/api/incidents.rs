//! Incidents: priority matrix, numbering, lifecycle, assignment, tenant isolation.
use crate::support::TestApp;
use serde_json::json;

async fn incident(t: &TestApp, token: &str, impact: &str, urgency: &str) -> serde_json::Value {
    let r = t
        .post(
            "/api/v1/incidents",
            token,
            // A customer leaves impact to the desk: "" sends none.
            if impact.is_empty() {
                json!({"title": "Mail is down", "urgency": urgency})
            } else {
                json!({"title": "Mail is down", "impact": impact, "urgency": urgency})
            },
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn priority_follows_the_matrix_which_admins_can_change() {
    let t = TestApp::spawn().await;
    let cases = [
        ("high", "high", "P1"),
        ("high", "medium", "P2"),
        ("medium", "high", "P2"),
        ("high", "low", "P3"),
        ("medium", "medium", "P3"),
        ("low", "high", "P3"),
        ("medium", "low", "P4"),
        ("low", "medium", "P4"),
        ("low", "low", "P5"),
    ];
    for (impact, urgency, expected) in cases {
        let body = incident(&t, &t.admin, impact, urgency).await;
        assert_eq!(body["priority"], expected, "{impact} × {urgency}");
        assert_eq!(body["status"], "new");
        assert!(body["opened_at"].as_str().unwrap().ends_with('Z'));
    }
    let mut m = t
        .get("/api/v1/settings/priority-matrix", &t.admin)
        .await
        .body;
    m["cells"][2][2] = json!("P4");
    let (_, manager) = t.user("mia", "manager", None).await;
    t.send(
        reqwest::Method::PUT,
        "/api/v1/settings/priority-matrix",
        Some(&manager),
        Some(m.clone()),
    )
    .await
    .problem(403);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/priority-matrix",
            Some(&t.admin),
            Some(m),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(incident(&t, &t.admin, "low", "low").await["priority"], "P4");
    let bad = json!({"cells": [["P5", "P1", "P1"], ["P1", "P1", "P1"], ["P1", "P1", "P1"]]});
    t.send(
        reqwest::Method::PUT,
        "/api/v1/settings/priority-matrix",
        Some(&t.admin),
        Some(bad),
    )
    .await
    .problem(422);
}

#[tokio::test]
async fn numbers_are_unique_and_gap_free_under_concurrent_writers() {
    let t = TestApp::spawn().await;
    // A refused create must not use up a number.
    t.post(
        "/api/v1/incidents",
        &t.admin,
        json!({"title": "x", "impact": "high", "urgency": "high", "service_id": 999}),
    )
    .await
    .problem(422);
    let mut tasks = Vec::new();
    for _ in 0..30 {
        let (http, url, token) = (
            t.http.clone(),
            format!("{}/api/v1/incidents", t.url),
            t.admin.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = http
                .post(url)
                .bearer_auth(token)
                .json(&json!({"title": "t", "impact": "low", "urgency": "low"}))
                .send()
                .await
                .unwrap();
            r.json::<serde_json::Value>().await.unwrap()["number"]
                .as_str()
                .unwrap()
                .to_owned()
        }));
    }
    let mut numbers = Vec::new();
    for task in tasks {
        numbers.push(task.await.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=30).map(|n| format!("INC-{n:06}")).collect();
    assert_eq!(numbers, expected);
}

#[tokio::test]
async fn every_transition_is_checked_and_kept_in_the_timeline() {
    let t = TestApp::spawn().await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let (agent_id, agent) = t.user("ann", "agent", None).await;
    let id = incident(&t, &agent, "medium", "medium").await["id"]
        .as_i64()
        .unwrap();
    let go = |to: serde_json::Value| {
        let (t, agent) = (&t, agent.clone());
        async move {
            t.post(&format!("/api/v1/incidents/{id}/transition"), &agent, to)
                .await
        }
    };
    let r = go(json!({"to": "closed"})).await;
    let p = r.problem(409);
    assert_eq!(
        p["allowed"],
        json!(["assigned", "in_progress", "cancelled"])
    );
    go(json!({"to": "assigned"})).await.problem(422);
    go(json!({"to": "sleeping"})).await.problem(422);

    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/assign"),
            &agent,
            json!({"team_id": team}),
        )
        .await;
    assert_eq!(r.body["status"], "assigned");
    assert_eq!(r.body["reassignment_count"], 0);
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/assign"),
            &agent,
            json!({"team_id": team, "assignee_id": agent_id}),
        )
        .await;
    assert_eq!(r.body["reassignment_count"], 1);

    assert_eq!(
        go(json!({"to": "in_progress"})).await.body["status"],
        "in_progress"
    );
    let r = go(json!({"to": "pending"})).await;
    assert_eq!(r.problem(422)["field"], "reason");
    let r = go(json!({"to": "pending", "reason": "supplier"})).await;
    assert_eq!(r.body["pending_reason"], "supplier");
    let r = go(json!({"to": "resolved", "resolution_code": "fixed"})).await;
    assert_eq!(r.problem(422)["field"], "resolution_notes");
    let r = go(json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Replaced the disk"})).await;
    assert_eq!(r.body["status"], "resolved");
    assert!(r.body["resolved_at"].is_string());
    assert!(r.body["pending_reason"].is_null());
    let r = go(json!({"to": "in_progress"})).await;
    assert_eq!(r.body["reopen_count"], 1);
    assert!(r.body["resolved_at"].is_null());
    go(json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Again"})).await;
    let r = go(json!({"to": "closed"})).await;
    assert_eq!(r.body["status"], "closed");
    assert!(r.body["closed_at"].is_string());
    assert_eq!(
        go(json!({"to": "in_progress"})).await.problem(409)["allowed"],
        json!([])
    );
    t.post(
        &format!("/api/v1/incidents/{id}/assign"),
        &agent,
        json!({"team_id": null}),
    )
    .await
    .problem(409);

    let r = t.get(&format!("/api/v1/incidents/{id}"), &agent).await;
    let steps: Vec<String> = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}:{}",
                e["event"].as_str().unwrap(),
                e["to_status"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        steps,
        [
            "created:new",
            "assignment:assigned",
            "assignment:assigned",
            "transition:in_progress",
            "transition:pending",
            "transition:resolved",
            "transition:in_progress",
            "transition:resolved",
            "transition:closed"
        ]
    );
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=incident&record_id={id}"),
            &t.admin,
        )
        .await;
    assert_eq!(audit.body["total"], 9);
}

#[tokio::test]
async fn customers_raise_and_see_only_their_organizations_incidents() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (wile, acme_token) = t.user("wile", "customer", Some(acme)).await;
    let (_, globex_token) = t.user("hank", "customer", Some(globex)).await;
    let mine = incident(&t, &acme_token, "", "high").await;
    assert_eq!(mine["organization_id"], acme);
    assert_eq!(mine["requester_id"], wile);
    assert_eq!(mine["channel"], "portal");
    let id = mine["id"].as_i64().unwrap();
    let r = t
        .post(
            "/api/v1/incidents",
            &acme_token,
            json!({"title": "x", "impact": "low", "urgency": "low", "organization_id": globex}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "organization_id");

    incident(&t, &globex_token, "", "low").await;
    let r = t.get("/api/v1/incidents", &acme_token).await;
    assert_eq!(r.body["total"], 1);
    let r = t
        .get(
            &format!("/api/v1/incidents?organization_id={globex}"),
            &acme_token,
        )
        .await;
    assert_eq!(r.body["total"], 1, "the scope wins over the filter");
    assert_eq!(r.body["items"][0]["id"], id);
    t.get(&format!("/api/v1/incidents/{id}"), &globex_token)
        .await
        .problem(404);
    t.post(
        &format!("/api/v1/incidents/{id}/transition"),
        &globex_token,
        json!({"to": "cancelled"}),
    )
    .await
    .problem(404);
    t.post(
        &format!("/api/v1/incidents/{id}/transition"),
        &acme_token,
        json!({"to": "cancelled"}),
    )
    .await
    .problem(403);
    assert_eq!(t.get("/api/v1/incidents", &t.admin).await.body["total"], 2);
}

#[tokio::test]
async fn lists_filter_and_sort() {
    let t = TestApp::spawn().await;
    for (i, u) in [("high", "high"), ("low", "low"), ("medium", "medium")] {
        incident(&t, &t.admin, i, u).await;
    }
    let r = t.get("/api/v1/incidents?priority=P1", &t.admin).await;
    assert_eq!(r.body["total"], 1);
    let r = t.get("/api/v1/incidents?sort=priority", &t.admin).await;
    let ps: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["priority"].as_str().unwrap())
        .collect();
    assert_eq!(ps, ["P1", "P3", "P5"]);
    let r = t
        .get("/api/v1/incidents?sort=-number&limit=1", &t.admin)
        .await;
    assert_eq!(r.body["items"][0]["number"], "INC-000003");
    assert_eq!(r.body["total"], 3);
    t.get("/api/v1/incidents?sort=title;drop", &t.admin)
        .await
        .problem(400);
    t.get("/api/v1/incidents?priority=P9", &t.admin)
        .await
        .problem(400);
    t.get("/api/v1/incidents?status=sleeping", &t.admin)
        .await
        .problem(400);
    let r = t
        .get(
            "/api/v1/incidents?opened_from=2000-01-01T00:00:00Z&opened_to=2001-01-01T00:00:00Z",
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 0);
}

#[tokio::test]
async fn the_work_log_keeps_internal_notes_from_customers() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, other) = t.user("hank", "customer", Some(globex)).await;
    let (_, agent) = t.user("ann", "agent", None).await;
    let id = incident(&t, &customer, "", "low").await["id"]
        .as_i64()
        .unwrap();
    let url = format!("/api/v1/incidents/{id}/comments");

    let r = t
        .post(&url, &agent, json!({"body": "We are looking into it"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["public"], true);
    let r = t
        .post(
            &url,
            &agent,
            json!({"body": "Probably the relay again", "public": false, "time_spent_minutes": 20}),
        )
        .await;
    assert_eq!(r.body["time_spent_minutes"], 20);
    t.post(
        &url,
        &agent,
        json!({"body": "x", "time_spent_minutes": 5000}),
    )
    .await
    .problem(422);
    t.post(&url, &agent, json!({"body": "  "}))
        .await
        .problem(422);
    assert_eq!(
        t.post(&url, &customer, json!({"body": "Thanks!"}))
            .await
            .status,
        201
    );
    t.post(&url, &customer, json!({"body": "sneaky", "public": false}))
        .await
        .problem(422);
    t.post(&url, &other, json!({"body": "not mine"}))
        .await
        .problem(404);
    t.get(&url, &other).await.problem(404);

    let seen_by_customer: Vec<String> = t
        .get(&url, &customer)
        .await
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["body"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(seen_by_customer, ["We are looking into it", "Thanks!"]);
    let seen_by_agent = t.get(&url, &agent).await.body.as_array().unwrap().len();
    assert_eq!(seen_by_agent, 3);
    let events: Vec<String> =
        t.get(&format!("/api/v1/incidents/{id}"), &agent).await.body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect();
    assert_eq!(events, ["created", "reply", "note", "reply"]);
}

#[tokio::test]
async fn resolved_incidents_close_by_themselves_after_the_configured_time() {
    let t = TestApp::spawn().await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let mut ids = Vec::new();
    for _ in 0..2 {
        let id = incident(&t, &t.admin, "low", "low").await["id"]
            .as_i64()
            .unwrap();
        t.post(
            &format!("/api/v1/incidents/{id}/assign"),
            &t.admin,
            json!({"team_id": team}),
        )
        .await;
        let r = t
            .post(
                &format!("/api/v1/incidents/{id}/transition"),
                &t.admin,
                json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "done"}),
            )
            .await;
        assert_eq!(r.body["status"], "resolved");
        ids.push(id);
    }
    // The second one is reopened, so it must stay open.
    t.post(
        &format!("/api/v1/incidents/{}/transition", ids[1]),
        &t.admin,
        json!({"to": "in_progress"}),
    )
    .await;

    // The default (5 days) has not passed: nothing closes.
    t.app.housekeeping("node-a").await.unwrap();
    assert_eq!(
        t.get(&format!("/api/v1/incidents/{}", ids[0]), &t.admin)
            .await
            .body["status"],
        "resolved"
    );

    let db = steward_store::Db::connect(&t.database_url, &Default::default())
        .await
        .unwrap();
    let impatient = steward_app::App::new(
        db,
        steward_app::Settings {
            auto_close_after: jiff::SignedDuration::ZERO,
            ..Default::default()
        },
    );
    impatient.housekeeping("node-a").await.unwrap();
    let r = t
        .get(&format!("/api/v1/incidents/{}", ids[0]), &t.admin)
        .await;
    assert_eq!(r.body["status"], "closed");
    let last = r.body["timeline"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["actor"], "system:auto-close");
    assert_eq!(
        t.get(&format!("/api/v1/incidents/{}", ids[1]), &t.admin)
            .await
            .body["status"],
        "in_progress"
    );
    let audit = t.get("/api/v1/audit?action=auto_close", &t.admin).await;
    assert_eq!(audit.body["total"], 1);
    assert!(t.app.verify_audit().await.unwrap().is_ok());
}

#[tokio::test]
async fn repeated_incidents_on_a_service_or_category_are_problem_candidates() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(org)).await;
    let mail = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let dns = t
        .post("/api/v1/services", &t.admin, json!({"name": "DNS"}))
        .await
        .id();
    for _ in 0..3 {
        t.post("/api/v1/incidents", &t.admin, json!({"title": "bounce", "impact": "low", "urgency": "low", "service_id": mail, "category": "email"})).await;
    }
    t.post(
        "/api/v1/incidents",
        &t.admin,
        json!({"title": "slow", "impact": "low", "urgency": "low", "service_id": dns}),
    )
    .await;
    let r = t
        .get("/api/v1/problems/candidates?min=3&window_days=7", &t.admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let found: Vec<(String, String, i64)> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["dimension"].as_str().unwrap().to_owned(),
                c["value"].as_str().unwrap().to_owned(),
                c["incidents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("category".into(), "email".into(), 3),
            ("service".into(), mail.to_string(), 3)
        ]
    );
    assert_eq!(
        t.get("/api/v1/problems/candidates?min=2", &t.admin)
            .await
            .body
            .as_array()
            .unwrap()
            .len(),
        2
    );
    t.get("/api/v1/problems/candidates?min=1", &t.admin)
        .await
        .problem(422);
    t.get("/api/v1/problems/candidates?window_days=0", &t.admin)
        .await
        .problem(422);
    t.get("/api/v1/problems/candidates", &customer)
        .await
        .problem(403);
}
