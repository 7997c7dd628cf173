//! The auditor reads everything and changes nothing: every write operation the served OpenAPI
//! document lists is refused (403) to an auditor who is assigned to no audit. The list comes
//! from the document itself, so a new write endpoint that forgets its permission check makes
//! this test fail.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

/// Writes an auditor may make, each with its reason. Everything else must answer 403.
const ALLOWED: &[(&str, &str, &str)] = &[
    // Drawing a sample is the auditor's own work: it records only the sample itself.
    ("POST", "/api/v1/conformity/samples", "DrawSamples"),
    // The auditor's own session, API tokens, notifications and preferences: no record.
    ("POST", "/api/v1/auth/login", "own session"),
    ("POST", "/api/v1/auth/logout", "own session"),
    ("DELETE", "/api/v1/auth/sessions/{id}", "own session"),
    ("POST", "/api/v1/tokens", "own API token"),
    ("DELETE", "/api/v1/tokens/{id}", "own API token"),
    (
        "POST",
        "/api/v1/notifications/{id}/read",
        "own notification",
    ),
    ("PUT", "/api/v1/me/preferences", "own preferences"),
    (
        "PUT",
        "/api/v1/me/mail-preferences",
        "own notification mail",
    ),
    // The auditor reads changes, so may subscribe to the change calendar: own feed secret.
    ("POST", "/api/v1/me/change-feed", "own change calendar feed"),
    (
        "DELETE",
        "/api/v1/me/change-feed",
        "own change calendar feed",
    ),
    // A customer answers a survey through its secret link, whoever holds it; no role.
    ("POST", "/api/v1/surveys/{token}", "secret survey link"),
];

fn allowed(method: &str, path: &str) -> bool {
    ALLOWED.iter().any(|(m, p, _)| *m == method && *p == path)
}

/// Fills each `{param}` of a path: `{kind}` with a ticket kind, any other with `id` (a record
/// the setup made exists with it).
fn fill(path: &str, id: i64) -> String {
    let mut out = String::new();
    let mut rest = path;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = rest[open..].find('}').map_or(rest.len(), |c| open + c + 1);
        if &rest[open..close] == "{kind}" {
            out.push_str("incidents");
        } else {
            out.push_str(&id.to_string());
        }
        rest = &rest[close..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn the_auditor_is_refused_every_write_the_api_documents() {
    let t = TestApp::spawn().await;
    // A little of everything, so that ids 1 exist where a record is named.
    let org = t.create_org("Acme").await;
    let (_, agent) = t.user("desk-agent", "agent", None).await;
    let incident = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Mail is down", "organization_id": org}),
        )
        .await;
    assert_eq!(incident.status, 201, "{}", incident.body);
    // An internal audit with another auditor: this one is assigned to none.
    let programme = t
        .post(
            "/api/v1/audit-programmes",
            &t.admin,
            json!({"title": "Audits 2026", "period_from": "2026-01-01",
                   "period_to": "2026-12-31", "objectives": "Every clause once"}),
        )
        .await;
    assert_eq!(programme.status, 201, "{}", programme.body);
    let (other, _) = t.user("other-auditor", "auditor", None).await;
    let audit = t
        .post(
            "/api/v1/audits",
            &t.admin,
            json!({"programme_id": programme.id(), "title": "Incident management",
                   "scope_service_ids": [], "scope_team_ids": [], "scope_text": "8.6.1",
                   "criteria": ["8.6.1"], "planned_on": "2026-04-14", "auditor_id": other}),
        )
        .await;
    assert_eq!(audit.status, 201, "{}", audit.body);
    assert_eq!(audit.id(), 1);
    let (_, auditor) = t.user("the-auditor", "auditor", None).await;

    let doc = t.get("/api/v1/openapi.json", &auditor).await;
    assert_eq!(doc.status, 200);
    let paths = doc.body["paths"].as_object().expect("paths");
    let mut writes = 0;
    let mut wrong = Vec::new();
    for (path, item) in paths {
        for method in ["post", "put", "patch", "delete"] {
            if item.get(method).is_none() {
                continue;
            }
            let upper = method.to_ascii_uppercase();
            if allowed(&upper, path) {
                continue;
            }
            writes += 1;
            let m = Method::from_bytes(upper.as_bytes()).expect("method");
            let r = t
                .send(m, &fill(path, 1), Some(&auditor), Some(json!({})))
                .await;
            if r.status != 403 {
                wrong.push(format!("{upper} {path} → {} {}", r.status, r.body));
            }
        }
    }
    assert!(writes > 50, "only {writes} write operations documented?");
    assert!(
        wrong.is_empty(),
        "an auditor was not refused:\n{}",
        wrong.join("\n")
    );
    // Nothing the auditor tried left a trace but their own login.
    let trail = t.get("/api/v1/audit?limit=200", &t.admin).await.body["items"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let by_auditor: Vec<&Value> = trail
        .iter()
        .filter(|e| e["actor"].as_str().is_some_and(|a| a.contains("auditor")))
        .collect();
    assert!(by_auditor.is_empty(), "{by_auditor:?}");
}

#[tokio::test]
async fn the_auditor_reads_the_lists() {
    let t = TestApp::spawn().await;
    let (_, auditor) = t.user("list-auditor", "auditor", None).await;
    let doc = t.get("/api/v1/openapi.json", &auditor).await;
    let paths = doc.body["paths"].as_object().expect("paths");
    for path in [
        "/api/v1/incidents",
        "/api/v1/requests",
        "/api/v1/problems",
        "/api/v1/complaints",
        "/api/v1/nonconformities",
        "/api/v1/improvements",
        "/api/v1/audit",
        "/api/v1/services",
        "/api/v1/conformity/samples",
    ] {
        assert!(paths.contains_key(path), "{path} is not documented");
        let r = t.get(path, &auditor).await;
        assert_eq!(r.status, 200, "GET {path}: {}", r.body);
    }
}
