//! Service continuity (ISO/IEC 20000-1 8.7.2): continuity plans in versions with approval,
//! their export for an off-site copy, their tests against RTO and RPO, and the overdue flag,
//! through the API on a real database.
use crate::support::TestApp;
use serde_json::{Value, json};

async fn service(t: &TestApp, name: &str) -> i64 {
    t.post(
        "/api/v1/services",
        &t.admin,
        json!({"name": name, "status": "live"}),
    )
    .await
    .id()
}

/// A complete plan body owned by `owner`.
fn plan_body(owner: i64) -> Value {
    json!({
        "title": "Mail data centre loss",
        "invocation_criteria": "Mail is down for more than 30 minutes in the primary site",
        "roles_contacts": "Incident manager: Mona (+44 20 7946 0000)",
        "recovery_steps": "1. Fail over to the secondary site\n2. Re-point MX records",
        "rto": "4h",
        "rpo": "15m",
        "return_to_normal": "Fail back in the next maintenance window",
        "test_interval_days": 90,
        "owner_id": owner,
    })
}

async fn audit(t: &TestApp, record_type: &str, id: i64) -> Vec<Value> {
    let r = t
        .get(
            &format!("/api/v1/audit?record_type={record_type}&record_id={id}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn plans_are_validated_versioned_and_approved_by_managers_with_audit() {
    let (t, _clock) = TestApp::spawn_at("2026-03-02T10:00:00Z".parse().unwrap()).await;
    let (agent_id, agent) = t.user("agnes", "agent", None).await;
    let (manager_id, manager) = t.user("mona", "manager", None).await;
    let org = t.create_org("Acme").await;
    let (customer_id, _) = t.user("wile", "customer", Some(org)).await;
    let mail = service(&t, "Mail").await;
    let url = format!("/api/v1/services/{mail}/continuity-plans");

    let mut no_title = plan_body(agent_id);
    no_title.as_object_mut().unwrap().remove("title");
    for (patch, field) in [
        (json!({"rto": -60}), "rto"),
        (json!({"rto": "-1h"}), "rto"),
        (json!({"rpo": "soon"}), "rpo"),
        (json!({"title": "  "}), "title"),
        (json!({"test_interval_days": 0}), "test_interval_days"),
        (json!({"owner_id": customer_id}), "owner_id"),
    ] {
        let mut body = plan_body(agent_id);
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = t.post(&url, &agent, body).await;
        r.problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    let r = t.post(&url, &agent, no_title).await;
    r.problem(422);
    assert_eq!(r.body["errors"][0]["field"], "title", "{}", r.body);
    assert_eq!(t.get(&url, &agent).await.body, json!([]), "nothing stored");
    assert_eq!(
        t.get("/api/v1/services/999/continuity-plans", &agent)
            .await
            .status,
        404
    );

    // An agent drafts a plan; recovery steps are still missing.
    let mut body = plan_body(agent_id);
    body["recovery_steps"] = Value::Null;
    body.as_object_mut().unwrap().remove("test_interval_days");
    let made = t.post(&url, &agent, body).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let plan = made.id();
    assert_eq!(made.body["version"], 1);
    assert_eq!(made.body["status"], "draft");
    assert_eq!(made.body["rto_seconds"], 14_400);
    assert_eq!(made.body["rto"], "4h");
    assert_eq!(made.body["rpo_seconds"], 900);
    assert_eq!(made.body["rpo"], "15m");
    assert_eq!(made.body["test_interval_days"], 365, "the default");
    assert_eq!(made.body["approved_version"], Value::Null);
    assert_eq!(made.body["next_test_due"], Value::Null);
    assert_eq!(made.body["test_overdue"], false);
    assert_eq!(made.body["service_name"], "Mail");
    let plan_url = format!("{url}/{plan}");

    // Only managers and administrators approve, and only a complete plan.
    t.post(&format!("{plan_url}/approve"), &agent, json!({}))
        .await
        .problem(403);
    let incomplete = t
        .post(&format!("{plan_url}/approve"), &manager, json!({}))
        .await;
    incomplete.problem(422);
    assert_eq!(incomplete.body["errors"][0]["field"], "recovery_steps");

    // Editing a draft changes the draft.
    let edited = t
        .patch(
            &plan_url,
            &agent,
            json!({"recovery_steps": "Fail over to the secondary site", "rto": 7200}),
        )
        .await;
    assert_eq!(edited.status, 200, "{}", edited.body);
    assert_eq!(edited.body["version"], 1);
    assert_eq!(edited.body["rto"], "2h");
    let bad = t.patch(&plan_url, &agent, json!({"rpo": -5})).await;
    bad.problem(422);
    assert_eq!(bad.body["errors"][0]["field"], "rpo");

    let approved = t
        .post(&format!("{plan_url}/approve"), &manager, json!({}))
        .await;
    assert_eq!(approved.status, 200, "{}", approved.body);
    assert_eq!(approved.body["status"], "approved");
    assert_eq!(approved.body["approved_by"], manager_id);
    assert_eq!(approved.body["approved_at"], "2026-03-02T10:00:00Z");
    assert_eq!(approved.body["approved_version"], 1);
    assert_eq!(approved.body["next_test_due"], "2027-03-02");
    t.post(&format!("{plan_url}/approve"), &manager, json!({}))
        .await
        .problem(409);

    // Editing an approved plan makes version 2, a draft; version 1 stays in force.
    let v2 = t
        .patch(&plan_url, &agent, json!({"title": "Mail site loss"}))
        .await;
    assert_eq!(v2.status, 200, "{}", v2.body);
    assert_eq!(v2.body["version"], 2);
    assert_eq!(v2.body["status"], "draft");
    assert_eq!(v2.body["title"], "Mail site loss");
    assert_eq!(v2.body["approved_version"], 1);
    assert_eq!(v2.body["recovery_steps"], "Fail over to the secondary site");
    let versions = v2.body["versions"].as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[1]["version"], 1);
    assert_eq!(versions[1]["status"], "approved");
    assert_eq!(versions[1]["title"], "Mail data centre loss");
    // A second edit changes the same draft.
    let again = t.patch(&plan_url, &agent, json!({"rpo": "5m"})).await;
    assert_eq!(again.body["version"], 2);
    assert_eq!(again.body["versions"].as_array().unwrap().len(), 2);

    let v2 = t
        .post(&format!("{plan_url}/approve"), &t.admin, json!({}))
        .await;
    assert_eq!(v2.status, 200, "{}", v2.body);
    assert_eq!(v2.body["approved_version"], 2);
    let statuses: Vec<&str> = v2.body["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["status"].as_str().unwrap())
        .collect();
    assert_eq!(
        statuses,
        ["approved", "superseded"],
        "all versions readable"
    );
    let listed = t.get(&url, &agent).await;
    assert_eq!(listed.body.as_array().unwrap().len(), 1);
    assert_eq!(listed.body[0]["version"], 2);

    // Every change is in the audit trail.
    let actions: Vec<String> = audit(&t, "continuity_plan", plan)
        .await
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        actions,
        [
            "approve",
            "update",
            "new_version",
            "approve",
            "update",
            "create"
        ]
    );
}

/// HTML text as read: the entities an escaper writes, decoded.
fn unescape(html: &str) -> String {
    [
        ("&#60;", "<"),
        ("&lt;", "<"),
        ("&#62;", ">"),
        ("&gt;", ">"),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#38;", "&"),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_owned(), |s, (from, to)| s.replace(from, to))
}

#[tokio::test]
async fn a_plan_exports_as_one_html_or_markdown_file_with_its_text_escaped() {
    let t = TestApp::spawn().await;
    let (manager_id, manager) = t.user("mona", "manager", None).await;
    let mail = service(&t, "Mail & Chat").await;
    let url = format!("/api/v1/services/{mail}/continuity-plans");
    let mut body = plan_body(manager_id);
    body["recovery_steps"] = json!("Restore <script>alert('x')</script> from backup\nthen check");
    let plan = t.post(&url, &manager, body).await.id();
    let export = |q: &str| {
        let t = &t;
        let manager = &manager;
        let path = format!("{url}/{plan}/export{q}");
        async move { t.get(&path, manager).await }
    };

    let html = export("").await;
    assert_eq!(html.status, 200, "{}", html.body);
    assert_eq!(html.content_type(), "text/html; charset=utf-8");
    let disposition = html.headers["content-disposition"].to_str().unwrap();
    assert_eq!(
        disposition,
        format!("attachment; filename=\"continuity-plan-mail-chat-{plan}-v1.html\"")
    );
    let text = html.body.as_str().unwrap();
    assert!(text.contains("Mail data centre loss"), "{text}");
    assert!(
        text.contains("Re-point") || text.contains("Restore"),
        "{text}"
    );
    assert!(text.contains("DRAFT version 1"), "a draft says so: {text}");
    assert!(!text.contains("<script"), "no script at all: {text}");
    assert!(
        unescape(text).contains("Restore <script>alert('x')</script> from backup"),
        "the text is there, escaped: {text}"
    );
    assert!(!text.contains("Mail & Chat"), "{text}");
    assert!(unescape(text).contains("Mail & Chat"), "{text}");
    assert!(text.contains("<style>"), "styles are inline");
    for external in ["<link", "src=", "href=", "@import", "url("] {
        assert!(!text.contains(external), "{external} in {text}");
    }
    assert!(text.contains("4h") && text.contains("15m"), "RTO and RPO");

    let md = export("?format=md").await;
    assert_eq!(md.status, 200);
    assert_eq!(md.content_type(), "text/markdown; charset=utf-8");
    assert!(
        md.headers["content-disposition"]
            .to_str()
            .unwrap()
            .ends_with("-v1.md\"")
    );
    let text = md.body.as_str().unwrap();
    assert!(text.starts_with("# Continuity plan: Mail data centre loss"));
    assert!(text.contains("## Recovery steps"));
    assert!(text.contains("Restore &lt;script&gt;alert('x')&lt;/script&gt; from backup"));
    assert!(text.contains("- Recovery time objective (RTO): 4h"));

    // The approved version is exported, even when a newer draft exists; any version on asking.
    t.post(&format!("{url}/{plan}/approve"), &manager, json!({}))
        .await;
    t.patch(
        &format!("{url}/{plan}"),
        &manager,
        json!({"title": "Newer draft"}),
    )
    .await;
    let current = export("?format=md").await;
    let text = current.body.as_str().unwrap();
    assert!(text.contains("Mail data centre loss") && text.contains("Approved version 1"));
    let draft = export("?format=md&version=2").await;
    assert!(draft.body.as_str().unwrap().contains("Newer draft"));
    assert_eq!(export("?format=pdf").await.status, 400);
    assert_eq!(export("?version=9").await.status, 404);
}

#[tokio::test]
async fn tests_are_judged_against_rto_and_rpo_and_plans_fall_overdue() {
    let (t, clock) = TestApp::spawn_at("2026-03-02T10:00:00Z".parse().unwrap()).await;
    let (agent_id, agent) = t.user("agnes", "agent", None).await;
    let (_, manager) = t.user("mona", "manager", None).await;
    let mail = service(&t, "Mail").await;
    let other = service(&t, "Payroll").await;
    let url = format!("/api/v1/services/{mail}/continuity-plans");
    let plan = t.post(&url, &agent, plan_body(agent_id)).await.id();
    let plan_url = format!("{url}/{plan}");
    let tests_url = format!("{plan_url}/tests");
    // A plan on another service is not this service's.
    assert_eq!(
        t.get(
            &format!("/api/v1/services/{other}/continuity-plans/{plan}"),
            &agent
        )
        .await
        .status,
        404
    );
    t.post(&format!("{plan_url}/approve"), &manager, json!({}))
        .await;

    let test = |overrides: Value| {
        let mut body = json!({
            "tested_on": "2026-03-01",
            "scenario": "Primary site loses power",
            "achieved_recovery": "3h 30m",
            "achieved_data_loss": "10m",
            "result": "passed",
        });
        for (k, v) in overrides.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (overrides, field) in [
        (json!({"tested_on": "2026-03-04"}), "tested_on"),
        (json!({"tested_on": "last week"}), "tested_on"),
        (json!({"scenario": ""}), "scenario"),
        (json!({"achieved_recovery": -60}), "achieved_recovery"),
        (json!({"achieved_data_loss": "-5m"}), "achieved_data_loss"),
        (json!({"result": "great"}), "result"),
        (json!({"result": "failed"}), "deficiencies"),
        (json!({"version": 7}), "version"),
    ] {
        let r = t.post(&tests_url, &agent, test(overrides)).await;
        r.problem(422);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    let mut no_scenario = test(json!({}));
    no_scenario.as_object_mut().unwrap().remove("scenario");
    let r = t.post(&tests_url, &agent, no_scenario).await;
    r.problem(422);
    assert_eq!(r.body["errors"][0]["field"], "scenario");
    assert_eq!(t.get(&tests_url, &agent).await.body, json!([]));

    // Within both objectives (4h, 15m).
    let met = t.post(&tests_url, &agent, test(json!({}))).await;
    assert_eq!(met.status, 201, "{}", met.body);
    assert_eq!(met.body["version"], 1);
    assert_eq!(met.body["achieved_recovery_seconds"], 12_600);
    assert_eq!(met.body["achieved_recovery"], "3h 30m");
    assert_eq!(met.body["recovery_met"], true);
    assert_eq!(met.body["data_loss_met"], true);
    // Over both, with deficiencies and actions.
    let missed = t
        .post(
            &tests_url,
            &agent,
            test(json!({
                "tested_on": "2026-03-02",
                "achieved_recovery": 14_401,
                "achieved_data_loss": "1h",
                "result": "passed_with_deficiencies",
                "deficiencies": "Backups were an hour old",
                "follow_up_actions": "Replicate every 5 minutes",
            })),
        )
        .await;
    assert_eq!(missed.status, 201, "{}", missed.body);
    assert_eq!(missed.body["recovery_met"], false);
    assert_eq!(missed.body["data_loss_met"], false);
    assert_eq!(missed.body["rto_seconds"], 14_400);
    // A tabletop walk-through measures nothing: nothing is judged.
    let walk = t
        .post(
            &tests_url,
            &agent,
            test(json!({"achieved_recovery": null, "achieved_data_loss": null})),
        )
        .await;
    assert_eq!(walk.status, 201, "{}", walk.body);
    assert_eq!(walk.body["recovery_met"], Value::Null);
    let listed = t.get(&tests_url, &agent).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 3);
    assert_eq!(listed[0]["tested_on"], "2026-03-02", "newest first");
    let audited = audit(&t, "continuity_test", missed.id()).await;
    assert_eq!(audited.len(), 1);
    assert_eq!(
        audited[0]["after"]["deficiencies"],
        "Backups were an hour old"
    );

    // Tested 2026-03-02 every 90 days: due 2026-05-31, overdue from 2026-06-01.
    let plan_now = t.get(&plan_url, &agent).await.body;
    assert_eq!(plan_now["last_tested_on"], "2026-03-02");
    assert_eq!(plan_now["next_test_due"], "2026-05-31");
    assert_eq!(plan_now["test_overdue"], false);
    assert_eq!(plan_now["tests"].as_array().unwrap().len(), 3);
    assert_eq!(
        t.get("/api/v1/continuity/overdue", &agent).await.body,
        json!([])
    );

    clock.set("2026-05-31T23:59:00Z".parse().unwrap());
    assert_eq!(t.get(&plan_url, &agent).await.body["test_overdue"], false);
    clock.set("2026-06-01T00:00:00Z".parse().unwrap());
    assert_eq!(t.get(&plan_url, &agent).await.body["test_overdue"], true);
    let overdue = t.get("/api/v1/continuity/overdue", &agent).await;
    assert_eq!(overdue.status, 200);
    assert_eq!(overdue.body.as_array().unwrap().len(), 1);
    assert_eq!(overdue.body[0]["id"], plan);
    assert_eq!(overdue.body[0]["service_name"], "Mail");
    assert_eq!(t.get(&url, &agent).await.body[0]["test_overdue"], true);

    // A new test clears it.
    t.post(&tests_url, &agent, test(json!({"tested_on": "2026-06-01"})))
        .await;
    assert_eq!(t.get(&plan_url, &agent).await.body["test_overdue"], false);
    assert_eq!(
        t.get("/api/v1/continuity/overdue", &agent).await.body,
        json!([])
    );

    // Never tested: due an interval after the first approval.
    let fresh = t
        .post(
            &format!("/api/v1/services/{other}/continuity-plans"),
            &agent,
            plan_body(agent_id),
        )
        .await
        .id();
    let fresh_url = format!("/api/v1/services/{other}/continuity-plans/{fresh}");
    clock.set("2027-06-01T00:00:00Z".parse().unwrap());
    let draft = t.get(&fresh_url, &agent).await.body;
    assert_eq!(draft["test_overdue"], false, "a draft is not in force");
    t.post(&format!("{fresh_url}/approve"), &manager, json!({}))
        .await;
    assert_eq!(
        t.get(&fresh_url, &agent).await.body["next_test_due"],
        "2027-08-30"
    );
    clock.set("2027-08-31T00:00:00Z".parse().unwrap());
    let overdue = t.get("/api/v1/continuity/overdue", &agent).await.body;
    let ids: Vec<i64> = overdue
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [plan, fresh], "the longest overdue first");
    // Customers see no continuity plans.
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(org)).await;
    t.get("/api/v1/continuity/overdue", &customer)
        .await
        .problem(403);
}

#[tokio::test]
async fn the_screens_refuse_next_to_the_field_and_approve_record_and_flag() {
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    let (manager_id, _) = t.user("mona", "manager", None).await;
    t.user("agnes", "agent", None).await;
    let mail = service(&t, "Mail").await;
    let list = format!("/manage/services/{mail}/continuity");

    let mut agent = Browser::new(&t);
    agent.login("agnes", "agnes-password").await;
    assert_eq!(
        agent.get(&list).await.status,
        403,
        "the screens are for managers"
    );

    let mut b = Browser::new(&t);
    b.login("mona", "mona-password").await;
    let page = b.get(&list).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("None yet"), "{}", page.body);
    let csrf = csrf_of(&page.body);
    let owner = manager_id.to_string();
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("title", "Mail site loss"),
        ("owner_id", owner.as_str()),
        ("rto", "soon"),
        ("rpo", "15m"),
        ("test_interval_days", "90"),
        ("invocation_criteria", ""),
        ("roles_contacts", "Mona"),
        ("recovery_steps", "Fail over"),
        ("return_to_normal", "Fail back"),
    ];
    let refused = b.post(&list, &form).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("must be a duration like"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"soon\""), "the input is kept");
    form[3].1 = "4h";
    let made = b.post(&list, &form).await;
    assert_eq!(made.status, 303, "{}", made.body);
    let plan_page = made.location.unwrap();
    assert!(plan_page.starts_with(&format!("{list}/")), "{plan_page}");

    // Approval needs the invocation criteria: said next to the edit form's field.
    let not_yet = b
        .post(&format!("{plan_page}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(not_yet.status, 422);
    assert!(not_yet.body.contains("Not approved"), "{}", not_yet.body);
    assert!(
        not_yet
            .body
            .contains("is needed before the plan is approved")
    );
    form[6].1 = "Mail down for 30 minutes";
    let saved = b.post(&plan_page, &form).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let approved = b
        .post(&format!("{plan_page}/approve"), &[("csrf", &csrf)])
        .await;
    assert_eq!(approved.status, 303);

    let tests = format!("{plan_page}/tests");
    let mut test = vec![
        ("csrf", csrf.as_str()),
        ("tested_on", "2020-01-15"),
        ("version", ""),
        ("scenario", "Primary site loses power"),
        ("achieved_recovery", "5h"),
        ("achieved_data_loss", "10m"),
        ("result", "failed"),
        ("deficiencies", ""),
        ("follow_up_actions", ""),
    ];
    let refused = b.post(&tests, &test).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("say what fell short"),
        "{}",
        refused.body
    );
    assert!(refused.body.contains("value=\"5h\""), "the input is kept");
    test[7].1 = "The failover script was out of date";
    assert_eq!(b.post(&tests, &test).await.status, 303);
    let page = b.get(&plan_page).await;
    assert!(
        page.body.contains("5h: missed (objective 4h)"),
        "{}",
        page.body
    );
    assert!(page.body.contains("10m: met (objective 15m)"));
    assert!(
        page.body.contains("Test overdue"),
        "tested in 2020 every 90 days"
    );
    assert!(page.body.contains("export?format=md"));
    assert!(b.get(&list).await.body.contains("Test overdue"));
    assert!(
        b.get("/manage/services")
            .await
            .body
            .contains("Test overdue")
    );
    let dashboard = b.get("/manage").await.body;
    assert!(dashboard.contains("Mail: Mail site loss"), "{dashboard}");
}
