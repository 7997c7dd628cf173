//! Suppliers and agreements (8.3.4): CRUD, validation, dangling references, roles, audit.
use crate::support::TestApp;
use serde_json::{Value, json};

fn ids(body: &Value) -> Vec<i64> {
    body["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items in {body}"))
        .iter()
        .map(|i| i["id"].as_i64().unwrap())
        .collect()
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_else(|| vec![body["field"].as_str().unwrap_or("").to_owned()])
}

async fn supplier(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/suppliers", &t.admin, json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn team(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/teams", &t.admin, json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn service(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/services", &t.admin, json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

#[tokio::test]
async fn supplier_crud_filters_and_audit() {
    let t = TestApp::spawn().await;
    let (owner, _) = t.user("olga", "manager", None).await;
    let r = t
        .post(
            "/api/v1/suppliers",
            &t.admin,
            json!({"name": " Acme Hosting ", "description": "Racks", "contact_name": "Ann",
                   "contact_email": "ann@acme.example", "owner_id": owner}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let acme = r.id();
    assert_eq!(r.body["name"], "Acme Hosting");
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["owner_id"], owner);
    assert!(r.body["created_at"].as_str().unwrap().ends_with('Z'));
    let other = supplier(&t, "Bolt Networks").await;

    // Unique names, case-insensitively.
    let r = t
        .post(
            "/api/v1/suppliers",
            &t.admin,
            json!({"name": "ACME hosting"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "name");
    let r = t
        .patch(
            &format!("/api/v1/suppliers/{other}"),
            &t.admin,
            json!({"name": "acme HOSTING"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "name");

    // Every bad field at once.
    let r = t
        .post(
            "/api/v1/suppliers",
            &t.admin,
            json!({"name": "", "contact_email": "not-an-email"}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["name", "contact_email"]);
    let r = t
        .post(
            "/api/v1/suppliers",
            &t.admin,
            json!({"name": "X", "status": "bankrupt"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "status");
    // The owner must be an active staff user.
    let org = t.create_org("Cust").await;
    let (customer, _) = t.user("cust", "customer", Some(org)).await;
    for bad in [customer, 9999] {
        let r = t
            .post(
                "/api/v1/suppliers",
                &t.admin,
                json!({"name": "Y", "owner_id": bad}),
            )
            .await;
        assert_eq!(r.problem(422)["field"], "owner_id");
    }

    // PATCH: absent keeps, null clears.
    let r = t
        .patch(
            &format!("/api/v1/suppliers/{acme}"),
            &t.admin,
            json!({"description": null, "status": "inactive"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["description"].is_null());
    assert_eq!(r.body["status"], "inactive");
    assert_eq!(r.body["contact_name"], "Ann");
    assert_eq!(r.body["owner_id"], owner);

    let r = t.get("/api/v1/suppliers?status=inactive", &t.admin).await;
    assert_eq!(ids(&r.body), [acme]);
    let r = t.get("/api/v1/suppliers?q=bolt", &t.admin).await;
    assert_eq!(ids(&r.body), [other]);
    let r = t
        .get(&format!("/api/v1/suppliers?owner_id={owner}"), &t.admin)
        .await;
    assert_eq!(ids(&r.body), [acme]);
    let r = t.get("/api/v1/suppliers?limit=1&offset=1", &t.admin).await;
    assert_eq!(r.body["total"], 2);
    assert_eq!(ids(&r.body), [other]);
    t.get("/api/v1/suppliers?limit=0", &t.admin)
        .await
        .problem(400);

    // Delete, then it is gone; the audit trail has create, update, delete.
    assert_eq!(
        t.delete(&format!("/api/v1/suppliers/{other}"), &t.admin)
            .await
            .status,
        204
    );
    t.get(&format!("/api/v1/suppliers/{other}"), &t.admin)
        .await
        .problem(404);
    t.delete(&format!("/api/v1/suppliers/{other}"), &t.admin)
        .await
        .problem(404);
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=supplier&record_id={other}"),
            &t.admin,
        )
        .await;
    let actions: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["delete", "create"]);
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=supplier&record_id={acme}&action=update"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["before"]["status"], "active");
    assert_eq!(r.body["items"][0]["after"]["status"], "inactive");
}

#[tokio::test]
async fn roles_on_suppliers_and_agreements() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Cust").await;
    let (_, manager) = t.user("mia", "manager", None).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let (_, auditor) = t.user("aud", "auditor", None).await;
    let (_, customer) = t.user("cus", "customer", Some(org)).await;
    let tm = team(&t, "Network").await;

    let r = t
        .post("/api/v1/suppliers", &manager, json!({"name": "ByManager"}))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let s = r.id();
    let r = t
        .post(
            "/api/v1/agreements",
            &manager,
            json!({"kind": "ola", "title": "Net OLA", "team_id": tm}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let a = r.id();
    let before = t.audit_count().await;

    for token in [&agent, &auditor] {
        assert_eq!(t.get("/api/v1/suppliers", token).await.body["total"], 1);
        assert_eq!(
            t.get(&format!("/api/v1/suppliers/{s}"), token).await.status,
            200
        );
        assert_eq!(t.get("/api/v1/agreements", token).await.body["total"], 1);
        assert_eq!(
            t.get(&format!("/api/v1/agreements/{a}"), token)
                .await
                .status,
            200
        );
        t.post("/api/v1/suppliers", token, json!({"name": "Nope"}))
            .await
            .problem(403);
        t.patch(
            &format!("/api/v1/suppliers/{s}"),
            token,
            json!({"name": "Nope"}),
        )
        .await
        .problem(403);
        t.delete(&format!("/api/v1/suppliers/{s}"), token)
            .await
            .problem(403);
        t.post(
            "/api/v1/agreements",
            token,
            json!({"kind": "ola", "title": "x", "team_id": tm}),
        )
        .await
        .problem(403);
        t.patch(
            &format!("/api/v1/agreements/{a}"),
            token,
            json!({"title": "Nope"}),
        )
        .await
        .problem(403);
        t.delete(&format!("/api/v1/agreements/{a}"), token)
            .await
            .problem(403);
    }
    // Customers see nothing of suppliers.
    for path in [
        "/api/v1/suppliers".to_owned(),
        format!("/api/v1/suppliers/{s}"),
        "/api/v1/agreements".to_owned(),
        format!("/api/v1/agreements/{a}"),
    ] {
        t.get(&path, &customer).await.problem(403);
    }
    t.post("/api/v1/suppliers", &customer, json!({"name": "Nope"}))
        .await
        .problem(403);
    assert_eq!(t.audit_count().await, before, "refusals write nothing");

    let r = t
        .patch(
            &format!("/api/v1/agreements/{a}"),
            &manager,
            json!({"status": "active"}),
        )
        .await;
    assert_eq!(r.body["status"], "active", "{}", r.body);
    assert_eq!(
        t.delete(&format!("/api/v1/agreements/{a}"), &manager)
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn agreements_of_both_kinds_with_targets_dates_and_services() {
    let t = TestApp::spawn().await;
    let (owner, _) = t.user("olga", "agent", None).await;
    let s = supplier(&t, "Acme").await;
    let tm = team(&t, "Service Desk").await;
    let mail = service(&t, "Mail").await;
    let web = service(&t, "Web").await;
    let end = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date()
        .checked_add(jiff::Span::new().days(30))
        .unwrap();

    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "underpinning_contract", "title": "Hosting contract", "supplier_id": s,
                   "scope": "Racks and power", "obligations": "Monthly report",
                   "targets": [{"name": "availability", "target": "99.9%"}, {"name": "response", "target": "4h"}],
                   "start_date": "2026-01-01", "end_date": end.to_string(), "owner_id": owner,
                   "status": "active", "service_ids": [web, mail, web]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let uc = r.id();
    assert_eq!(r.body["kind"], "underpinning_contract");
    assert_eq!(r.body["supplier_id"], s);
    assert!(r.body["team_id"].is_null());
    assert_eq!(r.body["targets"][1]["target"], "4h");
    assert_eq!(r.body["targets"].as_array().unwrap().len(), 2);
    let mut expected = vec![mail, web];
    expected.sort();
    assert_eq!(r.body["service_ids"], json!(expected));
    assert_eq!(r.body["expires_in_days"], 30);
    assert_eq!(r.body["end_date"], end.to_string());

    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "ola", "title": "Desk OLA", "team_id": tm, "service_ids": [mail]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ola = r.id();
    assert_eq!(r.body["status"], "draft");
    assert!(r.body["expires_in_days"].is_null());

    // Filters.
    let list = |q: String| {
        let t = &t;
        async move {
            ids(&t
                .get(&format!("/api/v1/agreements?{q}"), &t.admin)
                .await
                .body)
        }
    };
    assert_eq!(list("kind=ola".into()).await, [ola]);
    assert_eq!(list(format!("supplier_id={s}")).await, [uc]);
    assert_eq!(list(format!("team_id={tm}")).await, [ola]);
    let mut both = list(format!("service_id={mail}")).await;
    both.sort();
    assert_eq!(both, [uc.min(ola), uc.max(ola)]);
    assert_eq!(list(format!("service_id={web}")).await, [uc]);
    assert_eq!(list("status=active".into()).await, [uc]);
    t.get("/api/v1/agreements?kind=sla", &t.admin)
        .await
        .problem(400);

    // Kind rules, date order, bad targets: all reported at once.
    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "ola", "title": "", "supplier_id": s,
                   "start_date": "2026-05-01", "end_date": "2026-04-30",
                   "targets": [{"name": "x", "target": " "}]}),
        )
        .await;
    assert_eq!(
        fields(r.problem(422)),
        [
            "title",
            "targets[0].target",
            "team_id",
            "supplier_id",
            "end_date"
        ]
    );
    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "underpinning_contract", "title": "x", "supplier_id": s, "team_id": tm}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["team_id"]);
    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "ola", "title": "x", "team_id": tm, "start_date": "2026-13-01"}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["start_date"]);

    // Dangling references → 422 naming each field; nothing written.
    let before = t.audit_count().await;
    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "underpinning_contract", "title": "x", "supplier_id": 9999,
                   "service_ids": [mail, 8888], "owner_id": 7777}),
        )
        .await;
    assert_eq!(
        fields(r.problem(422)),
        ["supplier_id", "owner_id", "service_ids"]
    );
    assert!(r.body["detail"].as_str().unwrap().contains("8888"));
    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "ola", "title": "x", "team_id": 9999}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["team_id"]);
    assert_eq!(t.audit_count().await, before);
    assert_eq!(t.get("/api/v1/agreements", &t.admin).await.body["total"], 2);

    // PATCH: lists replace, null clears, kind change needs the other party.
    let r = t
        .patch(
            &format!("/api/v1/agreements/{uc}"),
            &t.admin,
            json!({"service_ids": [mail], "end_date": null, "targets": []}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["service_ids"], json!([mail]));
    assert!(r.body["end_date"].is_null());
    assert!(r.body["expires_in_days"].is_null());
    assert_eq!(r.body["targets"], json!([]));
    assert_eq!(r.body["scope"], "Racks and power");
    let r = t
        .patch(
            &format!("/api/v1/agreements/{uc}"),
            &t.admin,
            json!({"kind": "ola"}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["team_id", "supplier_id"]);
    let r = t
        .patch(
            &format!("/api/v1/agreements/{uc}"),
            &t.admin,
            json!({"end_date": "2025-12-31"}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["end_date"]);
    let r = t
        .patch(
            &format!("/api/v1/agreements/{ola}"),
            &t.admin,
            json!({"team_id": 4242}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["team_id"]);
    t.patch("/api/v1/agreements/4242", &t.admin, json!({"title": "x"}))
        .await
        .problem(404);
    let r = t
        .patch(
            &format!("/api/v1/agreements/{ola}"),
            &t.admin,
            json!({"kind": "underpinning_contract", "team_id": null, "supplier_id": s}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["kind"], "underpinning_contract");
    assert!(r.body["team_id"].is_null());

    // The supplier is referenced by agreements now: 409, nothing deleted.
    let r = t.delete(&format!("/api/v1/suppliers/{s}"), &t.admin).await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("2 agreement")
    );
    // A service an agreement underpins cannot be deleted either.
    t.delete(&format!("/api/v1/services/{mail}"), &t.admin)
        .await
        .problem(409);
    // Nor a team with an OLA.
    let t2 = team(&t, "Ops").await;
    let r = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "ola", "title": "Ops OLA", "team_id": t2}),
        )
        .await;
    assert_eq!(r.status, 201);
    t.delete(&format!("/api/v1/teams/{t2}"), &t.admin)
        .await
        .problem(409);

    // Audit: the agreement's create and updates.
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=agreement&record_id={uc}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 2, "{}", r.body);
    assert_eq!(
        r.body["items"][0]["before"]["service_ids"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(r.body["items"][0]["after"]["service_ids"], json!([mail]));

    for id in [uc, ola] {
        assert_eq!(
            t.delete(&format!("/api/v1/agreements/{id}"), &t.admin)
                .await
                .status,
            204
        );
    }
    assert_eq!(
        t.delete(&format!("/api/v1/suppliers/{s}"), &t.admin)
            .await
            .status,
        204
    );
    assert_eq!(
        t.delete(&format!("/api/v1/services/{mail}"), &t.admin)
            .await
            .status,
        204
    );
}

#[tokio::test]
async fn openapi_documents_the_new_paths() {
    let t = TestApp::spawn().await;
    let r = t.get("/api/v1/openapi.json", &t.admin).await;
    assert_eq!(r.status, 200);
    for path in [
        "/api/v1/suppliers",
        "/api/v1/suppliers/{id}",
        "/api/v1/agreements",
        "/api/v1/agreements/{id}",
        "/api/v1/complaints",
        "/api/v1/complaints/{id}",
        "/api/v1/complaints/{id}/transition",
    ] {
        assert!(r.body["paths"][path].is_object(), "{path} missing");
    }
}
