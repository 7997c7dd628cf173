//! The volume, rate and backlog reports read whole days from the daily counts the triggers
//! keep (migration 0049) and only partial days from the tickets. A filter by customer makes
//! them count every ticket instead, so with all tickets under one customer the two must give
//! the same figures: before and after the counts are folded, over whole days and over
//! instants inside a day, unfiltered and by priority, and compliance by SLA and priority.
use crate::support::{TestApp, report_figure, ts};
use serde_json::{Value, json};

fn step(to: &str) -> Value {
    match to {
        "resolved" => json!({"to": to, "resolution_code": "fixed", "resolution_notes": "done"}),
        _ => json!({"to": to}),
    }
}

#[tokio::test]
async fn daily_counts_give_what_counting_the_tickets_gives() {
    let (t, clock) = TestApp::spawn_at(ts("2026-03-02T08:10:00Z")).await;
    let acme = t.create_org("Acme").await;
    let teams: Vec<i64> = {
        let mut ids = Vec::new();
        for name in ["Desk", "Network"] {
            let r = t
                .post("/api/v1/teams", &t.admin, json!({"name": name}))
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            ids.push(r.id());
        }
        ids
    };
    // Two of the incidents are under an SLA whose targets some meet and some miss.
    let (mail, _) = t
        .service_with_sla(
            "Mail",
            acme,
            json!({"targets": {
                "P1": {"response_seconds": 1800, "resolution_seconds": 4 * 3600},
                "P2": {"response_seconds": 1800, "resolution_seconds": 4 * 3600},
                "P3": {"response_seconds": 1800, "resolution_seconds": 4 * 3600}}}),
        )
        .await;
    let open = |title: &'static str, impact: &'static str| {
        let t = &t;
        let service = matches!(title, "Mail down" | "VPN flaps").then_some(mail);
        async move {
            let r = t
                .post(
                    "/api/v1/incidents",
                    &t.admin,
                    json!({"title": title, "impact": impact, "urgency": "medium",
                           "organization_id": acme, "service_id": service}),
                )
                .await;
            assert_eq!(r.status, 201, "{}", r.body);
            r.id()
        }
    };
    let go = |id: i64, to: &'static str| {
        let t = &t;
        async move {
            let r = t
                .post(
                    &format!("/api/v1/incidents/{id}/transition"),
                    &t.admin,
                    step(to),
                )
                .await;
            assert_eq!(r.status, 200, "{id} to {to}: {}", r.body);
        }
    };
    let assign = |id: i64, team: i64| {
        let t = &t;
        async move {
            let r = t
                .post(
                    &format!("/api/v1/incidents/{id}/assign"),
                    &t.admin,
                    json!({"team_id": team}),
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };

    // Monday: opened, worked, resolved, reassigned, cancelled, at different hours.
    let resolved = open("Mail down", "medium").await;
    clock.set(ts("2026-03-02T08:40:00Z"));
    let moved = open("VPN flaps", "high").await;
    assign(moved, teams[0]).await;
    clock.set(ts("2026-03-02T09:05:00Z"));
    let cancelled = open("Duplicate", "low").await;
    go(resolved, "in_progress").await;
    clock.set(ts("2026-03-02T10:20:00Z"));
    go(resolved, "resolved").await;
    assign(moved, teams[1]).await;
    clock.set(ts("2026-03-02T11:30:00Z"));
    go(cancelled, "cancelled").await;
    // Tuesday: one resolved and reopened, then resolved and closed; one whose priority changes.
    clock.set(ts("2026-03-03T07:15:00Z"));
    let reopened = open("Printer", "medium").await;
    go(reopened, "in_progress").await;
    go(reopened, "resolved").await;
    clock.set(ts("2026-03-03T09:45:00Z"));
    go(reopened, "in_progress").await;
    let repriced = open("Slow disk", "low").await;
    clock.set(ts("2026-03-03T13:00:00Z"));
    let r = t
        .patch(
            &format!("/api/v1/incidents/{repriced}"),
            &t.admin,
            json!({"impact": "high", "urgency": "high"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    go(reopened, "resolved").await;
    clock.set(ts("2026-03-04T16:30:00Z"));
    go(reopened, "closed").await;
    go(moved, "in_progress").await;
    go(moved, "resolved").await;
    clock.set(ts("2026-03-05T12:34:56Z"));
    // The scan records the verdicts of the clocks that ran out.
    t.app.sla_scan("node").await.unwrap();

    let periods = [
        // Whole days, the default grouping (days).
        "from=2026-03-01&to=2026-03-06".to_string(),
        // Ending now, inside a day: the last day partly from the tickets.
        "from=2026-03-02".to_string(),
        // Both ends inside days; the backlog at the start is carried from 09:30.
        "from=2026-03-02T09:30:00Z&to=2026-03-03T09:50:00Z".to_string(),
        // Inside one day.
        "from=2026-03-02T10:05:00Z&to=2026-03-02T10:25:00Z".to_string(),
        // A later period whose backlog comes from the days before it.
        "from=2026-03-04&to=2026-03-05T12:00:00Z".to_string(),
    ];
    let reports = [
        "volumes",
        "rates",
        "backlog-aging",
        "sla-compliance",
        "sla-compliance&by=priority",
    ];
    let figures = |name: &'static str, query: String| {
        let t = &t;
        async move {
            let r = t
                .get(
                    &format!("/api/v1/reports/{name}&{query}").replacen('&', "?", 1),
                    &t.admin,
                )
                .await;
            assert_eq!(r.status, 200, "{name}?{query}: {}", r.body);
            json!({"summary": r.body["summary"], "rows": r.body["rows"]})
        }
    };
    let mut seen = Vec::new();
    for period in &periods {
        for name in reports {
            for priority in ["", "&priority=3", "&priority=1"] {
                let days = figures(name, format!("{period}{priority}")).await;
                let counted =
                    figures(name, format!("{period}{priority}&organization_id={acme}")).await;
                assert_eq!(days, counted, "{name}?{period}{priority}");
                seen.push((name, format!("{period}{priority}"), days));
            }
        }
    }
    // Not a vacuous comparison: in the first period five incidents opened, three were
    // resolved (the closed one counted by its resolution) and one cancelled; one is open.
    let volumes = &seen[0].2;
    assert_eq!(report_figure(volumes, "opened"), 5.0, "{volumes}");
    assert_eq!(report_figure(volumes, "resolved"), 4.0, "{volumes}");
    assert_eq!(report_figure(volumes, "backlog"), 1.0, "{volumes}");
    let compliance = &seen[9].2;
    assert!(
        compliance.to_string().contains("Mail standard"),
        "{compliance}"
    );

    // Folding the deltas changes no figure.
    let folded = t.app.compact_report_days("node").await.unwrap();
    assert!(matches!(folded, Some(n) if n > 0), "{folded:?}");
    for (name, query, before) in &seen {
        assert_eq!(
            &figures(name, query.clone()).await,
            before,
            "{name}?{query} folded"
        );
    }
    // And a second fold finds nothing left.
    assert_eq!(t.app.compact_report_days("node").await.unwrap(), Some(0));
}
