//! Nonconformities with corrective actions (ISO/IEC 20000-1 10.1) and internal audits (9.2):
//! the closing rules naming their field, overdue actions as the clock passes the due date,
//! auditor independence, findings raising nonconformities linked both ways, the roles, and
//! the audit trail — through the API on a real database.
use crate::support::{Reply, TestApp};
use reqwest::Method;
use serde_json::{Value, json};

async fn put(t: &TestApp, path: &str, token: &str, body: Value) -> Reply {
    t.send(Method::PUT, path, Some(token), Some(body)).await
}

/// A staff user with a display name; returns (id, token).
async fn person(t: &TestApp, username: &str, name: &str, role: &str) -> (i64, String) {
    let (id, token) = t.user(username, role, None).await;
    let r = t
        .patch(
            &format!("/api/v1/users/{id}"),
            &t.admin,
            json!({"display_name": name}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    (id, token)
}

async fn audit_trail(t: &TestApp, record_type: &str, id: i64) -> Vec<String> {
    let r = t
        .get(
            &format!("/api/v1/audit?record_type={record_type}&record_id={id}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn fields(r: &Value) -> Vec<String> {
    r["errors"]
        .as_array()
        .map(|e| {
            e.iter()
                .map(|x| x["field"].as_str().unwrap_or_default().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn a_nonconformity_closes_only_after_cause_actions_and_an_effective_check() {
    let (t, clock) = TestApp::spawn_at("2026-03-02T10:00:00Z".parse().unwrap()).await;
    let (_, manager) = person(&t, "mona", "Mona", "manager").await;
    let (agent_id, agent) = person(&t, "arne", "Arne", "agent").await;
    let (other_id, other) = person(&t, "olga", "Olga", "agent").await;

    // Links must match the source and exist.
    let r = t
        .post(
            "/api/v1/nonconformities",
            &manager,
            json!({"source": "complaint", "complaint_id": 999, "description": "x",
                   "requirement": "8.3.2", "severity": "minor"}),
        )
        .await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["complaint_id"], "{}", r.body);
    let r = t
        .post(
            "/api/v1/nonconformities",
            &manager,
            json!({"source": "monitoring", "incident_id": 1, "description": "x",
                   "requirement": "8.3.2", "severity": "minor"}),
        )
        .await;
    assert_eq!(fields(&r.body), ["incident_id"], "{}", r.body);
    let incident = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Backups silently failed", "urgency": "high"}),
        )
        .await
        .id();

    let r = t
        .post(
            "/api/v1/nonconformities",
            &manager,
            json!({"source": "incident_review", "incident_id": incident,
                   "description": "Backups were not verified for three weeks",
                   "requirement": "8.7.2", "severity": "major", "owner_id": agent_id,
                   "correction": "Ran and verified a full backup"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let nc = r.id();
    assert_eq!(r.body["number"], "NC-0001");
    assert_eq!(r.body["status"], "open");
    assert_eq!(r.body["incident_id"], incident);
    assert_eq!(r.body["effectiveness_check"], Value::Null);
    assert_eq!(r.body["has_overdue_actions"], false);
    let url = format!("/api/v1/nonconformities/{nc}");

    // Closing with nothing done names every missing piece.
    let r = t.patch(&url, &manager, json!({"status": "closed"})).await;
    r.problem(422);
    assert_eq!(
        fields(&r.body),
        ["cause_analysis", "effectiveness_check"],
        "{}",
        r.body
    );

    // A corrective action plans the record; it turns overdue as the clock passes its date.
    let r = t
        .post(
            &format!("{url}/actions"),
            &manager,
            json!({"description": "Alert when a backup is not verified", "owner_id": agent_id,
                   "due_on": "2026-03-10"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let action = r.id();
    assert_eq!(r.body["overdue"], false);
    let nc_now = t.get(&url, &agent).await;
    assert_eq!(nc_now.body["status"], "action_planned");
    assert_eq!(nc_now.body["has_overdue_actions"], false);
    let overdue = t
        .get("/api/v1/nonconformities?overdue=true", &manager)
        .await;
    assert_eq!(overdue.body["total"], 0);

    clock.set("2026-03-10T23:00:00Z".parse().unwrap());
    assert_eq!(t.get(&url, &agent).await.body["has_overdue_actions"], false);
    clock.set("2026-03-11T00:30:00Z".parse().unwrap());
    let r = t.get(&url, &agent).await;
    assert_eq!(r.body["has_overdue_actions"], true, "{}", r.body);
    assert_eq!(r.body["actions"][0]["overdue"], true);
    let overdue = t
        .get("/api/v1/nonconformities?overdue=true", &manager)
        .await;
    assert_eq!(overdue.body["total"], 1, "{}", overdue.body);
    assert_eq!(overdue.body["items"][0]["id"], nc);
    let not = t
        .get("/api/v1/nonconformities?overdue=false", &manager)
        .await;
    assert_eq!(not.body["total"], 0);
    let by_source = t
        .get(
            "/api/v1/nonconformities?source=incident_review&status=action_planned",
            &manager,
        )
        .await;
    assert_eq!(by_source.body["total"], 1);

    // Closing with an open action is refused, naming `actions`.
    let r = t
        .patch(
            &url,
            &manager,
            json!({"cause_analysis": "No alert on unverified backups", "status": "closed"}),
        )
        .await;
    r.problem(422);
    assert_eq!(
        fields(&r.body),
        ["actions", "effectiveness_check"],
        "{}",
        r.body
    );
    // Nothing of the refused patch was kept.
    assert_eq!(
        t.get(&url, &manager).await.body["cause_analysis"],
        Value::Null
    );
    // The check judges finished actions only.
    let r = put(
        &t,
        &format!("{url}/effectiveness-check"),
        &manager,
        json!({"text": "No failures since", "effective": true}),
    )
    .await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["actions"]);

    // Another agent may not mark the action done; its owner may, but only its status.
    let action_url = format!("{url}/actions/{action}");
    t.patch(&action_url, &other, json!({"status": "done"}))
        .await
        .problem(403);
    t.patch(&action_url, &agent, json!({"due_on": "2026-04-01"}))
        .await
        .problem(403);
    let r = t
        .patch(&action_url, &agent, json!({"status": "done"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["overdue"], false);
    assert!(
        r.body["done_at"]
            .as_str()
            .is_some_and(|d| d.starts_with("2026-03-11"))
    );
    let _ = other_id;

    let r = t
        .patch(
            &url,
            &manager,
            json!({"cause_analysis": "No alert on unverified backups", "status": "verifying"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["has_overdue_actions"], false);

    // A check that finds the actions not effective keeps the record open.
    let r = put(
        &t,
        &format!("{url}/effectiveness-check"),
        &manager,
        json!({"text": "A backup failed again unnoticed", "effective": false}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "action_planned");
    assert_eq!(r.body["effectiveness_check"]["effective"], false);
    assert_eq!(r.body["effectiveness_check"]["checked_on"], "2026-03-11");
    let r = t.patch(&url, &manager, json!({"status": "closed"})).await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["effectiveness_check"], "{}", r.body);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("not effective"),
        "{}",
        r.body
    );

    // New action, done, checked effective: now it closes, and then no longer changes.
    let second = t
        .post(
            &format!("{url}/actions"),
            &manager,
            json!({"description": "Page the on-call engineer on a failed verification",
                   "owner_id": agent_id, "due_on": "2026-03-20"}),
        )
        .await
        .id();
    t.patch(
        &format!("{url}/actions/{second}"),
        &agent,
        json!({"status": "done"}),
    )
    .await;
    let r = put(
        &t,
        &format!("{url}/effectiveness-check"),
        &manager,
        json!({"text": "Four weeks of verified backups; the one failure paged on-call",
                   "checked_on": "2026-03-11", "effective": true}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t.patch(&url, &manager, json!({"status": "closed"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "closed");
    assert!(r.body["closed_at"].is_string());
    t.patch(&url, &manager, json!({"correction": "x"}))
        .await
        .problem(422);

    // Every change is in the audit trail.
    let trail = audit_trail(&t, "nonconformity", nc).await;
    for action in ["create", "update", "effectiveness_check", "close"] {
        assert!(trail.iter().any(|a| a == action), "{action}: {trail:?}");
    }
    let trail = audit_trail(&t, "corrective_action", action).await;
    assert!(trail.contains(&"create".to_owned()) && trail.contains(&"update".to_owned()));
}

/// A programme for 2026 with Payroll (owned by Mona) and the Network team (Arne a member).
struct Setup {
    t: TestApp,
    programme: i64,
    payroll: i64,
    network: i64,
    mona: (i64, String),
    arne: (i64, String),
    ines: (i64, String),
    manager: String,
}

async fn setup() -> Setup {
    let t = TestApp::spawn().await;
    let (_, manager) = person(&t, "maud", "Maud", "manager").await;
    let mona = person(&t, "mona", "Mona", "agent").await;
    let arne = person(&t, "arne", "Arne", "agent").await;
    let ines = person(&t, "ines", "Ines", "auditor").await;
    let payroll = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll", "status": "live", "owner_id": mona.0}),
        )
        .await
        .id();
    let r = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Network", "member_ids": [arne.0]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let network = r.id();
    let r = t
        .post(
            "/api/v1/audit-programmes",
            &manager,
            json!({"title": "Internal audits 2026", "period_from": "2026-01-01",
                   "period_to": "2026-12-31", "objectives": "Every clause once a year"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    Setup {
        programme: r.id(),
        t,
        payroll,
        network,
        mona,
        arne,
        ines,
        manager,
    }
}

#[tokio::test]
async fn an_auditor_may_not_audit_an_area_they_are_responsible_for() {
    let s = setup().await;
    let t = &s.t;
    let body = |auditor: i64| {
        json!({"programme_id": s.programme, "title": "Payroll and network availability",
               "scope_service_ids": [s.payroll], "scope_team_ids": [s.network],
               "scope_text": "Availability management", "criteria": ["8.7.1", "9.2"],
               "planned_on": "2026-04-14", "auditor_id": auditor})
    };
    let r = t.post("/api/v1/audits", &s.manager, body(s.mona.0)).await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["auditor_id"], "{}", r.body);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Mona owns the service Payroll in this audit's scope"),
        "{message}"
    );
    let r = t.post("/api/v1/audits", &s.manager, body(s.arne.0)).await;
    r.problem(422);
    let message = r.body["errors"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("Arne is a member of the team Network in scope"),
        "{message}"
    );
    assert_eq!(
        t.get("/api/v1/audits", &s.manager).await.body,
        json!([]),
        "nothing stored"
    );

    // Out of the programme's period, bad clauses and missing references are named too.
    let mut bad = body(s.ines.0);
    bad["planned_on"] = json!("2027-01-05");
    bad["criteria"] = json!(["Annex A"]);
    bad["scope_team_ids"] = json!([999]);
    let r = t.post("/api/v1/audits", &s.manager, bad).await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["criteria"], "{}", r.body);
    let mut bad = body(s.ines.0);
    bad["planned_on"] = json!("2027-01-05");
    bad["scope_team_ids"] = json!([999]);
    let r = t.post("/api/v1/audits", &s.manager, bad).await;
    assert_eq!(
        fields(&r.body),
        ["planned_on", "scope_team_ids"],
        "{}",
        r.body
    );

    // An independent auditor is accepted; widening the scope to her own area is refused.
    let r = t.post("/api/v1/audits", &s.manager, body(s.ines.0)).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let audit = r.id();
    assert_eq!(r.body["status"], "planned");
    assert_eq!(r.body["criteria"], json!(["8.7.1", "9.2"]));
    let url = format!("/api/v1/audits/{audit}");
    let (desk_lead, _) = person(t, "dora", "Dora", "agent").await;
    let desk = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Service desk", "member_ids": [desk_lead]}),
        )
        .await
        .id();
    let r = t
        .patch(&url, &s.manager, json!({"auditor_id": desk_lead}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .patch(
            &url,
            &s.manager,
            json!({"scope_team_ids": [s.network, desk]}),
        )
        .await;
    r.problem(422);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Dora is a member of the team Service desk in scope"),
        "{}",
        r.body
    );
    let r = t
        .patch(&url, &s.manager, json!({"auditor_id": s.mona.0}))
        .await;
    r.problem(422);
    assert!(
        r.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("Mona owns the service Payroll"),
        "{}",
        r.body
    );
    let r = t.get(&url, &s.manager).await;
    assert_eq!(r.body["auditor_id"], desk_lead);
    assert_eq!(r.body["scope_team_ids"], json!([s.network]));
    let mut trail = audit_trail(t, "audit", audit).await;
    trail.sort();
    assert_eq!(
        trail,
        ["create", "update"],
        "the refused changes left no entry"
    );
}

#[tokio::test]
async fn a_nonconformity_finding_raises_a_nonconformity_linked_both_ways() {
    let s = setup().await;
    let t = &s.t;
    let (ines_id, ines) = s.ines.clone();
    let r = t
        .post(
            "/api/v1/audits",
            &s.manager,
            json!({"programme_id": s.programme, "title": "Availability management",
                   "scope_service_ids": [s.payroll], "criteria": ["8.7.1"],
                   "planned_on": "2026-05-04", "auditor_id": ines_id}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let audit = r.id();
    let findings = format!("/api/v1/audits/{audit}/findings");

    // Only the assigned auditor records findings.
    let finding = json!({"kind": "major_nonconformity", "clause": "8.7.1",
        "description": "Availability of Payroll is not measured against its target",
        "evidence": "No availability report for January to April"});
    t.post(&findings, &s.manager, finding.clone())
        .await
        .problem(403);
    t.post(&findings, &s.mona.1, finding.clone())
        .await
        .problem(403);
    let r = t
        .post(
            &findings,
            &ines,
            json!({"kind": "minor_nonconformity", "description": "x"}),
        )
        .await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["clause"]);

    let r = t.post(&findings, &ines, finding).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let finding_id = r.id();
    let nc = r.body["nonconformity_id"]
        .as_i64()
        .expect("an NC was raised");
    let n = t
        .get(&format!("/api/v1/nonconformities/{nc}"), &s.mona.1)
        .await;
    assert_eq!(n.status, 200, "{}", n.body);
    assert_eq!(n.body["source"], "audit");
    assert_eq!(n.body["severity"], "major");
    assert_eq!(n.body["audit_id"], audit);
    assert_eq!(n.body["finding_id"], finding_id);
    assert_eq!(n.body["requirement"], "8.7.1");
    assert_eq!(n.body["status"], "open");

    // Other kinds raise none; the first finding started the audit.
    for kind in ["conformity", "opportunity"] {
        let r = t
            .post(
                &findings,
                &ines,
                json!({"kind": kind, "description": format!("A {kind}")}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        assert_eq!(r.body["nonconformity_id"], Value::Null);
    }
    let a = t.get(&format!("/api/v1/audits/{audit}"), &ines).await;
    assert_eq!(a.body["status"], "in_progress");
    assert_eq!(a.body["findings"].as_array().unwrap().len(), 3);
    assert_eq!(a.body["findings"][0]["nonconformity_id"], nc);
    let listed = t
        .get(&format!("/api/v1/nonconformities?audit_id={audit}"), &ines)
        .await;
    assert_eq!(listed.body["total"], 1);
    // The opportunity finding raised one improvement opportunity.
    let register = t.get("/api/v1/improvements", &s.manager).await.body;
    let raised: Vec<&Value> = register
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["source"] == "audit_finding")
        .collect();
    assert_eq!(raised.len(), 1, "{register}");
    assert!(
        raised[0]["title"]
            .as_str()
            .unwrap()
            .contains("A opportunity")
    );

    // Completing needs the summary; a completed audit takes no more findings.
    let url = format!("/api/v1/audits/{audit}");
    let r = t
        .patch(&url, &s.manager, json!({"status": "completed"}))
        .await;
    r.problem(422);
    assert_eq!(fields(&r.body), ["report_summary"]);
    let r = t
        .patch(
            &url,
            &s.manager,
            json!({"status": "completed", "report_summary": "One major nonconformity"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.post(
        &findings,
        &ines,
        json!({"kind": "conformity", "description": "late"}),
    )
    .await
    .problem(409);

    assert_eq!(
        audit_trail(t, "audit_finding", finding_id).await,
        ["create"]
    );
    assert_eq!(audit_trail(t, "nonconformity", nc).await, ["create"]);
}

#[tokio::test]
async fn roles_read_and_change_what_they_may() {
    let s = setup().await;
    let t = &s.t;
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(org)).await;
    let (agent_id, agent) = s.arne.clone();
    let auditor = s.ines.1.clone();
    let audit = json!({"programme_id": s.programme, "title": "Incident management",
        "scope_text": "Incident handling at the desk", "criteria": ["8.6.1"],
        "planned_on": "2026-06-01", "auditor_id": s.ines.0});
    let nc = json!({"source": "other", "description": "x", "requirement": "Own policy 4",
        "severity": "minor"});
    let programme = json!({"title": "P", "period_from": "2026-01-01", "period_to": "2026-06-30"});

    // Agents, auditors and customers plan no audits and raise no nonconformities.
    for token in [&agent, &auditor, &customer] {
        t.post("/api/v1/audits", token, audit.clone())
            .await
            .problem(403);
        t.post("/api/v1/audit-programmes", token, programme.clone())
            .await
            .problem(403);
        t.post("/api/v1/nonconformities", token, nc.clone())
            .await
            .problem(403);
    }
    let made = t.post("/api/v1/audits", &s.manager, audit).await.id();
    let n = t.post("/api/v1/nonconformities", &s.manager, nc).await.id();
    let action = t
        .post(
            &format!("/api/v1/nonconformities/{n}/actions"),
            &s.manager,
            json!({"description": "Write it down", "owner_id": agent_id, "due_on": "2026-07-01"}),
        )
        .await
        .id();

    // Auditors and agents read everything; customers nothing.
    for path in [
        "/api/v1/audit-programmes".to_owned(),
        format!("/api/v1/audit-programmes/{}", s.programme),
        "/api/v1/audits".to_owned(),
        format!("/api/v1/audits/{made}"),
        format!("/api/v1/audits/{made}/findings"),
        "/api/v1/nonconformities".to_owned(),
        format!("/api/v1/nonconformities/{n}"),
        format!("/api/v1/nonconformities/{n}/actions"),
    ] {
        for token in [&agent, &auditor] {
            let r = t.get(&path, token).await;
            assert_eq!(r.status, 200, "{path}: {}", r.body);
        }
        t.get(&path, &customer).await.problem(403);
    }
    // The auditor role changes nothing else.
    let n_url = format!("/api/v1/nonconformities/{n}");
    t.patch(&n_url, &auditor, json!({"severity": "major"}))
        .await
        .problem(403);
    t.patch(&n_url, &agent, json!({"severity": "major"}))
        .await
        .problem(403);
    t.patch(
        &format!("/api/v1/audits/{made}"),
        &auditor,
        json!({"title": "Mine now"}),
    )
    .await
    .problem(403);
    t.patch(
        &format!("{n_url}/actions/{action}"),
        &auditor,
        json!({"status": "done"}),
    )
    .await
    .problem(403);
    put(
        t,
        &format!("{n_url}/effectiveness-check"),
        &agent,
        json!({"text": "ok", "effective": true}),
    )
    .await
    .problem(403);
    // …but, assigned, records the audit's findings.
    let r = t
        .post(
            &format!("/api/v1/audits/{made}/findings"),
            &auditor,
            json!({"kind": "conformity", "clause": "8.6.1", "description": "Incidents are prioritised"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The agent who owns the action marks it done.
    let r = t
        .patch(
            &format!("{n_url}/actions/{action}"),
            &agent,
            json!({"status": "done"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.get("/api/v1/nonconformities/999", &agent)
        .await
        .problem(404);
}

#[tokio::test]
async fn screens_let_the_auditor_record_findings_and_an_owner_mark_an_action_done() {
    use crate::ui::{Browser, csrf_of};
    let s = setup().await;
    let t = &s.t;
    let audit = t
        .post(
            "/api/v1/audits",
            &s.manager,
            json!({"programme_id": s.programme, "title": "Availability management",
                   "scope_service_ids": [s.payroll], "criteria": ["8.7.1"],
                   "planned_on": "2026-05-04", "auditor_id": s.ines.0}),
        )
        .await
        .id();
    let path = format!("/manage/audits/{audit}");

    // The auditor (role auditor) reads the audits and records a finding; she plans nothing.
    let mut ines = Browser::new(t);
    ines.login("ines", "ines-password").await;
    let list = ines.get("/manage/audits").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Availability management"));
    assert!(
        !list.body.contains("id=\"create-h\""),
        "no form to plan audits"
    );
    let page = ines.get(&path).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Record a finding"));
    assert!(!page.body.contains("Progress, report and plan"));
    let csrf = csrf_of(&page.body);
    let refused = ines
        .post(
            &format!("{path}/findings"),
            &[
                ("csrf", &csrf),
                ("kind", "minor_nonconformity"),
                ("clause", "Annex A"),
                ("description", "Targets are not reviewed"),
                ("evidence", ""),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("id=\"ce-clause\""),
        "said next to the clause"
    );
    let made = ines
        .post(
            &format!("{path}/findings"),
            &[
                ("csrf", &csrf),
                ("kind", "minor_nonconformity"),
                ("clause", "8.7.1"),
                ("description", "Targets are not reviewed"),
                ("evidence", "Minutes of 2026 service reviews"),
            ],
        )
        .await;
    assert_eq!(made.status, 303, "{}", made.body);
    let detail = t.get(&format!("/api/v1/audits/{audit}"), &s.manager).await;
    let nc = detail.body["findings"][0]["nonconformity_id"]
        .as_i64()
        .expect("the finding raised a nonconformity");
    let page = ines.get(&path).await;
    assert!(
        page.body
            .contains(&format!("href=\"/manage/nonconformities/{nc}\">NC-0001")),
        "the finding links its nonconformity"
    );

    // The agent who owns an action marks it done on the page; closing is not his.
    let action = t
        .post(
            &format!("/api/v1/nonconformities/{nc}/actions"),
            &s.manager,
            json!({"description": "Review targets quarterly", "owner_id": s.arne.0,
                   "due_on": "2026-06-30"}),
        )
        .await
        .id();
    let mut arne = Browser::new(t);
    arne.login("arne", "arne-password").await;
    let page = arne.get(&format!("/manage/nonconformities/{nc}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("Mark done"));
    assert!(!page.body.contains("Plan a corrective action"));
    let csrf = csrf_of(&page.body);
    let done = arne
        .post(
            &format!("/manage/nonconformities/{nc}/actions/{action}"),
            &[("csrf", &csrf), ("status", "done")],
        )
        .await;
    assert_eq!(done.status, 303);
    let n = t
        .get(&format!("/api/v1/nonconformities/{nc}"), &s.manager)
        .await;
    assert_eq!(n.body["actions"][0]["status"], "done");
    let close = arne
        .post(
            &format!("/manage/nonconformities/{nc}/status"),
            &[("csrf", &csrf), ("status", "closed")],
        )
        .await;
    assert_eq!(close.status, 403);

    // Customers see none of it.
    let org = t.create_org("Acme").await;
    t.user("wile", "customer", Some(org)).await;
    let mut wile = Browser::new(t);
    wile.login("wile", "wile-password").await;
    for path in ["/manage/nonconformities", "/manage/audits", path.as_str()] {
        assert_eq!(wile.get(path).await.status, 403, "{path}");
    }
}
