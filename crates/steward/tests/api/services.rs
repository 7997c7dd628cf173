//! Services: CRUD, references, dependency cycles, requirements, access.
use crate::support::TestApp;
use serde_json::json;

#[tokio::test]
async fn services_with_owner_customers_dependencies_and_requirements() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (owner, _) = t.user("olga", "manager", None).await;
    let dns = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "DNS", "status": "live", "criticality": 1}),
        )
        .await;
    assert_eq!(dns.status, 201, "{}", dns.body);
    let dns = dns.id();
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "E-mail", "description": "Mailboxes", "intended_outcome": "People can mail",
                   "owner_id": owner, "status": "live", "criticality": 2, "customer_ids": [acme],
                   "availability_target_percent": 99.9, "depends_on": [dns]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mail = r.id();
    assert_eq!(r.body["depends_on"], json!([dns]));
    assert_eq!(r.body["customer_ids"], json!([acme]));
    assert_eq!(r.body["availability_target_percent"], 99.9);
    assert!(r.body["ci_id"].as_i64().is_some(), "a service is a CI too");
    let r = t.get(&format!("/api/v1/services/{dns}"), &t.admin).await;
    assert_eq!(r.body["dependents"], json!([mail]));

    // Its CI mirrors it, and the dependency is a CI relation.
    let ci = t
        .get(
            &format!(
                "/api/v1/cis/{}",
                t.get(&format!("/api/v1/services/{mail}"), &t.admin)
                    .await
                    .body["ci_id"]
            ),
            &t.admin,
        )
        .await;
    assert_eq!(ci.body["ci_type"], "service");
    assert_eq!(ci.body["name"], "E-mail");
    assert_eq!(ci.body["relations_out"][0]["kind"], "depends_on");

    let r = t.post(&format!("/api/v1/services/{mail}/requirements"), &t.admin,
        json!({"text": "Mailboxes of 50 GB", "source": "Contract C-12", "stated_on": "2026-03-01"})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let req = r.body["requirements"][0]["id"].as_i64().unwrap();
    assert_eq!(r.body["requirements"][0]["stated_on"], "2026-03-01");
    let r = t
        .post(
            &format!("/api/v1/services/{mail}/requirements"),
            &t.admin,
            json!({"text": "x", "source": "y", "stated_on": "March"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "stated_on");
    let r = t
        .delete(
            &format!("/api/v1/services/{mail}/requirements/{req}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["requirements"], json!([]));

    let r = t
        .get(&format!("/api/v1/services?customer_id={acme}"), &t.admin)
        .await;
    assert_eq!(r.body["total"], 1);
    let r = t.get("/api/v1/services?criticality=1", &t.admin).await;
    assert_eq!(r.body["items"][0]["name"], "DNS");

    let r = t
        .get(
            &format!("/api/v1/audit?record_type=service&record_id={mail}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 3);
}

#[tokio::test]
async fn dependency_cycles_are_refused_with_the_cycle_named() {
    let t = TestApp::spawn().await;
    let a = t
        .post("/api/v1/services", &t.admin, json!({"name": "A"}))
        .await
        .id();
    let b = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "B", "depends_on": [a]}),
        )
        .await
        .id();
    let c = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "C", "depends_on": [b]}),
        )
        .await
        .id();
    let r = t
        .patch(
            &format!("/api/v1/services/{a}"),
            &t.admin,
            json!({"depends_on": [c]}),
        )
        .await;
    let p = r.problem(409);
    assert_eq!(p["field"], "depends_on");
    assert!(
        p["detail"].as_str().unwrap().contains("A → C → B → A"),
        "{p}"
    );
    let r = t
        .patch(
            &format!("/api/v1/services/{a}"),
            &t.admin,
            json!({"depends_on": [a]}),
        )
        .await;
    r.problem(409);
    assert_eq!(
        t.get(&format!("/api/v1/services/{a}"), &t.admin).await.body["depends_on"],
        json!([])
    );
}

#[tokio::test]
async fn bad_references_and_duplicates() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let (customer, _) = t.user("cus", "customer", Some(org)).await;
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "X", "depends_on": [999]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "depends_on");
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "X", "customer_ids": [999]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "customer_ids");
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "X", "owner_id": customer}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "owner_id");
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "X", "status": "sunset"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "status");
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "X", "criticality": "high"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "criticality");
    assert_eq!(t.get("/api/v1/services", &t.admin).await.body["total"], 0);
    assert_eq!(
        t.get("/api/v1/cis", &t.admin).await.body["total"],
        0,
        "no CI left behind"
    );
    t.post("/api/v1/services", &t.admin, json!({"name": "X"}))
        .await;
    let r = t
        .post("/api/v1/services", &t.admin, json!({"name": "x"}))
        .await;
    assert_eq!(r.problem(409)["field"], "name");
}

#[tokio::test]
async fn only_pipeline_services_that_nothing_depends_on_can_be_deleted() {
    let t = TestApp::spawn().await;
    let base = t
        .post("/api/v1/services", &t.admin, json!({"name": "Base"}))
        .await
        .id();
    let top = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Top", "depends_on": [base], "status": "live"}),
        )
        .await
        .id();
    t.delete(&format!("/api/v1/services/{base}"), &t.admin)
        .await
        .problem(409);
    t.delete(&format!("/api/v1/services/{top}"), &t.admin)
        .await
        .problem(409);
    t.patch(
        &format!("/api/v1/services/{top}"),
        &t.admin,
        json!({"status": "pipeline"}),
    )
    .await;
    assert_eq!(
        t.delete(&format!("/api/v1/services/{top}"), &t.admin)
            .await
            .status,
        204
    );
    assert_eq!(
        t.delete(&format!("/api/v1/services/{base}"), &t.admin)
            .await
            .status,
        204
    );
    assert_eq!(t.get("/api/v1/cis", &t.admin).await.body["total"], 0);
}

#[tokio::test]
async fn managers_and_admins_edit_agents_and_auditors_read_customers_do_not_see_services() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let id = t
        .post("/api/v1/services", &t.admin, json!({"name": "S"}))
        .await
        .id();
    let (_, manager) = t.user("m", "manager", None).await;
    let (_, agent) = t.user("a", "agent", None).await;
    let (_, auditor) = t.user("au", "auditor", None).await;
    let (_, customer) = t.user("c", "customer", Some(org)).await;
    assert_eq!(
        t.post("/api/v1/services", &manager, json!({"name": "M"}))
            .await
            .status,
        201
    );
    for token in [&agent, &auditor] {
        assert_eq!(
            t.get(&format!("/api/v1/services/{id}"), token).await.status,
            200
        );
        t.post("/api/v1/services", token, json!({"name": "Z"}))
            .await
            .problem(403);
        t.patch(
            &format!("/api/v1/services/{id}"),
            token,
            json!({"name": "Z"}),
        )
        .await
        .problem(403);
    }
    t.get("/api/v1/services", &customer).await.problem(403);
    t.get(&format!("/api/v1/services/{id}"), &customer)
        .await
        .problem(403);
}
