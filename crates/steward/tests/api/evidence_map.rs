//! The evidence map (ISO/IEC 20000-1 clauses 4–10): its checks turn from red to amber to green
//! as the records that satisfy them are created or brought up to date; staff and auditors read
//! it, customers do not; a daily snapshot keeps its history.
use crate::support::TestApp;
use serde_json::{Value, json};

fn clause<'a>(map: &'a Value, number: &str) -> &'a Value {
    map["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["clause"] == number)
        .unwrap_or_else(|| panic!("no clause {number}"))
}

fn check<'a>(map: &'a Value, number: &str, name: &str) -> &'a Value {
    clause(map, number)["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} under {number}"))
}

async fn map(t: &TestApp) -> Value {
    let r = t.get("/api/v1/conformity", &t.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

fn sla(name: &str, service: i64, workload: bool) -> Value {
    let mut body = json!({
        "name": name, "service_id": service, "organization_ids": [],
        "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 28800}},
        "pause": [], "warning_percent": 75, "exceptions": []
    });
    if workload {
        body["workload_limit"] = json!({"per_month": 200, "suspend_targets": false});
    }
    body
}

#[tokio::test]
async fn service_levels_turn_from_red_to_amber_to_green() {
    let t = TestApp::spawn().await;
    let m = map(&t).await;
    assert_eq!(clause(&m, "8.3.3")["colour"], "red");
    assert_eq!(check(&m, "8.3.3", "services_without_sla")["colour"], "red");
    assert!(m["totals"]["red"].as_i64().unwrap() > 0);
    // A group takes the worst colour under it.
    assert_eq!(clause(&m, "8.3")["colour"], "red");

    let mail = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live", "owner_id": t.admin_id}),
        )
        .await
        .id();
    let payroll = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll", "status": "live", "owner_id": t.admin_id}),
        )
        .await
        .id();
    let r = t
        .post("/api/v1/slas", &t.admin, sla("Mail standard", mail, false))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let mail_sla = r.id();

    // One SLA for two services, with no workload limit: amber, naming what is missing.
    let m = map(&t).await;
    let c = check(&m, "8.3.3", "services_without_sla");
    assert_eq!(c["colour"], "amber", "{c}");
    assert!(c["reason"].as_str().unwrap().contains("Payroll"), "{c}");
    assert_eq!(
        c["records"][0]["href"],
        format!("/manage/services/{payroll}")
    );
    assert!(c["next_step"].is_string());
    let w = check(&m, "8.3.3", "slas_without_workload_limits");
    assert_eq!(w["colour"], "amber");
    assert!(
        w["reason"].as_str().unwrap().contains("Mail standard"),
        "{w}"
    );
    assert_eq!(clause(&m, "8.3.3")["colour"], "amber");

    // Brought up to date: a workload limit, and an SLA for Payroll.
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/slas/{mail_sla}"),
            Some(&t.admin),
            Some(sla("Mail standard", mail, true)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            sla("Payroll standard", payroll, true),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let m = map(&t).await;
    for name in [
        "services_without_sla",
        "slas_without_workload_limits",
        "slas_past_review",
        "repeated_breaches_unimproved",
    ] {
        let c = check(&m, "8.3.3", name);
        assert_eq!(c["colour"], "green", "{name}: {c}");
        assert!(c["next_step"].is_null());
    }
    assert_eq!(clause(&m, "8.3.3")["colour"], "green");
    // Owners are named on both services.
    assert_eq!(check(&m, "5.3", "services_have_owners")["colour"], "green");
}

#[tokio::test]
async fn audits_and_reviews_turn_green_as_they_are_held() {
    let t = TestApp::spawn().await;
    let m = map(&t).await;
    assert_eq!(check(&m, "9.2", "audit_programme")["colour"], "red");
    assert_eq!(check(&m, "9.3", "management_review_held")["colour"], "red");

    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let year = today.year();
    let programme = t
        .post(
            "/api/v1/audit-programmes",
            &t.admin,
            json!({"title": format!("Audits {year}"), "period_from": format!("{year}-01-01"),
                   "period_to": format!("{year}-12-31")}),
        )
        .await
        .id();
    let m = map(&t).await;
    let c = check(&m, "9.2", "audit_programme");
    assert_eq!(c["colour"], "amber", "{c}");
    assert!(
        c["reason"].as_str().unwrap().contains("plans no audit"),
        "{c}"
    );

    let (auditor_id, auditor) = t.user("ines", "auditor", None).await;
    let audit = t
        .post(
            "/api/v1/audits",
            &t.admin,
            json!({"programme_id": programme, "title": "Incident management",
                   "scope_text": "The desk", "criteria": ["8.6.1"],
                   "planned_on": today.to_string(), "auditor_id": auditor_id}),
        )
        .await;
    assert_eq!(audit.status, 201, "{}", audit.body);
    let audit = audit.id();
    // Planned but not completed: still amber.
    assert_eq!(
        check(&map(&t).await, "9.2", "audit_programme")["colour"],
        "amber"
    );
    let r = t
        .patch(
            &format!("/api/v1/audits/{audit}"),
            &t.admin,
            json!({"status": "completed", "report_summary": "No finding"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = map(&t).await;
    assert_eq!(check(&m, "9.2", "audit_programme")["colour"], "green");
    assert_eq!(check(&m, "9.2", "audits_on_time")["colour"], "green");

    // A review planned is amber until it is held (its pack frozen).
    let review = t
        .post(
            "/api/v1/reviews",
            &t.admin,
            json!({"title": "Annual review", "period_from": format!("{}-01-01", year - 1),
                   "period_to": format!("{year}-01-01")}),
        )
        .await;
    assert_eq!(review.status, 201, "{}", review.body);
    let review = review.id();
    let m = map(&t).await;
    assert_eq!(
        check(&m, "9.3", "management_review_held")["colour"],
        "amber"
    );
    let r = t
        .patch(
            &format!("/api/v1/reviews/{review}"),
            &t.admin,
            json!({"freeze": true, "minutes": "Held"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let m = map(&t).await;
    assert_eq!(
        check(&m, "9.3", "management_review_held")["colour"],
        "green"
    );
    assert_eq!(check(&m, "5.1", "management_engaged")["colour"], "green");

    // The auditor reads the map and its history; a customer reads neither.
    let r = t.get("/api/v1/conformity", &auditor).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(org)).await;
    t.get("/api/v1/conformity", &customer).await.problem(403);
    t.get("/api/v1/conformity/history", &customer)
        .await
        .problem(403);
}

#[tokio::test]
async fn a_daily_snapshot_is_kept_once_and_shows_in_the_history() {
    let t = TestApp::spawn().await;
    let h = t.get("/api/v1/conformity/history", &t.admin).await;
    assert_eq!(h.body, json!([]));
    assert_eq!(t.app.snapshot_conformity("a").await.unwrap(), Some(true));
    // The same day again stores nothing new (another node, or the next round).
    assert_ne!(t.app.snapshot_conformity("a").await.unwrap(), Some(true));
    let h = t.get("/api/v1/conformity/history", &t.admin).await;
    let days = h.body.as_array().unwrap();
    assert_eq!(days.len(), 1, "{}", h.body);
    let m = map(&t).await;
    assert_eq!(days[0]["day"], m["as_of"]);
    assert_eq!(days[0]["red"], m["totals"]["red"]);
}

use crate::support::steward_cli as steward;

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn init_seeds_the_template_once_and_the_map_exits_2_while_a_clause_is_red() {
    let url = crate::support::fresh_database_url().await;
    let o = steward(&url, &["init", "--template", "iso20000"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("password: "), "{out}");
    assert!(out.contains("+ Calendar Office hours"), "{out}");
    assert!(out.contains("+ SLA Standard support (template)"), "{out}");
    let entries = |o: std::process::Output| text(&o.stdout);
    let before = entries(steward(&url, &["audit", "verify"]));

    // Twice: nothing new, not even an audit entry.
    let o = steward(&url, &["init", "--template", "iso20000"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("nothing to do"), "{out}");
    assert!(!out.contains("password"), "{out}");
    assert_eq!(entries(steward(&url, &["audit", "verify"])), before);

    let o = steward(&url, &["conformity"]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    let table = text(&o.stdout);
    assert!(table.contains("8.3.3"), "{table}");
    assert!(table.contains("RED"), "{table}");
    // The seeded SLAs are templates: inactive, so services still need their own.
    assert!(table.contains("No active SLA"), "{table}");

    let o = steward(&url, &["conformity", "--json"]);
    let map: Value = serde_json::from_slice(&o.stdout).expect("JSON");
    assert!(map["totals"]["red"].as_i64().unwrap() > 0);

    let o = steward(&url, &["init", "--template", "itil"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("unknown template"),
        "{}",
        text(&o.stderr)
    );
}

/// Records entered through the API, as a new organization would, until no clause is red.
#[tokio::test]
async fn a_template_database_turns_green_through_the_api() {
    let t = TestApp::spawn().await;
    let o = steward(&t.database_url, &["init", "--template", "iso20000"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = steward(&t.database_url, &["conformity"]);
    assert_eq!(o.status.code(), Some(2));
    println!("On the fresh template:\n{}", text(&o.stdout));

    let today = jiff::Timestamp::now()
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .date();
    let ok = |r: &crate::support::Reply| assert!(r.status.is_success(), "{}", r.body);
    let a = &t.admin;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (agent_id, agent) = t.user("arne", "agent", None).await;
    ok(&t
        .post(
            "/api/v1/teams",
            a,
            json!({"name": "Service desk", "member_ids": [agent_id]}),
        )
        .await);

    // The desk goes live with an owner, requirements, a published catalogue entry, a CI.
    let desk = t.get("/api/v1/services?limit=10", a).await.body["items"][0]["id"]
        .as_i64()
        .unwrap();
    let r = t
        .patch(
            &format!("/api/v1/services/{desk}"),
            a,
            json!({"status": "live", "owner_id": t.admin_id, "customer_ids": [acme]}),
        )
        .await;
    ok(&r);
    ok(&t
        .post(
            &format!("/api/v1/services/{desk}/requirements"),
            a,
            json!({"text": "Answer the phone in office hours", "source": "Contract", "stated_on": today.to_string()}),
        )
        .await);
    let catalogue = t.get("/api/v1/catalogue", a).await;
    let entry = catalogue.body["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", catalogue.body));
    ok(&t
        .patch(
            &format!("/api/v1/catalogue/{entry}"),
            a,
            json!({"published": true}),
        )
        .await);
    ok(&t
        .post(
            "/api/v1/cis",
            a,
            json!({"name": "desk-phone-system", "ci_type": "application", "owner_id": t.admin_id}),
        )
        .await);

    // The SLA template agreed for the desk: active.
    let slas = t.get("/api/v1/slas", a).await;
    let template = slas.body.as_array().unwrap()[0].clone();
    let mut agreed = template.clone();
    for k in [
        "id",
        "version",
        "created_at",
        "updated_at",
        "next_review_on",
        "review_overdue",
        "level",
    ] {
        agreed.as_object_mut().unwrap().remove(k);
    }
    agreed["active"] = json!(true);
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/slas/{}", template["id"]),
            Some(a),
            Some(agreed),
        )
        .await;
    ok(&r);

    // Records worked: an incident rated by its customer, a request, a problem made a known
    // error.
    let incident = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Phone rings out", "service_id": desk}),
        )
        .await;
    ok(&incident);
    let incident = incident.id();
    for to in [
        json!({"to": "in_progress"}),
        json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Rerouted"}),
    ] {
        ok(&t
            .post(
                &format!("/api/v1/incidents/{incident}/transition"),
                &agent,
                to,
            )
            .await);
    }
    ok(&t
        .post(
            &format!("/api/v1/incidents/{incident}/satisfaction"),
            &customer,
            json!({"rating": 5}),
        )
        .await);
    let items = t.get(&format!("/api/v1/catalogue/{entry}"), a).await;
    let item = items.body["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{}", items.body));
    ok(&t
        .post(
            "/api/v1/requests",
            &customer,
            json!({"catalogue_item_id": item, "answers": {}}),
        )
        .await);
    let problem = t
        .post(
            "/api/v1/problems",
            &agent,
            json!({"title": "Calls drop after 10 minutes", "impact": "medium", "urgency": "medium",
                   "service_id": desk, "incident_ids": [incident]}),
        )
        .await;
    ok(&problem);
    let problem = problem.id();
    let transition = format!("/api/v1/problems/{problem}/transition");
    let go = |to: Value| t.post(&transition, &agent, to);
    ok(&go(json!({"to": "investigating"})).await);
    ok(&t
        .patch(
            &format!("/api/v1/problems/{problem}"),
            &agent,
            json!({"root_cause": "SIP timer"}),
        )
        .await);
    ok(&go(json!({"to": "known_error", "workaround": "Call back"})).await);

    // Continuity: a plan approved and tested.
    let plans = format!("/api/v1/services/{desk}/continuity-plans");
    let plan = t
        .post(
            &plans,
            a,
            json!({"title": "Desk site loss", "invocation_criteria": "Office unreachable",
                   "roles_contacts": "Desk lead", "recovery_steps": "Forward calls to mobiles",
                   "rto": "4h", "rpo": "1h", "return_to_normal": "Back in the office",
                   "test_interval_days": 180, "owner_id": t.admin_id}),
        )
        .await;
    ok(&plan);
    let plan = format!("{plans}/{}", plan.id());
    ok(&t.post(&format!("{plan}/approve"), a, json!({})).await);
    ok(&t
        .post(
            &format!("{plan}/tests"),
            a,
            json!({"tested_on": today.to_string(), "scenario": "Office closed",
                   "achieved_recovery": "2h", "achieved_data_loss": "0m", "result": "passed"}),
        )
        .await);

    // Changes are recorded and released (8.5): a change, and a release grouping it.
    let change = t
        .post(
            "/api/v1/changes",
            a,
            json!({"change_type": "normal", "title": "Add a second mail relay"}),
        )
        .await;
    ok(&change);
    ok(&t
        .post(
            "/api/v1/releases",
            a,
            json!({"title": "Mail relay release", "release_type": "minor",
                   "change_ids": [change.id()]}),
        )
        .await);

    // Measured and reported; audited; reviewed; improved.
    let definition = t
        .post(
            "/api/v1/report-definitions",
            a,
            json!({"name": "Monthly desk report", "audience": "Acme",
                   "reports": ["volumes", "sla-compliance"], "cadence": "monthly"}),
        )
        .await;
    ok(&definition);
    ok(&t
        .post(
            &format!("/api/v1/report-definitions/{}/run", definition.id()),
            a,
            json!({}),
        )
        .await);
    let programme = t.get("/api/v1/audit-programmes", a).await.body[0]["id"].clone();
    let audit = t
        .post(
            "/api/v1/audits",
            a,
            json!({"programme_id": programme, "title": "Incident management",
                   "scope_text": "The desk", "criteria": ["8.6.1"],
                   "planned_on": today.to_string(), "auditor_id": t.user("ines", "auditor", None).await.0}),
        )
        .await;
    ok(&audit);
    ok(&t
        .patch(
            &format!("/api/v1/audits/{}", audit.id()),
            a,
            json!({"status": "completed", "report_summary": "Conforms"}),
        )
        .await);
    let review = t.get("/api/v1/reviews", a).await.body[0]["id"].clone();
    ok(&t
        .patch(
            &format!("/api/v1/reviews/{review}"),
            a,
            json!({"freeze": true, "minutes": "Held"}),
        )
        .await);
    ok(&t
        .post(
            "/api/v1/improvements",
            a,
            json!({"title": "Call-back queue", "source": "staff_suggestion"}),
        )
        .await);

    // The management system's own records: the drafts approved, owners given, a risk, each
    // placeholder document written and approved, a competence for the desk's member.
    let next_year = format!("{}-06-30", today.year() + 1);
    for kind in ["scope", "policy"] {
        ok(&t
            .patch(
                &format!("/api/v1/system/{kind}"),
                a,
                json!({"owner_id": t.admin_id, "review_due_on": next_year}),
            )
            .await);
        ok(&t
            .post(&format!("/api/v1/system/{kind}/approve"), a, json!({}))
            .await);
    }
    let objectives = t.get("/api/v1/system/objectives", a).await;
    for o in objectives.body.as_array().unwrap() {
        ok(&t
            .patch(
                &format!("/api/v1/system/objectives/{}", o["id"]),
                a,
                json!({"owner_id": t.admin_id}),
            )
            .await);
    }
    ok(&t
        .post(
            "/api/v1/system/risks",
            a,
            json!({"title": "Desk lead leaves", "kind": "risk", "likelihood": 2, "impact": 2,
                   "owner_id": t.admin_id, "review_due_on": next_year}),
        )
        .await);
    let documents = t.get("/api/v1/system/documents", a).await;
    for d in documents.body.as_array().unwrap() {
        let versions = format!("/api/v1/system/documents/{}/versions", d["id"]);
        let v = t
            .post(&versions, a, json!({"text": "Written and agreed."}))
            .await;
        ok(&v);
        ok(&t
            .post(&format!("{versions}/{}/approve", v.id()), a, json!({}))
            .await);
    }
    ok(&t
        .post(
            "/api/v1/competences",
            a,
            json!({"user_id": agent_id, "skill": "Incident handling", "level": "practitioner",
                   "evidence": "Desk training 2026", "obtained_on": today.to_string()}),
        )
        .await);

    let o = steward(&t.database_url, &["conformity"]);
    println!("After the records were entered:\n{}", text(&o.stdout));
    let m = map(&t).await;
    let red: Vec<&Value> = m["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["colour"] == "red" && c["depth"].as_u64() > Some(0))
        .collect();
    assert!(red.is_empty(), "still red: {red:#?}");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
}

/// Change and release records evidence 8.5: red without them, green once recorded, amber for a
/// scheduled change past its planned end and a release past its planned date.
#[tokio::test]
async fn changes_and_releases_evidence_clause_8_5() {
    let (t, clock) = TestApp::spawn_at("2026-05-20T12:00:00Z".parse().unwrap()).await;
    let m = map(&t).await;
    for (number, name) in [
        ("8.5.1", "changes_controlled"),
        ("8.5.3", "releases_controlled"),
    ] {
        let c = check(&m, number, name);
        assert_eq!(c["colour"], "red", "{c}");
        assert!(clause(&m, number)["not_assessed"].is_null());
    }
    assert_eq!(
        check(&m, "8.5.2", "major_changes_designed")["colour"],
        "green"
    );

    // A change scheduled for a window that has passed, not completed.
    let body = json!({"change_type": "normal", "title": "Patch the mail relay",
        "implementation_plan": "Patch", "test_plan": "Send mail", "backout_plan": "Revert",
        "planned_start": "2026-06-01T20:00:00Z", "planned_end": "2026-06-01T22:00:00Z",
        "risk_answers": [{"question": "tested", "answer": 0},
                         {"question": "backout", "answer": 0},
                         {"question": "users", "answer": 0}]});
    let r = t.post("/api/v1/changes", &t.admin, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let (id, number) = (r.id(), r.body["number"].as_str().unwrap().to_owned());
    for action in ["submit", "assess", "schedule"] {
        let r = t
            .post(
                &format!("/api/v1/changes/{id}/{action}"),
                &t.admin,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
    let r = t
        .post(
            "/api/v1/releases",
            &t.admin,
            json!({"title": "Relay", "release_type": "minor", "planned_date": "2026-06-05",
                   "change_ids": [id]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let release = r.body["number"].as_str().unwrap().to_owned();
    let m = map(&t).await;
    assert_eq!(check(&m, "8.5.1", "changes_on_schedule")["colour"], "green");
    assert_eq!(check(&m, "8.5.3", "releases_controlled")["colour"], "green");

    // Three weeks on, neither happened.
    clock.set("2026-06-10T12:00:00Z".parse().unwrap());
    let m = map(&t).await;
    assert_eq!(check(&m, "8.5.1", "changes_controlled")["colour"], "green");
    let late = check(&m, "8.5.1", "changes_on_schedule");
    assert_eq!(late["colour"], "amber", "{late}");
    assert!(late["reason"].as_str().unwrap().contains(&number), "{late}");
    assert_eq!(
        late["records"][0]["href"],
        format!("/manage/changes/{id}/view")
    );
    let rel = check(&m, "8.5.3", "releases_controlled");
    assert_eq!(rel["colour"], "amber", "{rel}");
    assert!(rel["reason"].as_str().unwrap().contains(&release), "{rel}");
}
