//! Complaints (8.3.2) and supplier disputes (8.3.4.1): numbering, the state machine with its
//! timeline, roles, tenant isolation and the audit trail.
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
        .unwrap_or_else(|| panic!("no errors in {body}"))
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect()
}

async fn complaint(t: &TestApp, token: &str, org: i64, title: &str) -> i64 {
    let r = t
        .post(
            "/api/v1/complaints",
            token,
            json!({"kind": "complaint", "title": title, "organization_id": org}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn supplier(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post("/api/v1/suppliers", &t.admin, json!({ "name": name }))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn go(t: &TestApp, token: &str, id: i64, body: Value) -> crate::support::Reply {
    t.post(&format!("/api/v1/complaints/{id}/transition"), token, body)
        .await
}

#[tokio::test]
async fn complaints_and_disputes_are_numbered_per_kind_and_validated() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let s = supplier(&t, "Hoster").await;
    let (agent_id, agent) = t.user("al", "agent", None).await;

    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "complaint", "title": " Slow answers ", "description": "Waited 3 days",
                   "organization_id": org, "owner_id": agent_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["number"], "CMP-000001");
    assert_eq!(r.body["title"], "Slow answers");
    assert_eq!(r.body["status"], "new");
    assert_eq!(r.body["raised_by"], agent_id);
    assert_eq!(r.body["timeline"].as_array().unwrap().len(), 1);
    assert!(r.body["timeline"][0]["from"].is_null());
    assert_eq!(r.body["timeline"][0]["to"], "new");
    assert_eq!(r.body["timeline"][0]["actor"], "al");
    let c1 = r.id();

    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "supplier_dispute", "title": "Invoice wrong", "supplier_id": s}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["number"], "DSP-000001");
    let d1 = r.id();
    let c2 = complaint(&t, &t.admin, org, "Second").await;
    assert_eq!(
        t.get(&format!("/api/v1/complaints/{c2}"), &t.admin)
            .await
            .body["number"],
        "CMP-000002"
    );

    // Each kind needs its own party and refuses the other's.
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "complaint", "title": "", "supplier_id": s}),
        )
        .await;
    assert_eq!(
        fields(r.problem(422)),
        ["title", "organization_id", "supplier_id"]
    );
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "supplier_dispute", "title": "x", "organization_id": org}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["supplier_id", "organization_id"]);
    t.post(
        "/api/v1/complaints",
        &agent,
        json!({"kind": "gripe", "title": "x"}),
    )
    .await
    .problem(422);

    // Dangling references → 422 naming the fields; nothing written, no number used up.
    let before = t.audit_count().await;
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "complaint", "title": "x", "organization_id": 9999, "service_id": 8888,
                   "owner_id": 7777}),
        )
        .await;
    assert_eq!(
        fields(r.problem(422)),
        ["organization_id", "service_id", "owner_id"]
    );
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "supplier_dispute", "title": "x", "supplier_id": 9999, "agreement_id": 8888}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["supplier_id", "agreement_id"]);
    // The disputed agreement must be a contract with that supplier.
    let tm = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let ola = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "ola", "title": "Desk OLA", "team_id": tm}),
        )
        .await
        .id();
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "supplier_dispute", "title": "x", "supplier_id": s, "agreement_id": ola}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["agreement_id"]);
    assert_eq!(t.audit_count().await, before + 2, "team and OLA only");
    let contract = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "underpinning_contract", "title": "Hosting", "supplier_id": s}),
        )
        .await
        .id();
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "supplier_dispute", "title": "SLA missed", "supplier_id": s, "agreement_id": contract}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["number"], "DSP-000002");
    let d2 = r.id();

    // Lists and filters.
    let r = t.get("/api/v1/complaints", &t.admin).await;
    assert_eq!(ids(&r.body), [d2, c2, d1, c1], "newest first");
    assert!(r.body["items"][0].get("timeline").is_none());
    let r = t
        .get("/api/v1/complaints?kind=supplier_dispute", &t.admin)
        .await;
    assert_eq!(ids(&r.body), [d2, d1]);
    let r = t
        .get(
            &format!("/api/v1/complaints?agreement_id={contract}"),
            &t.admin,
        )
        .await;
    assert_eq!(ids(&r.body), [d2]);
    let r = t
        .get(&format!("/api/v1/complaints?owner_id={agent_id}"), &t.admin)
        .await;
    assert_eq!(ids(&r.body), [c1]);
    let r = t.get("/api/v1/complaints?q=slow&limit=1", &t.admin).await;
    assert_eq!(ids(&r.body), [c1]);
    assert_eq!(r.body["total"], 1);

    // The supplier and the contract are now referenced by disputes.
    t.delete(&format!("/api/v1/agreements/{contract}"), &t.admin)
        .await
        .problem(409);
    let r = t.delete(&format!("/api/v1/suppliers/{s}"), &t.admin).await;
    assert!(
        r.problem(409)["detail"]
            .as_str()
            .unwrap()
            .contains("2 dispute")
    );

    // PATCH (staff who manage complaints): owner, description; kind-specific fields checked.
    let (mgr_id, manager) = t.user("mia", "manager", None).await;
    let r = t
        .patch(
            &format!("/api/v1/complaints/{c1}"),
            &manager,
            json!({"owner_id": mgr_id, "description": null}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["owner_id"], mgr_id);
    assert!(r.body["description"].is_null());
    let r = t
        .patch(
            &format!("/api/v1/complaints/{c1}"),
            &manager,
            json!({"agreement_id": contract}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["agreement_id"]);
    t.patch(
        &format!("/api/v1/complaints/{c1}"),
        &agent,
        json!({"title": "mine"}),
    )
    .await
    .problem(403);
    t.patch(
        &format!("/api/v1/complaints/{c1}"),
        &manager,
        json!({"status": "closed"}),
    )
    .await
    .problem(422);
}

#[tokio::test]
async fn every_transition_allowed_and_refused_with_timeline_and_audit() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let (_, manager) = t.user("mia", "manager", None).await;
    let c = complaint(&t, &manager, org, "Broken").await;
    let path = format!("/api/v1/complaints/{c}");

    // From new: only investigating or withdrawn.
    for to in ["resolved", "closed", "new"] {
        let r = go(&t, &manager, c, json!({"to": to, "resolution": "x"})).await;
        let p = r.problem(409);
        assert_eq!(p["allowed"], json!(["investigating", "withdrawn"]), "{to}");
        assert_eq!(p["field"], "to");
    }
    go(&t, &manager, c, json!({"to": "reopened"}))
        .await
        .problem(422);
    let r = go(
        &t,
        &manager,
        c,
        json!({"to": "investigating", "note": "looking"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "investigating");

    // From investigating: resolved (resolution required) or withdrawn.
    for to in ["closed", "new", "investigating"] {
        let r = go(&t, &manager, c, json!({"to": to})).await;
        assert_eq!(
            r.problem(409)["allowed"],
            json!(["resolved", "withdrawn"]),
            "{to}"
        );
    }
    let r = go(&t, &manager, c, json!({"to": "resolved"})).await;
    assert_eq!(fields(r.problem(422)), ["resolution"]);
    let r = go(
        &t,
        &manager,
        c,
        json!({"to": "resolved", "resolution": "  "}),
    )
    .await;
    assert_eq!(fields(r.problem(422)), ["resolution"]);
    let r = go(
        &t,
        &manager,
        c,
        json!({"to": "resolved", "resolution": "Replaced the disk"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["resolution"], "Replaced the disk");
    assert!(r.body["closed_at"].is_null());

    // From resolved: closed, or reopen to investigating (which clears the resolution).
    for to in ["new", "withdrawn", "resolved"] {
        let r = go(&t, &manager, c, json!({"to": to})).await;
        assert_eq!(
            r.problem(409)["allowed"],
            json!(["closed", "investigating"]),
            "{to}"
        );
    }
    let r = go(&t, &manager, c, json!({"to": "investigating"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body["resolution"].is_null());
    let r = go(
        &t,
        &manager,
        c,
        json!({"to": "resolved", "resolution": "Really fixed"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = go(&t, &manager, c, json!({"to": "closed", "resolution": "x"})).await;
    assert_eq!(fields(r.problem(422)), ["resolution"]);
    let r = go(&t, &manager, c, json!({"to": "closed"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    assert_eq!(r.body["resolution"], "Really fixed");
    assert!(r.body["closed_at"].as_str().is_some());

    // Closed is final.
    for to in ["new", "investigating", "resolved", "closed", "withdrawn"] {
        let r = go(&t, &manager, c, json!({"to": to})).await;
        assert_eq!(r.problem(409)["allowed"], json!([]), "{to}");
    }

    // The timeline keeps every step, oldest first.
    let r = t.get(&path, &manager).await;
    let steps: Vec<(Value, Value)> = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["from"].clone(), e["to"].clone()))
        .collect();
    assert_eq!(
        steps,
        [
            (Value::Null, json!("new")),
            (json!("new"), json!("investigating")),
            (json!("investigating"), json!("resolved")),
            (json!("resolved"), json!("investigating")),
            (json!("investigating"), json!("resolved")),
            (json!("resolved"), json!("closed")),
        ]
    );
    assert_eq!(r.body["timeline"][1]["note"], "looking");
    assert_eq!(r.body["timeline"][2]["note"], "Replaced the disk");
    assert_eq!(r.body["timeline"][1]["actor"], "mia");
    assert!(r.body["timeline"][1]["at"].as_str().unwrap().ends_with('Z'));

    // Every change is audited: create plus five transitions; refusals wrote nothing.
    let r = t
        .get(
            &format!("/api/v1/audit?record_type=complaint&record_id={c}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body["total"], 6, "{}", r.body);
    let newest = &r.body["items"][0];
    assert_eq!(newest["action"], "transition");
    assert_eq!(newest["actor"], "mia");
    assert_eq!(newest["before"]["status"], "resolved");
    assert_eq!(newest["after"]["status"], "closed");

    // Withdrawal from new and from investigating; withdrawn is final.
    let w1 = complaint(&t, &manager, org, "W1").await;
    let r = go(&t, &manager, w1, json!({"to": "withdrawn"})).await;
    assert_eq!(r.body["status"], "withdrawn", "{}", r.body);
    assert!(r.body["closed_at"].as_str().is_some());
    assert_eq!(
        go(&t, &manager, w1, json!({"to": "investigating"}))
            .await
            .problem(409)["allowed"],
        json!([])
    );
    let w2 = complaint(&t, &manager, org, "W2").await;
    assert_eq!(
        go(&t, &manager, w2, json!({"to": "investigating"}))
            .await
            .status,
        200
    );
    assert_eq!(
        go(&t, &manager, w2, json!({"to": "withdrawn"})).await.body["status"],
        "withdrawn"
    );
    go(&t, &manager, 99999, json!({"to": "withdrawn"}))
        .await
        .problem(404);
}

#[tokio::test]
async fn roles_on_complaints() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let s = supplier(&t, "Hoster").await;
    let (_, agent) = t.user("al", "agent", None).await;
    let (_, auditor) = t.user("aud", "auditor", None).await;
    let (_, other_agent) = t.user("bo", "agent", None).await;

    // Agents raise both kinds; auditors only read.
    let c = complaint(&t, &agent, org, "By agent").await;
    let r = t
        .post(
            "/api/v1/complaints",
            &agent,
            json!({"kind": "supplier_dispute", "title": "x", "supplier_id": s}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    t.post(
        "/api/v1/complaints",
        &auditor,
        json!({"kind": "complaint", "title": "x", "organization_id": org}),
    )
    .await
    .problem(403);
    assert_eq!(t.get("/api/v1/complaints", &auditor).await.body["total"], 2);
    assert_eq!(
        t.get(&format!("/api/v1/complaints/{c}"), &auditor)
            .await
            .status,
        200
    );

    // Only ManageComplaints handles them; whoever raised one may withdraw it.
    let before = t.audit_count().await;
    go(&t, &agent, c, json!({"to": "investigating"}))
        .await
        .problem(403);
    go(&t, &auditor, c, json!({"to": "withdrawn"}))
        .await
        .problem(403);
    go(&t, &other_agent, c, json!({"to": "withdrawn"}))
        .await
        .problem(403);
    assert_eq!(t.audit_count().await, before);
    let r = go(&t, &agent, c, json!({"to": "withdrawn"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "withdrawn");
}

#[tokio::test]
async fn customers_are_confined_to_their_own_organization_and_never_see_disputes() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let s = supplier(&t, "Hoster").await;
    let (wile_id, wile) = t.user("wile", "customer", Some(acme)).await;
    let (_, hank) = t.user("hank", "customer", Some(globex)).await;
    let (_, manager) = t.user("mia", "manager", None).await;

    // The organization is forced to the customer's own.
    let r = t
        .post(
            "/api/v1/complaints",
            &wile,
            json!({"kind": "complaint", "title": "Outage"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["organization_id"], acme);
    assert_eq!(r.body["raised_by"], wile_id);
    let mine = r.id();
    let before = t.audit_count().await;
    let r = t
        .post(
            "/api/v1/complaints",
            &wile,
            json!({"kind": "complaint", "title": "x", "organization_id": globex}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "organization_id");
    t.post(
        "/api/v1/complaints",
        &wile,
        json!({"kind": "supplier_dispute", "title": "x", "supplier_id": s}),
    )
    .await
    .problem(403);
    assert_eq!(t.audit_count().await, before);

    let theirs = complaint(&t, &hank, globex, "Globex issue").await;
    let staff_for_acme = complaint(&t, &manager, acme, "Raised by staff").await;
    let dispute = t
        .post(
            "/api/v1/complaints",
            &manager,
            json!({"kind": "supplier_dispute", "title": "x", "supplier_id": s}),
        )
        .await
        .id();

    // Lists: only the own organization's complaints, whatever the filters say.
    let r = t.get("/api/v1/complaints", &wile).await;
    assert_eq!(ids(&r.body), [staff_for_acme, mine]);
    // As for users, the scope overrides an organization filter: still only Acme's.
    let r = t
        .get(
            &format!("/api/v1/complaints?organization_id={globex}"),
            &wile,
        )
        .await;
    assert_eq!(ids(&r.body), [staff_for_acme, mine]);
    for q in [
        "kind=supplier_dispute".to_owned(),
        format!("supplier_id={s}"),
    ] {
        let r = t.get(&format!("/api/v1/complaints?{q}"), &wile).await;
        assert_eq!(r.body["total"], 0, "{q}: {}", r.body);
    }
    assert_eq!(
        ids(&t.get("/api/v1/complaints", &hank).await.body),
        [theirs]
    );
    assert_eq!(t.get("/api/v1/complaints", &manager).await.body["total"], 4);

    // Gets and transitions of others' records answer 404, as if they did not exist.
    for id in [theirs, dispute] {
        t.get(&format!("/api/v1/complaints/{id}"), &wile)
            .await
            .problem(404);
        go(&t, &wile, id, json!({"to": "withdrawn"}))
            .await
            .problem(404);
        t.patch(
            &format!("/api/v1/complaints/{id}"),
            &wile,
            json!({"title": "x"}),
        )
        .await
        .problem(403);
    }
    let r = t.get(&format!("/api/v1/complaints/{mine}"), &wile).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["timeline"][0]["actor"], "wile");
    assert_eq!(
        t.get(&format!("/api/v1/complaints/{theirs}"), &hank)
            .await
            .status,
        200
    );
    assert_eq!(
        t.get(&format!("/api/v1/complaints/{theirs}"), &hank)
            .await
            .body["status"],
        "new",
        "the refused transition changed nothing"
    );

    // A customer does not handle complaints, but may withdraw its own.
    go(&t, &wile, mine, json!({"to": "investigating"}))
        .await
        .problem(403);
    go(&t, &wile, staff_for_acme, json!({"to": "withdrawn"}))
        .await
        .problem(403);
    let r = go(&t, &wile, mine, json!({"to": "withdrawn"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["timeline"][1]["to"], "withdrawn");
    assert_eq!(r.body["timeline"][1]["actor"], "wile");
}
