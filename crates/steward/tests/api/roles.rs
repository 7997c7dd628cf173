//! The access rules per role: every role against every foundation endpoint.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn each_role_gets_exactly_its_permissions() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let (agent_id, _) = t.user("probe-agent", "agent", None).await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Probe team"}))
        .await
        .id();

    let mut tokens = vec![("admin", t.admin.clone())];
    for role in ["manager", "agent", "auditor"] {
        tokens.push((role, t.user(&format!("the-{role}"), role, None).await.1));
    }
    tokens.push((
        "customer",
        t.user("the-customer", "customer", Some(org)).await.1,
    ));

    // (method, path, body, roles allowed). Writes use fresh names per role so that an
    // allowed write never fails on a duplicate.
    type Case = (
        Method,
        String,
        Option<serde_json::Value>,
        &'static [&'static str],
    );
    let cases = |role: &str| -> Vec<Case> {
        vec![
            (
                Method::GET,
                "/api/v1/organizations".into(),
                None,
                &["admin", "manager", "agent", "auditor", "customer"],
            ),
            (
                Method::GET,
                format!("/api/v1/organizations/{org}"),
                None,
                &["admin", "manager", "agent", "auditor", "customer"],
            ),
            (
                Method::POST,
                "/api/v1/organizations".into(),
                Some(json!({"name": format!("Org by {role}")})),
                &["admin", "manager"],
            ),
            (
                Method::PATCH,
                format!("/api/v1/organizations/{org}"),
                Some(json!({"description": role})),
                &["admin", "manager"],
            ),
            (
                Method::GET,
                "/api/v1/users".into(),
                None,
                &["admin", "manager", "agent", "auditor", "customer"],
            ),
            (
                Method::GET,
                format!("/api/v1/users/{agent_id}"),
                None,
                &["admin", "manager", "agent", "auditor"],
            ),
            (
                Method::POST,
                "/api/v1/users".into(),
                Some(json!({"username": format!("new-{role}"), "role": "agent"})),
                &["admin"],
            ),
            (
                Method::PATCH,
                format!("/api/v1/users/{agent_id}"),
                Some(json!({"display_name": role})),
                &["admin"],
            ),
            (
                Method::GET,
                "/api/v1/teams".into(),
                None,
                &["admin", "manager", "agent", "auditor"],
            ),
            (
                Method::GET,
                format!("/api/v1/teams/{team}"),
                None,
                &["admin", "manager", "agent", "auditor"],
            ),
            (
                Method::POST,
                "/api/v1/teams".into(),
                Some(json!({"name": format!("Team by {role}")})),
                &["admin", "manager"],
            ),
            (
                Method::PATCH,
                format!("/api/v1/teams/{team}"),
                Some(json!({"description": role})),
                &["admin", "manager"],
            ),
            (
                Method::GET,
                "/api/v1/audit".into(),
                None,
                &["admin", "auditor"],
            ),
            (
                Method::GET,
                "/api/v1/auth/me".into(),
                None,
                &["admin", "manager", "agent", "auditor", "customer"],
            ),
            (
                Method::POST,
                "/api/v1/tokens".into(),
                Some(json!({"label": "x"})),
                &["admin", "manager", "agent", "auditor", "customer"],
            ),
        ]
    };

    let mut failures = Vec::new();
    for (role, token) in &tokens {
        for (method, path, body, allowed) in cases(role) {
            let r = t.send(method.clone(), &path, Some(token), body).await;
            let ok = r.status.is_success();
            let expected = allowed.contains(role);
            if ok != expected {
                failures.push(format!(
                    "{role} {method} {path}: got {} ({})",
                    r.status, r.body
                ));
            }
            if !ok {
                // Refusals say why: 403, or 404 where existence must not leak to a customer.
                let s = r.status.as_u16();
                if !(s == 403 || (s == 404 && *role == "customer")) {
                    failures.push(format!(
                        "{role} {method} {path}: refused with {s}, expected 403/404"
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access rule violations:\n{}",
        failures.join("\n")
    );
}

#[tokio::test]
async fn refused_writes_change_nothing() {
    let t = TestApp::spawn().await;
    let (_, auditor) = t.user("aud", "auditor", None).await;
    let before = t.audit_count().await;
    t.post("/api/v1/organizations", &auditor, json!({"name": "Nope"}))
        .await
        .problem(403);
    t.post("/api/v1/teams", &auditor, json!({"name": "Nope"}))
        .await
        .problem(403);
    assert_eq!(
        t.get("/api/v1/organizations", &t.admin).await.body["total"],
        0
    );
    assert_eq!(t.get("/api/v1/teams", &t.admin).await.body["total"], 0);
    assert_eq!(t.audit_count().await, before);
}

#[tokio::test]
async fn the_last_active_admin_cannot_be_demoted_or_deactivated() {
    let t = TestApp::spawn().await;
    let r = t
        .patch(
            &format!("/api/v1/users/{}", t.admin_id),
            &t.admin,
            json!({"role": "agent"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "role");
    t.patch(
        &format!("/api/v1/users/{}", t.admin_id),
        &t.admin,
        json!({"active": false}),
    )
    .await
    .problem(409);
    // With a second admin it is allowed.
    t.user("second-admin", "admin", None).await;
    let r = t
        .patch(
            &format!("/api/v1/users/{}", t.admin_id),
            &t.admin,
            json!({"role": "manager"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
}
