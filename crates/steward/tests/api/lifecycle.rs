//! Every transition of every kind of ticket, allowed and refused, through the API. The
//! expected table is the lifecycle the service-resolution issue specifies, written out here
//! independently of the domain's own table.
use crate::support::TestApp;
use serde_json::{Value, json};

type Table = &'static [(&'static str, &'static [&'static str])];

const INCIDENT: Table = &[
    ("new", &["assigned", "in_progress", "cancelled"]),
    (
        "assigned",
        &["in_progress", "pending", "resolved", "cancelled"],
    ),
    ("in_progress", &["pending", "resolved", "cancelled"]),
    ("pending", &["in_progress", "resolved", "cancelled"]),
    ("resolved", &["closed", "in_progress"]),
    ("closed", &[]),
    ("cancelled", &[]),
];

const REQUEST: Table = &[
    ("awaiting_approval", &["cancelled"]),
    ("new", &["assigned", "in_progress", "cancelled"]),
    (
        "assigned",
        &["in_progress", "pending", "resolved", "cancelled"],
    ),
    ("in_progress", &["pending", "resolved", "cancelled"]),
    ("pending", &["in_progress", "resolved", "cancelled"]),
    ("resolved", &["closed", "in_progress"]),
    ("closed", &[]),
    ("cancelled", &[]),
    ("rejected", &[]),
];

const PROBLEM: Table = &[
    ("new", &["investigating", "cancelled"]),
    ("investigating", &["known_error", "resolved", "cancelled"]),
    ("known_error", &["resolved"]),
    ("resolved", &["closed", "investigating"]),
    ("closed", &[]),
    ("cancelled", &[]),
];

/// The body of a move to `to`, with exactly the fields that status needs.
fn body(to: &str) -> Value {
    match to {
        "pending" => json!({"to": to, "reason": "customer"}),
        "resolved" => json!({"to": to, "resolution_code": "fixed", "resolution_notes": "done"}),
        "known_error" => json!({"to": to, "root_cause": "a cause", "workaround": "a workaround"}),
        _ => json!({"to": to}),
    }
}

/// The moves that bring a new ticket to `status`.
fn path_to(status: &str, kind: &str) -> Vec<&'static str> {
    let work = if kind == "problems" {
        "investigating"
    } else {
        "in_progress"
    };
    let steps: Vec<&'static str> = match status {
        "new" | "awaiting_approval" | "assigned" | "rejected" => vec![],
        "in_progress" | "investigating" => vec![work],
        "pending" => vec![work, "pending"],
        "known_error" => vec![work, "known_error"],
        "resolved" => vec![work, "resolved"],
        "closed" => vec![work, "resolved", "closed"],
        "cancelled" => vec!["cancelled"],
        other => panic!("no path to {other}"),
    };
    steps
}

struct Fixture {
    team: i64,
    /// A catalogue item that needs approval (by the admin) and has no fulfilment team.
    item: i64,
}

async fn fixture(t: &TestApp) -> Fixture {
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let entry = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "Desk"}),
        )
        .await
        .id();
    let item = t
        .post(
            &format!("/api/v1/catalogue/{entry}/items"),
            &t.admin,
            json!({"name": "Access", "form": [], "approval": {"by": "users", "user_ids": [t.admin_id]}}),
        )
        .await
        .id();
    Fixture { team, item }
}

/// A new ticket of `kind` brought to `status`; returns its id.
async fn ticket_in(t: &TestApp, f: &Fixture, kind: &str, status: &str) -> i64 {
    let r = match kind {
        "incidents" | "problems" => {
            t.post(
                &format!("/api/v1/{kind}"),
                &t.admin,
                json!({"title": "t", "impact": "low", "urgency": "low"}),
            )
            .await
        }
        _ => {
            t.post(
                "/api/v1/requests",
                &t.admin,
                json!({"catalogue_item_id": f.item, "answers": {}}),
            )
            .await
        }
    };
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    if kind == "requests" && status != "awaiting_approval" {
        let decision = if status == "rejected" {
            json!({"decision": "reject", "comment": "no"})
        } else {
            json!({"decision": "approve"})
        };
        let r = t
            .post(
                &format!("/api/v1/requests/{id}/approvals"),
                &t.admin,
                decision,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    if status == "assigned" {
        let r = t
            .post(
                &format!("/api/v1/{kind}/{id}/assign"),
                &t.admin,
                json!({"team_id": f.team}),
            )
            .await;
        assert_eq!(r.body["status"], "assigned", "{}", r.body);
    }
    for step in path_to(status, kind) {
        let r = t
            .post(
                &format!("/api/v1/{kind}/{id}/transition"),
                &t.admin,
                body(step),
            )
            .await;
        assert_eq!(r.status, 200, "{kind} to {step}: {}", r.body);
    }
    let r = t.get(&format!("/api/v1/{kind}/{id}"), &t.admin).await;
    assert_eq!(r.body["status"], status);
    id
}

/// The kept per-status totals agree with counting the rows (an `opened_from` filter forces
/// the count).
async fn totals_agree(t: &TestApp, kind: &str, statuses: &[&str]) {
    let all = "opened_from=2000-01-01T00:00:00Z";
    let kept = t
        .get(&format!("/api/v1/{kind}?limit=1"), &t.admin)
        .await
        .body["total"]
        .clone();
    let counted = t
        .get(&format!("/api/v1/{kind}?limit=1&{all}"), &t.admin)
        .await
        .body["total"]
        .clone();
    assert_eq!(kept, counted, "{kind}");
    for status in statuses {
        let kept = t
            .get(&format!("/api/v1/{kind}?limit=1&status={status}"), &t.admin)
            .await
            .body["total"]
            .clone();
        let counted = t
            .get(
                &format!("/api/v1/{kind}?limit=1&status={status}&{all}"),
                &t.admin,
            )
            .await
            .body["total"]
            .clone();
        assert_eq!(kept, counted, "{kind} {status}");
    }
}

async fn every_transition(kind: &str, table: Table) {
    let t = TestApp::spawn().await;
    let f = fixture(&t).await;
    let statuses: Vec<&str> = table.iter().map(|(s, _)| *s).collect();
    for (from, allowed) in table {
        for to in &statuses {
            let id = ticket_in(&t, &f, kind, from).await;
            let before = t.get(&format!("/api/v1/{kind}/{id}"), &t.admin).await.body;
            let r = t
                .post(
                    &format!("/api/v1/{kind}/{id}/transition"),
                    &t.admin,
                    body(to),
                )
                .await;
            let case = format!("{kind}: {from} → {to}");
            if !allowed.contains(to) {
                let p = r.problem(409);
                assert_eq!(p["allowed"], json!(allowed), "{case}");
                let after = t.get(&format!("/api/v1/{kind}/{id}"), &t.admin).await.body;
                assert_eq!(before, after, "{case}: a refusal changes nothing");
            } else if *to == "assigned" {
                // Allowed, but only once a team or agent is named.
                assert_eq!(r.problem(422)["field"], "to", "{case}");
            } else {
                assert_eq!(r.status, 200, "{case}: {}", r.body);
                assert_eq!(r.body["status"], *to, "{case}");
                let reopened =
                    *from == "resolved" && matches!(*to, "in_progress" | "investigating");
                assert_eq!(r.body["reopen_count"], i64::from(reopened), "{case}");
            }
        }
    }
    totals_agree(&t, kind, &statuses).await;
}

#[tokio::test]
async fn every_incident_transition() {
    every_transition("incidents", INCIDENT).await;
}

#[tokio::test]
async fn every_request_transition() {
    every_transition("requests", REQUEST).await;
}

#[tokio::test]
async fn every_problem_transition() {
    every_transition("problems", PROBLEM).await;
}
