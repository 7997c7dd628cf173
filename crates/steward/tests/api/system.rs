//! The management system's own records (ISO/IEC 20000-1 4.3, 5.2, 6.1, 6.2): the versioned
//! SMS scope and policy with approval, objectives read from report figures, the risk
//! register by level, and the figures the evidence map reads.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

async fn put(t: &TestApp, path: &str, token: &str, body: Value) -> crate::support::Reply {
    t.send(Method::PUT, path, Some(token), Some(body)).await
}

#[tokio::test]
async fn the_scope_is_versioned_approved_and_immutable_once_approved() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("carl", "customer", Some(org)).await;
    let mail = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live"}),
        )
        .await
        .id();

    assert_eq!(t.get("/api/v1/system/scope", &mona).await.status, 404);
    assert_eq!(t.get("/api/v1/system/scope", &customer).await.status, 403);
    let body = json!({"text": "Hosted mail for customers", "service_ids": [mail]});
    assert_eq!(
        put(&t, "/api/v1/system/scope", &agent, body.clone())
            .await
            .status,
        403
    );
    for (bad, field) in [
        (json!({"service_ids": [mail]}), "text"),
        (json!({"text": "x", "service_ids": [9999]}), "service_ids"),
        (
            json!({"text": "x", "organization_ids": [9999]}),
            "organization_ids",
        ),
        (
            json!({"text": "x", "review_due_on": "soon"}),
            "review_due_on",
        ),
        (json!({"text": "x", "owner_id": 9999}), "owner_id"),
    ] {
        let r = put(&t, "/api/v1/system/scope", &mona, bad.clone()).await;
        assert_eq!(r.problem(422)["errors"][0]["field"], field, "{bad}");
    }
    let audit = t.audit_count().await;
    let v1 = put(&t, "/api/v1/system/scope", &mona, body).await;
    assert_eq!(v1.status, 200, "{}", v1.body);
    assert_eq!(
        (v1.body["version"].as_i64(), v1.body["status"].as_str()),
        (Some(1), Some("draft"))
    );
    assert_eq!(t.audit_count().await, audit + 1);
    // Approving needs an owner and a review date.
    let r = t
        .post("/api/v1/system/scope/approve", &mona, json!({}))
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "owner_id");
    let r = t
        .patch(
            "/api/v1/system/scope",
            &mona,
            json!({"owner_id": mona_id, "review_due_on": "2027-06-30", "organization_ids": [org],
                   "exclusions": "Legacy fax service"}),
        )
        .await;
    assert_eq!(
        r.body["version"], 1,
        "a draft is rewritten in place: {}",
        r.body
    );
    assert_eq!(r.body["text"], "Hosted mail for customers");
    let approved = t
        .post("/api/v1/system/scope/approve", &mona, json!({}))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["approved_by"], mona_id);
    let again = t
        .post("/api/v1/system/scope/approve", &mona, json!({}))
        .await;
    assert!(again.problem(409)["detail"].is_string(), "{}", again.body);
    // Editing the approved scope starts version 2; version 1 stays as approved.
    let v2 = t
        .patch(
            "/api/v1/system/scope",
            &mona,
            json!({"text": "Hosted mail and chat"}),
        )
        .await;
    assert_eq!(
        (v2.body["version"].as_i64(), v2.body["status"].as_str()),
        (Some(2), Some("draft"))
    );
    assert_eq!(v2.body["service_ids"], json!([mail]));
    let versions = t.get("/api/v1/system/scope/versions", &auditor).await;
    assert_eq!(versions.status, 200);
    let list = versions.body.as_array().unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[1]["text"], "Hosted mail for customers");
    assert_eq!(list[1]["status"], "approved");
    assert_eq!(
        t.get("/api/v1/system/scope", &auditor).await.body["version"],
        2
    );
    let trail = t.get("/api/v1/audit?record_type=sms_scope", &t.admin).await;
    assert_eq!(trail.body["total"], 4, "{}", trail.body);
}

#[tokio::test]
async fn the_policy_shares_the_versioning_and_has_no_services() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let r = put(
        &t,
        "/api/v1/system/policy",
        &mona,
        json!({"text": "x", "service_ids": [1]}),
    )
    .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "service_ids");
    let r = put(
        &t,
        "/api/v1/system/policy",
        &mona,
        json!({"text": "We commit to meet agreed service levels.", "owner_id": mona_id,
               "review_due_on": "2027-01-31"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        t.post("/api/v1/system/policy/approve", &mona, json!({}))
            .await
            .status,
        200
    );
    // A PUT gives the whole statement again: what it leaves out is cleared.
    let v2 = put(
        &t,
        "/api/v1/system/policy",
        &mona,
        json!({"text": "Revised"}),
    )
    .await;
    assert_eq!(
        (v2.body["version"].as_i64(), &v2.body["owner_id"]),
        (Some(2), &Value::Null)
    );
    let versions = t.get("/api/v1/system/policy/versions", &mona).await;
    assert_eq!(versions.body[1]["owner_id"], mona_id);
}

#[tokio::test]
async fn objectives_read_their_figure_and_say_when_there_is_no_data() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let mail = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live"}),
        )
        .await
        .id();
    for (bad, field) in [
        (json!({"measure": "x"}), "title"),
        (json!({"title": "x", "target_value": 99}), "direction"),
        (
            json!({"title": "x", "figure": "availability_percent"}),
            "service_id",
        ),
        (
            json!({"title": "x", "figure": "satisfaction_average", "target_value": 9, "direction": "at_least"}),
            "target_value",
        ),
        (json!({"title": "x", "figure": "uptime"}), "figure"),
        (
            json!({"title": "x", "target_date": "2027-13-01"}),
            "target_date",
        ),
        (json!({"title": "x", "service_id": 9999}), "service_id"),
    ] {
        let r = t
            .post("/api/v1/system/objectives", &mona, bad.clone())
            .await;
        assert_eq!(r.problem(422)["errors"][0]["field"], field, "{bad}");
    }
    assert_eq!(
        t.post("/api/v1/system/objectives", &agent, json!({"title": "x"}))
            .await
            .status,
        403
    );
    let made = t
        .post(
            "/api/v1/system/objectives",
            &mona,
            json!({"title": "Happy customers", "owner_id": mona_id, "measure": "Mean survey rating",
                   "target_value": 4.2, "direction": "at_least", "target_date": "2027-03-31",
                   "figure": "satisfaction_average"}),
        )
        .await;
    assert_eq!(made.status, 201, "{}", made.body);
    let current = &made.body["current"];
    assert_eq!(current["value"], Value::Null, "{current}");
    assert_eq!(current["meets_target"], Value::Null);
    assert_eq!(current["summary"], "no data in the last 30 days");
    let avail = t
        .post(
            "/api/v1/system/objectives",
            &mona,
            json!({"title": "Mail available", "target_value": 99.5, "direction": "at_least",
                   "figure": "availability_percent", "service_id": mail}),
        )
        .await;
    assert_eq!(avail.status, 201, "{}", avail.body);
    let reading = &avail.body["current"];
    assert_eq!(reading["figure"], "availability_percent");
    // Either a percentage compared with the target, or explicitly nothing — never a made-up 0.
    match reading["value"].as_f64() {
        Some(v) => assert_eq!(reading["meets_target"], json!(v >= 99.5)),
        None => assert_eq!(reading["summary"], "no data in the last 30 days"),
    }
    let id = made.id();
    let r = t
        .patch(
            &format!("/api/v1/system/objectives/{id}"),
            &mona,
            json!({"status": "withdrawn", "figure": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["current"], Value::Null);
    let list = t
        .get("/api/v1/system/objectives?status=open", &auditor)
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(
        t.get("/api/v1/system/objectives/9999", &auditor)
            .await
            .status,
        404
    );
    assert_eq!(
        t.get("/api/v1/system/objectives?status=maybe", &auditor)
            .await
            .status,
        400
    );
}

#[tokio::test]
async fn risks_are_scored_into_levels_filtered_and_sorted() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    for (bad, field) in [
        (
            json!({"title": "x", "kind": "risk", "likelihood": 0, "impact": 3}),
            "likelihood",
        ),
        (
            json!({"title": "x", "kind": "risk", "likelihood": 2}),
            "impact",
        ),
        (
            json!({"title": "x", "kind": "risk", "likelihood": 2, "impact": 2, "treatment": "exploit"}),
            "treatment",
        ),
        (
            json!({"title": "x", "kind": "peril", "likelihood": 2, "impact": 2}),
            "kind",
        ),
        (
            json!({"title": "x", "kind": "risk", "likelihood": 2, "impact": 2, "service_ids": [77]}),
            "service_ids",
        ),
    ] {
        let r = t.post("/api/v1/system/risks", &mona, bad.clone()).await;
        assert_eq!(r.problem(422)["errors"][0]["field"], field, "{bad}");
    }
    let high = t
        .post(
            "/api/v1/system/risks",
            &mona,
            json!({"title": "One data centre", "kind": "risk", "likelihood": 3, "impact": 5,
                   "owner_id": mona_id, "review_due_on": "2027-02-01"}),
        )
        .await;
    assert_eq!(high.status, 201, "{}", high.body);
    assert_eq!(
        (high.body["score"].as_i64(), high.body["level"].as_str()),
        (Some(15), Some("high"))
    );
    let low = t
        .post(
            "/api/v1/system/risks",
            &mona,
            json!({"title": "Chat adoption", "kind": "opportunity", "likelihood": 2, "impact": 2,
                   "treatment": "exploit"}),
        )
        .await;
    assert_eq!(low.body["level"], "low");
    let list = t.get("/api/v1/system/risks", &auditor).await;
    assert_eq!(
        list.body[0]["title"], "One data centre",
        "highest score first"
    );
    let only_high = t.get("/api/v1/system/risks?level=high", &auditor).await;
    assert_eq!(only_high.body.as_array().unwrap().len(), 1);
    let newest = t.get("/api/v1/system/risks?sort=newest", &auditor).await;
    assert_eq!(newest.body[0]["title"], "Chat adoption");
    assert_eq!(
        t.get("/api/v1/system/risks?level=huge", &auditor)
            .await
            .status,
        400
    );
    let id = high.id();
    let r = t
        .patch(
            &format!("/api/v1/system/risks/{id}"),
            &mona,
            json!({"status": "treated"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "treatment");
    let r = t
        .patch(
            &format!("/api/v1/system/risks/{id}"),
            &mona,
            json!({"impact": 2, "treatment": "reduce", "treatment_text": "Second site"}),
        )
        .await;
    assert_eq!(
        (r.body["score"].as_i64(), r.body["level"].as_str()),
        (Some(6), Some("medium"))
    );
    assert_eq!(
        t.patch(
            &format!("/api/v1/system/risks/{id}"),
            &auditor,
            json!({"impact": 1})
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn the_conformity_figures_move_when_the_records_change() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let figures = |t: &TestApp| {
        let db = t.app.db().clone();
        async move {
            let mut conn = db.read().await.unwrap();
            steward_store::improvement::system::conformity_figures(conn.ex(), "2030-01-01")
                .await
                .unwrap()
        }
    };
    let empty = figures(&t).await;
    assert!(empty.scope.is_none() && empty.policy.is_none());
    assert_eq!((empty.objectives_total, empty.risks_total), (0, 0));

    let mail = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live"}),
        )
        .await
        .id();
    put(&t, "/api/v1/system/scope", &mona,
        json!({"text": "Mail", "service_ids": [mail], "owner_id": mona_id, "review_due_on": "2031-01-01"})).await;
    let f = figures(&t).await;
    let scope = f.scope.unwrap();
    assert!(!scope.approved && scope.has_draft_changes);
    assert_eq!(scope.service_count, 1);
    t.post("/api/v1/system/scope/approve", &mona, json!({}))
        .await;
    let scope = figures(&t).await.scope.unwrap();
    assert!(scope.approved && !scope.has_draft_changes);
    assert_eq!(scope.review_due_on.as_deref(), Some("2031-01-01"));

    t.post(
        "/api/v1/system/objectives",
        &mona,
        json!({"title": "Late", "target_date": "2029-12-31"}),
    )
    .await;
    t.post(
        "/api/v1/system/objectives",
        &mona,
        json!({"title": "Owned", "owner_id": mona_id, "measure": "m", "target_date": "2031-01-01"}),
    )
    .await;
    t.post("/api/v1/system/risks", &mona,
        json!({"title": "Fire", "kind": "risk", "likelihood": 5, "impact": 5, "review_due_on": "2029-01-01"})).await;
    let f = figures(&t).await;
    assert_eq!(
        (
            f.objectives_total,
            f.objectives_open_overdue,
            f.objectives_without_owner_or_measure
        ),
        (2, 1, 1)
    );
    assert_eq!(
        (
            f.risks_total,
            f.risks_review_overdue,
            f.risks_high_untreated
        ),
        (1, 1, 1)
    );
    let api = t.get("/api/v1/system/figures", &mona).await;
    assert_eq!(api.body["risks_total"], 1, "{}", api.body);
}

#[tokio::test]
async fn the_cli_prints_the_scope_and_the_objectives_as_tables() {
    let t = TestApp::spawn().await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let run = |args: &[&str]| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_steward"))
            .arg("--database-url")
            .arg(&t.database_url)
            .args(args)
            .output()
            .expect("run steward");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8_lossy(&o.stdout).into_owned()
    };
    assert_eq!(run(&["system", "scope", "show"]).trim(), "no SMS scope yet");
    put(
        &t,
        "/api/v1/system/scope",
        &mona,
        json!({"text": "Hosted mail", "owner_id": mona_id, "review_due_on": "2027-06-30"}),
    )
    .await;
    t.post("/api/v1/system/scope/approve", &mona, json!({}))
        .await;
    t.patch(
        "/api/v1/system/scope",
        &mona,
        json!({"text": "Hosted mail and chat"}),
    )
    .await;
    let out = run(&["system", "scope", "show"]);
    let words = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines: Vec<String> = out.lines().map(words).collect();
    assert!(lines[0].starts_with("version status"), "{out}");
    assert!(
        lines.iter().any(|l| l.starts_with("2 draft"))
            && lines.iter().any(|l| l.starts_with("1 approved")),
        "{out}"
    );
    assert!(out.contains("Hosted mail and chat"), "{out}");
    t.post(
        "/api/v1/system/objectives",
        &mona,
        json!({"title": "Happy customers", "figure": "satisfaction_average",
               "target_value": 4, "direction": "at_least"}),
    )
    .await;
    let out = run(&["system", "objectives", "list"]);
    assert!(
        out.lines()
            .map(words)
            .any(|l| l.starts_with("OBJ-0001 Happy customers open")),
        "{out}"
    );
    assert!(
        out.contains(">= 4") && out.contains("no data in the last 30 days"),
        "{out}"
    );
}
