//! Releases and deployments (8.5.3): gap-free REL numbers, the lifecycle and its 409s,
//! grouping changes (by id and by number, one open release per change), acceptance criteria
//! with who and when, deployments per environment, the production gate (acceptance and a
//! manager's approval), the environments list, the audit trail and the screens.
use crate::support::TestApp;
use serde_json::{Value, json};

/// A draft normal change, planned and low risk, so that it can be authorized without a board.
async fn change(t: &TestApp, token: &str, title: &str) -> Value {
    let r = t
        .post(
            "/api/v1/changes",
            token,
            json!({"change_type": "normal", "title": title,
                "implementation_plan": "Apply", "test_plan": "Check", "backout_plan": "Revert",
                "planned_start": "2026-06-01T20:00:00Z", "planned_end": "2026-06-01T22:00:00Z",
                "risk_answers": [{"question": "tested", "answer": 0},
                                 {"question": "backout", "answer": 0},
                                 {"question": "users", "answer": 0}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// Draft → authorized (the default policy lets a low-risk normal change through assessment).
async fn authorize(t: &TestApp, change: &Value) {
    let id = change["id"].as_i64().unwrap();
    for action in ["submit", "assess"] {
        let r = t
            .post(
                &format!("/api/v1/changes/{id}/{action}"),
                &t.admin,
                json!({}),
            )
            .await;
        assert_eq!(r.status, 200, "{action}: {}", r.body);
    }
}

async fn release(t: &TestApp, token: &str, body: Value) -> Value {
    let r = t.post("/api/v1/releases", token, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (u16, Value) {
    let r = t.post(path, token, body).await;
    (r.status.as_u16(), r.body)
}

async fn ok(t: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let (status, body) = post(t, token, path, body).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

async fn to(t: &TestApp, token: &str, id: i64, status: &str) -> (u16, Value) {
    post(
        t,
        token,
        &format!("/api/v1/releases/{id}/transition"),
        json!({"to": status}),
    )
    .await
}

#[tokio::test]
async fn a_release_groups_changes_is_accepted_and_deployed_to_production_with_approval() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ada", "agent", None).await;
    let (_, manager) = t.user("mona", "manager", None).await;
    let (_, customer) = t
        .user("cuss", "customer", Some(t.create_org("Acme").await))
        .await;
    let c1 = change(&t, &agent, "Upgrade the database").await;
    let c2 = change(&t, &agent, "New API gateway").await;
    let c3 = change(&t, &agent, "Rotate certificates").await;

    // Gap-free numbers; planned with a change by id and a criterion.
    let r = release(
        &t,
        &agent,
        json!({"title": "Spring release", "release_type": "minor", "planned_date": "2026-06-01",
               "change_ids": [c1["id"]], "acceptance_criteria": ["Load test passes"]}),
    )
    .await;
    assert_eq!(r["number"], "REL-000001");
    assert_eq!(r["status"], "planning");
    assert_eq!(r["allowed_next"], json!(["build", "cancelled"]));
    assert_eq!(r["changes"][0]["number"], c1["number"]);
    let id = r["id"].as_i64().unwrap();
    let other = release(
        &t,
        &agent,
        json!({"title": "Hotfix", "release_type": "emergency"}),
    )
    .await;
    assert_eq!(other["number"], "REL-000002");
    let other_id = other["id"].as_i64().unwrap();

    // Bad input is named.
    let bad = t
        .post(
            "/api/v1/releases",
            &agent,
            json!({"title": "", "release_type": "minor", "planned_date": "soon"}),
        )
        .await;
    let fields: Vec<&str> = bad.problem(422)["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        fields.contains(&"title") && fields.contains(&"planned_date"),
        "{}",
        bad.body
    );
    // Customers neither read nor plan releases.
    assert_eq!(t.get("/api/v1/releases", &customer).await.status, 403);

    // A change by its number; not twice; not in a second open release.
    let base = format!("/api/v1/releases/{id}");
    let r = ok(
        &t,
        &agent,
        &format!("{base}/changes"),
        json!({"change_number": c2["number"]}),
    )
    .await;
    assert_eq!(r["changes"].as_array().unwrap().len(), 2);
    let (status, body) = post(
        &t,
        &agent,
        &format!("{base}/changes"),
        json!({"change_id": c2["id"]}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    let (status, body) = post(
        &t,
        &agent,
        &format!("/api/v1/releases/{other_id}/changes"),
        json!({"change_id": c2["id"]}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert!(body["detail"].as_str().unwrap().contains("REL-000001"));
    let (status, body) = post(
        &t,
        &agent,
        &format!("{base}/changes"),
        json!({"change_number": "CHG-999999"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["field"], "change_number");
    // Added and removed again.
    ok(
        &t,
        &agent,
        &format!("{base}/changes"),
        json!({"change_id": c3["id"]}),
    )
    .await;
    let r = t
        .delete(&format!("{base}/changes/{}", c3["id"]), &agent)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["changes"].as_array().unwrap().len(), 2);

    // The lifecycle: a move it does not allow is a 409 naming the allowed ones.
    let (status, body) = to(&t, &agent, id, "deployed").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["allowed"], json!(["build", "cancelled"]));
    assert_eq!(to(&t, &agent, id, "build").await.0, 200);
    assert_eq!(to(&t, &agent, id, "testing").await.0, 200);

    // A test deployment needs no approval; production waits for acceptance and approval.
    let envs = t.get("/api/v1/release-environments", &agent).await;
    assert_eq!(envs.status, 200, "{}", envs.body);
    let env = |name: &str| {
        envs.body
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .unwrap()["id"]
            .clone()
    };
    let r = ok(
        &t,
        &agent,
        &format!("{base}/deployments"),
        json!({"environment_id": env("test"), "planned_at": "2026-05-20T08:00:00Z"}),
    )
    .await;
    let test_dep = r["deployments"][0]["id"].as_i64().unwrap();
    let (status, _) = post(
        &t,
        &agent,
        &format!("{base}/deployments"),
        json!({"environment_id": env("test")}),
    )
    .await;
    assert_eq!(status, 409, "one deployment per environment");
    let r = t
        .patch(
            &format!("{base}/deployments/{test_dep}"),
            &agent,
            json!({"result": "successful", "actual_at": "2026-05-20T08:30:00Z", "notes": "Smooth"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["deployments"][0]["result"], "successful");
    assert_eq!(
        r.body["deployments"][0]["actual_at"],
        "2026-05-20T08:30:00Z"
    );

    let r = ok(
        &t,
        &agent,
        &format!("{base}/deployments"),
        json!({"environment_id": env("production"), "planned_at": "2026-06-01T20:00:00Z"}),
    )
    .await;
    let prod = r["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["production"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let record = |result: &str| json!({"result": result});
    let r = t
        .patch(
            &format!("{base}/deployments/{prod}"),
            &agent,
            record("successful"),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "status", "not accepted yet");

    // Acceptance needs every change authorized: both are still drafts.
    let (status, body) = to(&t, &agent, id, "accepted").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["field"], "changes");
    let detail = body["detail"].as_str().unwrap();
    assert!(
        detail.contains(&format!("{} is draft", c1["number"].as_str().unwrap())),
        "{detail}"
    );
    authorize(&t, &c1).await;
    authorize(&t, &c2).await;

    // Acceptance needs every criterion met; who and when are recorded.
    let (status, body) = to(&t, &agent, id, "accepted").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["field"], "acceptance_criteria");
    let r = ok(
        &t,
        &agent,
        &format!("{base}/criteria"),
        json!({"text": "Rollback rehearsed"}),
    )
    .await;
    let criteria: Vec<i64> = r["acceptance_criteria"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect();
    assert_eq!(criteria.len(), 2);
    let r = t
        .patch(
            &format!("{base}/criteria/{}", criteria[0]),
            &agent,
            json!({"met": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["acceptance_criteria"][0]["met"], true);
    assert!(r.body["acceptance_criteria"][0]["decided_by"].is_i64());
    assert!(r.body["acceptance_criteria"][0]["decided_at"].is_string());
    assert_eq!(to(&t, &agent, id, "accepted").await.0, 409);
    let r = t
        .patch(
            &format!("{base}/criteria/{}", criteria[1]),
            &agent,
            json!({"met": true}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (status, body) = to(&t, &agent, id, "accepted").await;
    assert_eq!(status, 200, "{body}");

    // Accepted, but not approved: still refused, naming the approval; an agent may not
    // approve; a manager does.
    let r = t
        .patch(
            &format!("{base}/deployments/{prod}"),
            &agent,
            record("successful"),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "approval");
    let (status, _) = post(
        &t,
        &agent,
        &format!("{base}/deployments/{prod}/approve"),
        json!({}),
    )
    .await;
    assert_eq!(status, 403);
    let r = ok(
        &t,
        &manager,
        &format!("{base}/deployments/{prod}/approve"),
        json!({}),
    )
    .await;
    let p = r["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == prod)
        .unwrap()
        .clone();
    assert!(
        p["approved_by"].is_i64() && p["approved_at"].is_string(),
        "{p}"
    );
    // The deployed move needs a successful production deployment.
    assert_eq!(
        to(&t, &agent, id, "deployed").await.1["field"],
        "deployments"
    );
    // A successful production deployment marks the release deployed.
    let r = t
        .patch(
            &format!("{base}/deployments/{prod}"),
            &agent,
            record("successful"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "deployed");
    // Deployed: no more changes; then closed, which is final.
    let (status, _) = post(
        &t,
        &agent,
        &format!("{base}/changes"),
        json!({"change_id": c3["id"]}),
    )
    .await;
    assert_eq!(status, 409);
    let (status, body) = to(&t, &agent, id, "closed").await;
    assert_eq!(status, 200, "{body}");
    assert!(body["closed_at"].is_string());
    assert_eq!(
        to(&t, &agent, id, "cancelled").await.1["allowed"],
        json!([])
    );

    // Filters: by status and by change.
    let list = t.get("/api/v1/releases?status=closed", &agent).await;
    assert_eq!(list.body["total"], 1, "{}", list.body);
    let list = t
        .get(&format!("/api/v1/releases?change_id={}", c2["id"]), &agent)
        .await;
    assert_eq!(list.body["items"][0]["id"], id);

    // A cancelled release lets its changes go to another one.
    assert_eq!(to(&t, &agent, other_id, "cancelled").await.0, 200);

    // Every command is in the audit trail.
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=release&record_id={id}"),
            &t.admin,
        )
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    for a in [
        "create",
        "add_change",
        "remove_change",
        "build",
        "add_criterion",
        "decide_criterion",
        "plan_deployment",
        "record_deployment",
        "approve_deployment",
        "accepted",
        "closed",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn environments_are_configurable_by_managers() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("ada", "agent", None).await;
    let r = t
        .post(
            "/api/v1/release-environments",
            &agent,
            json!({"name": "perf"}),
        )
        .await;
    assert_eq!(r.status, 403);
    let r = t
        .post(
            "/api/v1/release-environments",
            &t.admin,
            json!({"name": "DR site", "production": true}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["position"], 4);
    let r = t
        .post(
            "/api/v1/release-environments",
            &t.admin,
            json!({"name": "dr SITE"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "name");
    let r = t
        .post(
            "/api/v1/release-environments",
            &t.admin,
            json!({"name": " "}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "name");
    let list = t.get("/api/v1/release-environments", &agent).await;
    let names: Vec<&str> = list
        .body
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(names, ["test", "staging", "production", "DR site"]);
}

#[tokio::test]
async fn a_manager_walks_a_release_on_the_screens() {
    use crate::support::ADMIN_PASSWORD;
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    let c = change(&t, &t.admin, "Upgrade the database").await;
    let mut b = Browser::new(&t);
    b.login("admin", ADMIN_PASSWORD).await;
    let list = b.get("/manage/releases").await;
    assert_eq!(list.status, 200, "{}", list.body);
    let csrf = csrf_of(&list.body);
    // Refused next to the field, input kept.
    let page = b
        .post(
            "/manage/releases",
            &[
                ("csrf", &csrf),
                ("title", ""),
                ("release_type", "minor"),
                ("planned_date", "tomorrow"),
            ],
        )
        .await;
    assert_eq!(page.status, 422, "{}", page.body);
    assert!(page.body.contains("tomorrow"), "{}", page.body);
    let page = b
        .post(
            "/manage/releases",
            &[
                ("csrf", &csrf),
                ("title", "Spring release"),
                ("release_type", "minor"),
                ("planned_date", "2026-06-01"),
            ],
        )
        .await;
    assert!(page.status == 303 || page.status == 200, "{}", page.body);
    let r = t.get("/api/v1/releases", &t.admin).await;
    let id = r.body["items"][0]["id"].as_i64().unwrap();
    let view = format!("/manage/releases/{id}/view");
    let page = b.get(&view).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("REL-000001"), "{}", page.body);
    let act = |a: &str| format!("/manage/releases/{id}/act/{a}");
    let number = format!(
        "{} — {}",
        c["number"].as_str().unwrap(),
        c["title"].as_str().unwrap()
    );
    b.post(
        &act("add-change"),
        &[("csrf", &csrf), ("change_number", &number)],
    )
    .await;
    b.post(
        &act("criterion"),
        &[("csrf", &csrf), ("text", "Smoke tests pass")],
    )
    .await;
    let r = t.get(&format!("/api/v1/releases/{id}"), &t.admin).await;
    assert_eq!(r.body["changes"][0]["id"], c["id"], "{}", r.body);
    let criterion = r.body["acceptance_criteria"][0]["id"].to_string();
    b.post(
        &act("criterion-met"),
        &[("csrf", &csrf), ("criterion_id", &criterion)],
    )
    .await;
    authorize(&t, &c).await;
    for to in ["build", "testing", "accepted"] {
        b.post(&act("transition"), &[("csrf", &csrf), ("to", to)])
            .await;
    }
    let envs = t.get("/api/v1/release-environments", &t.admin).await;
    let prod = envs.body[2]["id"].to_string();
    b.post(
        &act("deployment"),
        &[
            ("csrf", &csrf),
            ("environment_id", &prod),
            ("planned_at", "2026-06-01 20:00"),
            ("notes", ""),
        ],
    )
    .await;
    let r = t.get(&format!("/api/v1/releases/{id}"), &t.admin).await;
    assert_eq!(r.body["status"], "accepted", "{}", r.body);
    let dep = r.body["deployments"][0]["id"].to_string();
    // Before the approval the result is refused, as the flash says.
    let page = b
        .post(
            &act("record"),
            &[
                ("csrf", &csrf),
                ("deployment_id", &dep),
                ("result", "successful"),
            ],
        )
        .await;
    assert!(page.status == 303 || page.status == 200);
    let page = b.get(&view).await;
    assert!(
        page.body.contains("before its result is recorded"),
        "{}",
        page.body
    );
    b.post(&act("approve"), &[("csrf", &csrf), ("deployment_id", &dep)])
        .await;
    b.post(
        &act("record"),
        &[
            ("csrf", &csrf),
            ("deployment_id", &dep),
            ("result", "successful"),
            ("actual_at", ""),
            ("notes", "Went fine"),
        ],
    )
    .await;
    let r = t.get(&format!("/api/v1/releases/{id}"), &t.admin).await;
    assert_eq!(r.body["status"], "deployed", "{}", r.body);
    assert_eq!(r.body["deployments"][0]["notes"], "Went fine");
    let page = b.get(&view).await;
    assert!(page.body.contains("Approved by"), "{}", page.body);
}

/// A manager adds an environment on its screen; a name already taken and a non-number order
/// are refused next to their fields; an agent reads the list without the form.
#[tokio::test]
async fn a_manager_adds_a_release_environment_on_its_screen() {
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    t.user("mona", "manager", None).await;
    let (_, agent_token) = t.user("ada", "agent", None).await;
    let mut b = Browser::new(&t);
    b.login("mona", "mona-password").await;
    let list = b.get("/manage/release-environments").await;
    assert_eq!(list.status, 200, "{}", list.body);
    for name in ["<td>test</td>", "<td>staging</td>", "<td>production</td>"] {
        assert!(list.body.contains(name), "{name}: {}", list.body);
    }
    let csrf = csrf_of(&list.body);
    let refused = b
        .post(
            "/manage/release-environments",
            &[("csrf", &csrf), ("name", "staging"), ("position", "x")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("must be a number"),
        "{}",
        refused.body
    );
    let refused = b
        .post(
            "/manage/release-environments",
            &[("csrf", &csrf), ("name", "staging")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(
        refused.body.contains("an environment is already named"),
        "{}",
        refused.body
    );
    let done = b
        .post(
            "/manage/release-environments",
            &[
                ("csrf", &csrf),
                ("name", "DR site"),
                ("production", "on"),
                ("position", "4"),
            ],
        )
        .await;
    assert_eq!(
        done.location.as_deref(),
        Some("/manage/release-environments")
    );
    let r = t.get("/api/v1/release-environments", &t.admin).await;
    let dr = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["name"] == "DR site")
        .cloned()
        .unwrap_or_else(|| panic!("{}", r.body));
    assert_eq!(dr["production"], true);
    assert_eq!(dr["position"], 4);

    // Edited on the same screen: renamed and made non-production, its order kept.
    let id = dr["id"].as_i64().unwrap();
    let edit = b.get(&format!("/manage/release-environments/{id}")).await;
    assert_eq!(edit.status, 200, "{}", edit.body);
    assert!(edit.body.contains("value=\"DR site\""), "{}", edit.body);
    let done = b
        .post(
            &format!("/manage/release-environments/{id}"),
            &[("csrf", &csrf), ("name", "Disaster recovery")],
        )
        .await;
    assert_eq!(
        done.location.as_deref(),
        Some("/manage/release-environments")
    );
    let r = t
        .get(&format!("/api/v1/release-environments/{id}"), &t.admin)
        .await;
    assert_eq!(r.body["name"], "Disaster recovery", "{}", r.body);
    assert_eq!(r.body["production"], false);
    assert_eq!(r.body["position"], 4);
    // Renaming onto another's name is refused next to the field.
    let refused = b
        .post(
            &format!("/manage/release-environments/{id}"),
            &[("csrf", &csrf), ("name", "Production")],
        )
        .await;
    assert_eq!(refused.status, 422, "{}", refused.body);
    assert!(refused.body.contains("an environment is already named"));
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=release_environment&record_id={id}"),
            &t.admin,
        )
        .await;
    assert_eq!(audit.body["items"][0]["action"], "update", "{}", audit.body);

    // A configuration screen, like the others: managers and admins only. Agents see the
    // environments where they work, on the release page.
    let mut agent = Browser::new(&t);
    agent.login("ada", "ada-password").await;
    let page = agent.get("/manage/release-environments").await;
    assert_eq!(page.status, 403);
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/release-environments/{id}"),
            Some(&agent_token),
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(r.status, 403, "{}", r.body);
}
