//! The improvement register (ISO/IEC 20000-1 10.2): proposing and scoring, deciding with a
//! reason, ranks, links, the measured result, and the opportunities the records raise once
//! per service or SLA and month — also with two nodes on one database.
use crate::support::{TestApp, postgres_url};
use serde_json::{Value, json};

async fn propose(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.post("/api/v1/improvements", token, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

#[tokio::test]
async fn opportunities_are_scored_ranked_decided_with_a_reason_and_audited() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("carl", "customer", Some(org)).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live"}),
        )
        .await
        .id();

    for (body, field) in [
        (json!({"source": "staff_suggestion"}), "title"),
        (json!({"title": "x"}), "source"),
        (
            json!({"title": "x", "source": "staff_suggestion", "scores": {"benefit": 7}}),
            "scores.benefit",
        ),
        (
            json!({"title": "x", "source": "staff_suggestion", "scores": {"looks": 3}}),
            "scores.looks",
        ),
        (
            json!({"title": "x", "source": "staff_suggestion", "links": [{"kind": "service", "id": 9999}]}),
            "links",
        ),
        (
            json!({"title": "x", "source": "staff_suggestion", "due_date": "soon"}),
            "due_date",
        ),
    ] {
        let r = t.post("/api/v1/improvements", &agent, body.clone()).await;
        assert_eq!(r.problem(422)["errors"][0]["field"], field, "{body}");
    }
    assert_eq!(
        t.post(
            "/api/v1/improvements",
            &customer,
            json!({"title": "x", "source": "other"})
        )
        .await
        .status,
        403
    );
    assert_eq!(
        t.post(
            "/api/v1/improvements",
            &auditor,
            json!({"title": "x", "source": "other"})
        )
        .await
        .status,
        403
    );
    let before = t.audit_count().await;
    let low = propose(
        &t,
        &agent,
        json!({"title": "Rename the mail queues", "source": "staff_suggestion",
               "scores": {"benefit": 2, "low_cost": 5}}),
    )
    .await;
    let high = propose(
        &t,
        &agent,
        json!({"title": "Second mail relay", "source": "staff_suggestion",
               "scores": {"benefit": 5, "low_cost": 2, "low_risk": 4, "urgency": 5},
               "links": [{"kind": "service", "id": service}]}),
    )
    .await;
    assert_eq!(
        high["number"],
        format!("IMP-{:06}", high["id"].as_i64().unwrap())
    );
    // (3 × 5 + 2 × 2 + 2 × 4 + 1 × 5) / 8 and (3 × 2 + 2 × 5) / 5
    assert_eq!((&high["score"], &low["score"]), (&json!(4.0), &json!(3.2)));
    let list = t.get("/api/v1/improvements", &auditor).await.body;
    let order: Vec<&Value> = list.as_array().unwrap().iter().map(|o| &o["id"]).collect();
    assert_eq!(order, [&high["id"], &low["id"]], "best score first");

    // Deciding is for managers, with a reason; approval needs an owner.
    let url = format!("/api/v1/improvements/{}", high["id"]);
    let r = t
        .patch(
            &url,
            &agent,
            json!({"status": "approved", "decision_reason": "yes"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t.patch(&url, &mona, json!({"status": "approved"})).await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "decision_reason");
    let r = t
        .patch(
            &url,
            &mona,
            json!({"status": "approved", "decision_reason": "Two relay outages this quarter"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "owner_id");
    let r = t
        .patch(
            &url,
            &mona,
            json!({"status": "approved", "decision_reason": "Two relay outages this quarter",
                   "owner_id": mona_id, "objective": "No relay outage", "metric": "availability",
                   "target_value": 99.9, "due_date": "2027-03-31"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        (&r.body["status"], &r.body["decided_by"]),
        (&json!("approved"), &json!(mona_id))
    );
    assert!(r.body["decided_at"].is_string());
    let r = t
        .patch(
            &url,
            &mona,
            json!({"status": "rejected", "decision_reason": "no"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "status");
    let r = t.patch(&url, &mona, json!({"status": "implemented"})).await;
    assert_eq!(r.status, 200);
    let r = t.patch(&url, &mona, json!({"status": "closed"})).await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "measurement");
    assert_eq!(
        t.audit_count().await,
        before + 4,
        "two proposals, a decision, a move"
    );
    // The criteria are configurable; scores follow their weights.
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/improvement",
            Some(&mona),
            Some(json!({"criteria": [{"key": "benefit", "label": "Benefit", "weight": 1}]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(t.get(&url, &agent).await.body["score"], 5.0);
    let r = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/improvement",
            Some(&mona),
            Some(json!({"criteria": [{"key": "Bad Key", "label": "", "weight": 0}]})),
        )
        .await;
    assert_eq!(r.status, 422);
}

/// A service that missed its target in February and an SLA breached in February.
async fn february(t: &TestApp, clock: &steward_app::Clock) -> (i64, i64) {
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll", "status": "live", "availability_target_percent": 99.9}),
        )
        .await
        .id();
    let targets: serde_json::Map<String, Value> = (1..=5)
        .map(|p| {
            (
                format!("P{p}"),
                json!({"response_seconds": 60, "resolution_seconds": 120}),
            )
        })
        .collect();
    let sla = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Payroll gold", "service_id": service, "targets": targets}),
        )
        .await;
    assert_eq!(sla.status, 201, "{}", sla.body);
    let incident = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Payslips missing", "service_id": service, "impact": "medium", "urgency": "medium"}),
        )
        .await;
    assert_eq!(incident.status, 201, "{}", incident.body);
    clock.set("2026-02-10T12:00:00Z".parse().unwrap());
    t.app.sla_scan("node-a").await.unwrap();
    let r = t
        .post(
            &format!("/api/v1/services/{service}/outages"),
            &t.admin,
            json!({"start": "2026-02-10T10:00:00Z", "end": "2026-02-10T12:00:00Z", "kind": "unplanned"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    (service, sla.id())
}

#[tokio::test]
async fn missed_targets_raise_one_opportunity_per_service_or_sla_and_month() {
    let (t, clock) = TestApp::spawn_at("2026-02-01T00:00:00Z".parse().unwrap()).await;
    let (service, sla) = february(&t, &clock).await;
    // During February nothing is raised yet: the month is not over.
    assert_eq!(t.app.raise_improvements("node-a").await.unwrap(), Some(0));
    clock.set("2026-03-02T08:00:00Z".parse().unwrap());
    let second = match postgres_url() {
        Some(_) => Some(
            TestApp::spawn_with(
                t.database_url.clone(),
                steward_app::Settings {
                    clock: clock.clone(),
                    ..Default::default()
                },
            )
            .await,
        ),
        None => None,
    };
    let other = second.as_ref().map_or(&t.app, |s| &s.app);
    let (a, b) = tokio::join!(
        t.app.raise_improvements("node-a"),
        other.raise_improvements("node-b")
    );
    assert_eq!(a.unwrap().unwrap_or(0) + b.unwrap().unwrap_or(0), 2);
    // Whenever it runs again, on either node, nothing more is raised for February.
    clock.set("2026-03-20T08:00:00Z".parse().unwrap());
    assert_eq!(t.app.raise_improvements("node-a").await.unwrap(), Some(0));
    let list = t.get("/api/v1/improvements", &t.admin).await.body;
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 2, "{list:?}");
    let availability = list
        .iter()
        .find(|o| o["source"] == "missed_availability")
        .unwrap();
    assert_eq!(
        availability["source_key"],
        format!("availability:{service}:2026-02")
    );
    assert_eq!(
        availability["links"],
        json!([{"kind": "service", "id": service}])
    );
    assert_eq!(
        (&availability["metric"], &availability["target_value"]),
        (&json!("availability"), &json!(99.9))
    );
    assert!(
        availability["title"]
            .as_str()
            .unwrap()
            .contains("Payroll missed its availability target in 2026-02")
    );
    let breach = list.iter().find(|o| o["source"] == "sla_breach").unwrap();
    assert_eq!(breach["source_key"], format!("sla:{sla}:2026-02"));
    assert!(
        breach["description"]
            .as_str()
            .unwrap()
            .starts_with("1 of the 1 records"),
        "{breach}"
    );

    // Approved, implemented and measured: February against 1–15 March, from the outages.
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let url = format!("/api/v1/improvements/{}", availability["id"]);
    let r = t
        .patch(
            &url,
            &mona,
            json!({"status": "approved", "decision_reason": "Below target", "owner_id": mona_id}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let measure = format!("{url}/measure");
    let r = t
        .post(
            &measure,
            &mona,
            json!({"subject_id": service, "before_from": "2026-02-01", "before_to": "2026-03-01",
                                      "after_from": "2026-03-01", "after_to": "2026-04-01"}),
        )
        .await;
    assert_eq!(
        r.problem(422)["errors"][0]["field"],
        "after_to",
        "not over yet"
    );
    let r = t
        .post(
            &measure,
            &mona,
            json!({"subject_id": service, "before_from": "2026-02-01", "before_to": "2026-03-01",
                                      "after_from": "2026-03-01", "after_to": "2026-03-15"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = &r.body["measurement"];
    // February: 672 h agreed, 2 h down.
    let february = t
        .get(&format!("/api/v1/services/{service}/availability?from=2026-02-01T00:00:00Z&to=2026-03-01T00:00:00Z"), &t.admin)
        .await
        .body;
    assert_eq!(m["before_value"], february["availability_percent"]);
    assert_eq!(m["before_value"], 99.7024);
    assert_eq!(
        (&m["after_value"], &m["achieved"]),
        (&json!(100.0), &json!(true))
    );
    let r = t.patch(&url, &mona, json!({"status": "implemented"})).await;
    assert_eq!(r.status, 200);
    let r = t.patch(&url, &mona, json!({"status": "closed"})).await;
    assert_eq!(r.status, 200, "closing once measured: {}", r.body);
    // SLA compliance is measured the same way.
    let url = format!("/api/v1/improvements/{}", breach["id"]);
    t.patch(
        &url,
        &mona,
        json!({"status": "approved", "decision_reason": "Breaches", "owner_id": mona_id}),
    )
    .await;
    let r = t
        .post(
            &format!("{url}/measure"),
            &mona,
            json!({"subject_id": sla, "before_from": "2026-02-01", "before_to": "2026-03-01",
                                      "after_from": "2026-03-01", "after_to": "2026-03-15"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["measurement"]["before_value"], 0.0);
    assert!(
        r.body["measurement"]["after_value"].is_null(),
        "no records decided in March"
    );
}

#[tokio::test]
async fn a_review_pack_holds_the_reports_figures_and_freezes_once() {
    let (t, clock) = TestApp::spawn_at("2026-02-01T00:00:00Z".parse().unwrap()).await;
    february(&t, &clock).await;
    clock.set("2026-03-05T09:00:00Z".parse().unwrap());
    t.app.raise_improvements("node-a").await.unwrap();
    let (mona_id, mona) = t.user("mona", "manager", None).await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let r = t
        .post(
            "/api/v1/reviews",
            &mona,
            json!({"title": "Q1", "period_from": "2026-03-01", "period_to": "2026-02-01"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "period_to");
    assert_eq!(
        t.post(
            "/api/v1/reviews",
            &agent,
            json!({"title": "x", "period_from": "2026-02-01", "period_to": "2026-03-01"})
        )
        .await
        .status,
        403
    );
    let january = t
        .post(
            "/api/v1/reviews",
            &mona,
            json!({"title": "January", "period_from": "2026-01-01", "period_to": "2026-02-01"}),
        )
        .await
        .id();
    let r = t
        .post(
            &format!("/api/v1/reviews/{january}/items"),
            &mona,
            json!({"text": "Add a second payroll server"}),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "owner_id");
    let action = t
        .post(
            &format!("/api/v1/reviews/{january}/items"),
            &mona,
            json!({"kind": "action", "text": "Add a second payroll server", "owner_id": mona_id, "due_date": "2026-04-30"}),
        )
        .await;
    assert_eq!(action.status, 201, "{}", action.body);
    let supplier = t
        .post("/api/v1/suppliers", &t.admin, json!({"name": "Relay Ltd"}))
        .await
        .id();
    let dispute = t
        .post(
            "/api/v1/complaints",
            &t.admin,
            json!({"kind": "supplier_dispute", "title": "Relay outage credits", "supplier_id": supplier}),
        )
        .await;
    assert_eq!(dispute.status, 201, "{}", dispute.body);
    let review = t
        .post(
            "/api/v1/reviews",
            &mona,
            json!({"title": "February", "period_from": "2026-02-01", "period_to": "2026-03-01", "chair_id": mona_id}),
        )
        .await;
    assert_eq!(review.status, 201, "{}", review.body);
    let id = review.id();
    let pack = t.get(&format!("/api/v1/reviews/{id}/pack"), &mona).await;
    assert_eq!(pack.status, 200, "{}", pack.body);
    let pack = pack.body;
    // Each report in the pack is the report for the same period, figure for figure.
    for (name, query) in [
        ("sla-compliance", "by=sla&"),
        ("availability", ""),
        ("satisfaction", "by=service&"),
        ("workload", ""),
        ("volumes", ""),
    ] {
        let report = t
            .get(
                &format!("/api/v1/reports/{name}?{query}from=2026-02-01&to=2026-03-01"),
                &mona,
            )
            .await
            .body;
        let inside = pack["reports"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("{name} is in the pack"));
        for key in ["summary", "columns", "rows", "from", "to"] {
            assert_eq!(inside[key], report[key], "{name}: {key}");
        }
    }
    let availability = pack["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "availability")
        .unwrap();
    assert_eq!(
        availability["rows"][0][4], 99.7024,
        "February, from the outage"
    );
    assert_eq!(
        pack["previous_actions"][0]["text"],
        "Add a second payroll server"
    );
    assert_eq!(pack["previous_actions"][0]["status"], "open");
    assert_eq!(pack["improvements"].as_array().unwrap().len(), 2);
    assert!(!pack["not_included"].as_array().unwrap().is_empty());
    assert_eq!(pack["conformity"]["nonconformities_open"], 0);
    // The dispute was opened in March, after the period; it is open now.
    assert_eq!(
        (
            &pack["suppliers"]["disputes_opened_in_period"],
            &pack["suppliers"]["disputes_open_now"]
        ),
        (&json!(0), &json!(1))
    );

    // The decision recorded, then the pack frozen: immutable, hashed, its period fixed.
    let decision = t
        .post(
            &format!("/api/v1/reviews/{id}/items"),
            &mona,
            json!({"kind": "decision", "text": "Fund the second relay"}),
        )
        .await;
    assert_eq!(decision.body["status"], "done");
    let r = t
        .patch(
            &format!("/api/v1/reviews/{id}"),
            &mona,
            json!({"freeze": true, "minutes": "Held on 5 March"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let sha = r.body["pack_sha256"].as_str().unwrap().to_owned();
    assert_eq!(sha.len(), 64);
    let r = t
        .patch(
            &format!("/api/v1/reviews/{id}"),
            &mona,
            json!({"freeze": true}),
        )
        .await;
    assert_eq!(r.status, 409);
    let r = t
        .patch(
            &format!("/api/v1/reviews/{id}"),
            &mona,
            json!({"period_to": "2026-03-02"}),
        )
        .await;
    assert_eq!(r.status, 409);
    // Later changes to the records do not move the frozen pack.
    let frozen = t
        .get(&format!("/api/v1/reviews/{id}/pack"), &mona)
        .await
        .body;
    let services = t.get("/api/v1/services", &mona).await.body;
    let payroll = services["items"][0]["id"].as_i64().unwrap();
    t.post(
        &format!("/api/v1/services/{payroll}/outages"),
        &t.admin,
        json!({"start": "2026-02-20T10:00:00Z", "end": "2026-02-20T20:00:00Z", "kind": "unplanned"}),
    )
    .await;
    let again = t
        .get(&format!("/api/v1/reviews/{id}/pack"), &mona)
        .await
        .body;
    assert_eq!(again, frozen);
    let html = t
        .get(&format!("/api/v1/reviews/{id}/pack?format=html"), &mona)
        .await;
    assert_eq!(html.status, 200);
    // The database itself refuses to change a frozen pack.
    let mut conn = t.app.db().read().await.unwrap();
    let changed = match conn.ex() {
        steward_store::Ex::Sqlite(c) => sqlx::query("UPDATE review_packs SET content = '{}'")
            .execute(c)
            .await
            .is_err(),
        steward_store::Ex::Postgres(c) => sqlx::query("UPDATE review_packs SET content = '{}'")
            .execute(c)
            .await
            .is_err(),
    };
    assert!(changed, "an update of a frozen pack is refused");
}

#[tokio::test]
async fn auditors_read_the_register_and_the_reviews_without_forms_customers_do_not() {
    use crate::ui::Browser;
    let t = TestApp::spawn().await;
    let (_, mona) = t.user("mona", "manager", None).await;
    t.user("audrey", "auditor", None).await;
    let org = t.create_org("Acme").await;
    t.user("carl", "customer", Some(org)).await;
    propose(
        &t,
        &mona,
        json!({"title": "Second mail relay", "source": "staff_suggestion"}),
    )
    .await;
    let review = t
        .post(
            "/api/v1/reviews",
            &mona,
            json!({"title": "March", "period_from": "2026-03-01", "period_to": "2026-04-01"}),
        )
        .await
        .id();
    let mut audrey = Browser::new(&t);
    audrey.login("audrey", "audrey-password").await;
    for path in [
        "/manage/improvements".to_owned(),
        "/manage/reviews".to_owned(),
        format!("/manage/reviews/{review}/items"),
    ] {
        let page = audrey.get(&path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(
            !page.body.contains("id=\"create-h\""),
            "{path}: no form for an auditor"
        );
    }
    assert!(
        audrey
            .get("/manage/improvements")
            .await
            .body
            .contains("Second mail relay")
    );
    assert_eq!(
        audrey
            .get(&format!("/manage/reviews/{review}"))
            .await
            .status,
        403
    );
    let mut carl = Browser::new(&t);
    carl.login("carl", "carl-password").await;
    assert_eq!(carl.get("/manage/improvements").await.status, 403);
    assert_eq!(carl.get("/manage/reviews").await.status, 403);
}
