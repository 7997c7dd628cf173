//! The console's API: queues paged, filtered and sorted in the database, capped counts, SLA
//! due dates and "breaching soon", saved views, and bulk assignment and transitions.
use crate::support::TestApp;
use jiff::Timestamp;
use serde_json::{Value, json};

fn numbers(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {page}"))
        .iter()
        .map(|i| i["number"].as_str().unwrap().to_owned())
        .collect()
}

fn queue_count(page: &Value, queue: &str) -> i64 {
    page["queues"]
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["queue"] == queue)
        .unwrap_or_else(|| panic!("no queue {queue}: {page}"))["count"]["n"]
        .as_i64()
        .unwrap()
}

async fn incident(t: &TestApp, title: &str, impact: &str, urgency: &str) -> (i64, String) {
    let r = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": title, "impact": impact, "urgency": urgency}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    (r.id(), r.body["number"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn queues_page_filter_and_sort_in_the_database() {
    let (t, clock) = TestApp::spawn_at("2026-03-02T08:00:00Z".parse().unwrap()).await;
    let (agent, agent_token) = t.user("agnes", "agent", None).await;
    let team = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Network", "member_ids": [agent]}),
        )
        .await
        .id();
    let mut made = Vec::new();
    for i in 0..60 {
        // One minute apart, so "newest first" has one right answer.
        clock.set(Timestamp::from_second(1_772_438_400 + i * 60).unwrap());
        let (impact, urgency) = if i % 3 == 0 {
            ("high", "high")
        } else {
            ("low", "low")
        };
        made.push(incident(&t, &format!("Printer {i}"), impact, urgency).await);
    }
    let p1 = t.get("/api/v1/incidents?limit=1", &t.admin).await;
    assert_eq!(p1.status, 200);

    // The default queue of the admin is "mine": empty. All open: 50 newest, then 10.
    let all = t.get("/api/v1/console?queue=all", &t.admin).await;
    assert_eq!(all.status, 200, "{}", all.body);
    let first = numbers(&all.body);
    assert_eq!(first.len(), 50);
    assert_eq!(first[0], made[59].1, "newest first");
    assert_eq!(all.body["more"], true);
    assert_eq!(all.body["total"], json!({"n": 60, "capped": false}));
    assert_eq!(queue_count(&all.body, "unassigned"), 60);
    assert_eq!(queue_count(&all.body, "mine"), 0);
    let second = t.get("/api/v1/console?queue=all&page=2", &t.admin).await;
    let rest = numbers(&second.body);
    assert_eq!(rest.len(), 10);
    assert_eq!(second.body["more"], false);
    assert_eq!(rest[9], made[0].1);
    assert!(rest.iter().all(|n| !first.contains(n)), "pages overlap");

    // Oldest first and by priority.
    let oldest = t
        .get("/api/v1/console?queue=all&sort=oldest", &t.admin)
        .await;
    assert_eq!(numbers(&oldest.body)[0], made[0].1);
    let by_priority = t
        .get("/api/v1/console?queue=all&sort=priority", &t.admin)
        .await;
    let priorities: Vec<i64> = by_priority.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["priority"].as_i64().unwrap())
        .collect();
    assert!(
        priorities.windows(2).all(|w| w[0] <= w[1]),
        "{priorities:?}"
    );
    assert!(priorities[0] < priorities[49]);

    // A filter narrows the list and its total, not the queue counts.
    let top = priorities[0];
    let filtered = t
        .get(
            &format!("/api/v1/console?queue=all&priority={top}"),
            &t.admin,
        )
        .await;
    assert_eq!(filtered.body["total"]["n"], 20);
    assert!(
        filtered.body["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["priority"] == top)
    );
    assert_eq!(queue_count(&filtered.body, "all"), 60);

    // Assigned work appears in the agent's queues; resolved work leaves every queue.
    for (id, _) in &made[..3] {
        let r = t
            .post(
                &format!("/api/v1/incidents/{id}/assign"),
                &t.admin,
                json!({"team_id": team, "assignee_id": agent}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let mine = t.get("/api/v1/console", &agent_token).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let mut mine_numbers = numbers(&mine.body);
    mine_numbers.sort();
    assert_eq!(
        mine_numbers,
        vec![made[0].1.clone(), made[1].1.clone(), made[2].1.clone()]
    );
    assert_eq!(queue_count(&mine.body, "team"), 3);
    assert_eq!(queue_count(&mine.body, "unassigned"), 57);
    let r = t
        .post(
            &format!("/api/v1/incidents/{}/transition", made[0].0),
            &agent_token,
            json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "New toner"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let mine = t.get("/api/v1/console?queue=mine", &agent_token).await;
    assert_eq!(mine.body["total"]["n"], 2);
    assert_eq!(queue_count(&mine.body, "all"), 59);
    let by_team = t
        .get(
            &format!("/api/v1/console?queue=all&team={team}&assignee={agent}"),
            &t.admin,
        )
        .await;
    assert_eq!(by_team.body["total"]["n"], 2);

    // Bad questions are named; customers have no console.
    let bad = t
        .get(
            "/api/v1/console?queue=everything&priority=0&colour=red",
            &t.admin,
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    let fields: Vec<_> = bad.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["queue", "priority", "colour"]);
    let closed = t.get("/api/v1/console?status=closed", &t.admin).await;
    assert_eq!(closed.status, 422);
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("cora", "customer", Some(org)).await;
    assert_eq!(t.get("/api/v1/console", &customer).await.status, 403);
}

#[tokio::test]
async fn records_under_an_sla_show_their_due_time_and_breaching_soon() {
    let (t, _clock) = TestApp::spawn_at("2026-03-02T08:00:00Z".parse().unwrap()).await;
    let org = t.create_org("Acme").await;
    let fast = json!({"response_seconds": 1800, "resolution_seconds": 4 * 3600});
    let slow = json!({"response_seconds": 7200, "resolution_seconds": 8 * 3600});
    let (service, _) = t
        .service_with_sla(
            "Mail",
            org,
            json!({"targets": {"P1": fast, "P2": fast, "P3": slow, "P4": slow, "P5": slow}}),
        )
        .await;
    let (_, plain) = incident(&t, "No service", "high", "high").await;
    let urgent = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Mail down", "impact": "high", "urgency": "high", "service_id": service}),
        )
        .await;
    assert_eq!(urgent.status, 201, "{}", urgent.body);
    let later = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Mail slow", "impact": "low", "urgency": "low", "service_id": service}),
        )
        .await;

    let page = t
        .get("/api/v1/console?queue=all&sort=sla_due", &t.admin)
        .await;
    let items = page.body["items"].as_array().unwrap();
    assert_eq!(items[0]["number"], urgent.body["number"], "{}", page.body);
    assert_eq!(items[0]["sla_due_at"], "2026-03-02T08:30:00Z");
    assert_eq!(items[1]["number"], later.body["number"]);
    assert_eq!(items[1]["sla_due_at"], "2026-03-02T10:00:00Z");
    assert_eq!(items[2]["number"], plain.as_str());
    assert_eq!(
        items[2]["sla_due_at"],
        Value::Null,
        "no clock runs: no due time"
    );

    // Due within the hour: the urgent one only.
    let soon = t.get("/api/v1/console?queue=breaching", &t.admin).await;
    assert_eq!(
        numbers(&soon.body),
        [urgent.body["number"].as_str().unwrap()]
    );
}

#[tokio::test]
async fn saved_views_are_personal_checked_and_replaced_by_name() {
    let t = TestApp::spawn().await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let (_, other) = t.user("otto", "agent", None).await;
    let r = t
        .post(
            "/api/v1/console/views",
            &agent,
            json!({"name": "  P1 of all ", "query": "?priority=1&queue=all&page=3"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["name"], "P1 of all");
    assert_eq!(
        r.body["query"], "queue=all&priority=1",
        "canonical, first page"
    );
    let id = r.id();
    let again = t
        .post(
            "/api/v1/console/views",
            &agent,
            json!({"name": "P1 of all", "query": "queue=all&priority=1&sort=sla_due"}),
        )
        .await;
    assert_eq!(again.status, 201);
    assert_eq!(again.id(), id, "the same name replaces");
    let list = t.get("/api/v1/console/views", &agent).await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
    assert_eq!(list.body[0]["query"], "queue=all&priority=1&sort=sla_due");
    assert_eq!(t.get("/api/v1/console/views", &other).await.body, json!([]));

    let bad = t
        .post(
            "/api/v1/console/views",
            &agent,
            json!({"name": "", "query": "priority=7"}),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(
        t.delete(&format!("/api/v1/console/views/{id}"), &other)
            .await
            .status,
        404
    );
    let before = t.audit_count().await;
    assert_eq!(
        t.delete(&format!("/api/v1/console/views/{id}"), &agent)
            .await
            .status,
        204
    );
    assert_eq!(t.audit_count().await, before + 1);
    assert_eq!(t.get("/api/v1/console/views", &agent).await.body, json!([]));
}

#[tokio::test]
async fn bulk_actions_change_each_record_or_say_why_not() {
    let t = TestApp::spawn().await;
    let (agent, _) = t.user("agnes", "agent", None).await;
    let team = t
        .post(
            "/api/v1/teams",
            &t.admin,
            json!({"name": "Desk", "member_ids": [agent]}),
        )
        .await
        .id();
    let a = incident(&t, "One", "low", "low").await;
    let b = incident(&t, "Two", "low", "low").await;
    let c = incident(&t, "Three", "low", "low").await;
    let records = json!([
        {"kind": "incident", "id": a.0}, {"kind": "incident", "id": b.0},
        {"kind": "incident", "id": c.0}, {"kind": "incident", "id": 9999}
    ]);
    let r = t
        .post(
            "/api/v1/console/bulk",
            &t.admin,
            json!({"records": records, "assign": {"team_id": team, "assignee_id": agent}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let changed: Vec<bool> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["changed"].as_bool().unwrap())
        .collect();
    assert_eq!(changed, [true, true, true, false]);
    assert!(r.body[3]["error"].as_str().unwrap().contains("not found"));
    let one = t.get(&format!("/api/v1/incidents/{}", b.0), &t.admin).await;
    assert_eq!(one.body["assignee_id"], agent);

    // Resolving without a resolution is refused record by record; nothing half-changes.
    let r = t
        .post(
            "/api/v1/console/bulk",
            &t.admin,
            json!({"records": [{"kind": "incident", "id": a.0}], "transition": {"to": "resolved"}}),
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body[0]["changed"], false);
    assert!(
        r.body[0]["error"].as_str().unwrap().contains("resolution"),
        "{}",
        r.body
    );
    let one = t.get(&format!("/api/v1/incidents/{}", a.0), &t.admin).await;
    assert_eq!(one.body["status"], "assigned");
    let r = t
        .post(
            "/api/v1/console/bulk",
            &t.admin,
            json!({"records": [{"kind": "incident", "id": a.0}, {"kind": "incident", "id": c.0}],
                   "transition": {"to": "in_progress"}}),
        )
        .await;
    assert!(
        r.body
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["changed"] == true),
        "{}",
        r.body
    );

    // Neither or both actions, or no records: 422 and nothing happens.
    for body in [
        json!({"records": [{"kind": "incident", "id": a.0}]}),
        json!({"records": [], "transition": {"to": "in_progress"}}),
    ] {
        let r = t.post("/api/v1/console/bulk", &t.admin, body).await;
        assert_eq!(r.status, 422, "{}", r.body);
    }
}
