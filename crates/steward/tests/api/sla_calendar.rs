//! SLA clocks in business time, with the service desk's clock set by the test: deadlines
//! skip nights, weekends and holidays; pauses across a weekend are counted in business time;
//! a calendar change recomputes open clocks; a breach fires once when its time comes.
use crate::support::{TestApp, at, ts};
use serde_json::{Value, json};

fn office(open: &str, close: &str) -> Value {
    let day = json!([[open, close]]);
    json!({"name": "Berlin office", "time_zone": "Europe/Berlin",
           "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [], "sun": []}})
}

const CHRISTMAS: &str = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:xmas@example\r\nSUMMARY:Christmas\r\nDTSTART;VALUE=DATE:20261224\r\nDTEND;VALUE=DATE:20261226\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

#[tokio::test]
async fn business_time_clocks_skip_weekends_and_holidays_and_follow_calendar_changes() {
    // Friday 18 December 2026, 16:00 in Berlin.
    let (t, clock) = TestApp::spawn_at(ts("2026-12-18T15:00:00Z")).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let r = t
        .post("/api/v1/calendars", &t.admin, office("09:00", "17:00"))
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let calendar = r.id();
    let bad = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "x", "time_zone": "Mars/Olympus", "hours": {"mon": [["17:00", "09:00"]]}}),
        )
        .await;
    let fields: Vec<&str> = bad.problem(422)["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"time_zone") && fields.contains(&"hours.mon[0]"),
        "{fields:?}"
    );
    // A calendar that is never open would stop every clock on it: refused, naming the hours.
    let closed = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "Closed", "time_zone": "UTC", "hours": {"sat": [], "sun": []}}),
        )
        .await;
    assert_eq!(closed.problem(422)["errors"][0]["field"], "hours");
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/calendars/{calendar}"),
            Some(&t.admin),
            Some(json!({"name": "Berlin office", "time_zone": "Europe/Berlin", "hours": {}})),
        )
        .await;
    assert_eq!(r.problem(422)["errors"][0]["field"], "hours");
    let r = t
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/calendars/{calendar}/holidays"),
            Some(&t.admin),
            "text/calendar",
            CHRISTMAS.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["holidays"], json!(["2026-12-24", "2026-12-25"]));

    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Office hours", "service_id": service, "calendar_id": calendar,
                   "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 14400}},
                   "pause": [{"status": "pending", "reasons": ["customer"]}]}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let incident = |title: &'static str| {
        let t = &t;
        async move {
            t.post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": title, "impact": "medium", "urgency": "medium", "service_id": service}),
            )
            .await
            .id()
        }
    };
    let clocks = |id: i64| {
        let t = &t;
        async move {
            t.get(&format!("/api/v1/incidents/{id}/sla"), &t.admin)
                .await
                .body
        }
    };

    let friday = incident("Mail bounces").await;
    let c = clocks(friday).await;
    // One working hour left on Friday; three more on Monday morning.
    assert_eq!(
        at(&c["sla"]["response"]["due_at"]),
        ts("2026-12-18T16:00:00Z")
    );
    assert_eq!(
        at(&c["sla"]["resolution"]["due_at"]),
        ts("2026-12-21T11:00:00Z")
    );

    // Waiting for the customer from Friday 16:30 to Tuesday 10:00 (Berlin): the pause covers
    // half an hour on Friday, all of Monday and an hour on Tuesday in business time.
    t.post(
        &format!("/api/v1/incidents/{friday}/transition"),
        &agent,
        json!({"to": "in_progress"}),
    )
    .await;
    clock.set(ts("2026-12-18T15:30:00Z"));
    let r = t
        .post(
            &format!("/api/v1/incidents/{friday}/transition"),
            &agent,
            json!({"to": "pending", "reason": "customer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    clock.set(ts("2026-12-22T09:00:00Z"));
    t.post(
        &format!("/api/v1/incidents/{friday}/transition"),
        &agent,
        json!({"to": "in_progress"}),
    )
    .await;
    let c = clocks(friday).await;
    let resolution = &c["sla"]["resolution"];
    assert_eq!(resolution["elapsed_seconds"], 1800);
    assert_eq!(resolution["paused_seconds"], 1800 + 8 * 3600 + 3600);
    // Three and a half hours left from Tuesday 10:00.
    assert_eq!(at(&resolution["due_at"]), ts("2026-12-22T12:30:00Z"));

    // Opened on Wednesday 23 December at 15:00: two hours that day, then Christmas Eve,
    // Christmas Day and the weekend, then two hours on Monday.
    clock.set(ts("2026-12-23T14:00:00Z"));
    let before_christmas = incident("Calendar sync stuck").await;
    let c = clocks(before_christmas).await;
    assert_eq!(
        at(&c["sla"]["resolution"]["due_at"]),
        ts("2026-12-28T10:00:00Z")
    );

    // Longer office hours recompute the open clocks from their events.
    let mut longer = office("08:00", "18:00");
    longer["holidays"] = json!(["2026-12-24", "2026-12-25"]);
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/calendars/{calendar}"),
            Some(&t.admin),
            Some(longer),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 3);
    let c = clocks(before_christmas).await;
    let kinds: Vec<&str> = c["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["start", "start", "calendar_changed", "calendar_changed"]
    );
    // Wednesday 15:00–18:00 is three hours; one more on Monday from 08:00.
    assert_eq!(
        at(&c["sla"]["resolution"]["due_at"]),
        ts("2026-12-28T08:00:00Z")
    );

    // By Sunday the Friday incident has missed both targets (nobody replied publicly, and
    // its resolution was due on Tuesday) and the Christmas one its response target: a
    // warning and a breach each. Its resolution deadline is Monday 09:00 Berlin.
    clock.set(ts("2026-12-27T12:00:00Z"));
    assert_eq!(t.app.sla_scan("node").await.unwrap(), Some(6));
    assert_eq!(
        t.app.sla_scan("node").await.unwrap(),
        Some(0),
        "each fires once"
    );
    clock.set(ts("2026-12-28T07:59:59Z"));
    assert_eq!(
        t.app.sla_scan("node").await.unwrap(),
        Some(1),
        "the warning only"
    );
    clock.set(ts("2026-12-28T08:00:01Z"));
    assert_eq!(
        t.app.sla_scan("node").await.unwrap(),
        Some(1),
        "then the breach"
    );
    assert_eq!(t.app.sla_scan("node").await.unwrap(), Some(0));
    let shown = t
        .get(&format!("/api/v1/incidents/{before_christmas}"), &t.admin)
        .await
        .body;
    assert_eq!(shown["sla"]["resolution"]["state"], "breached");
    assert_eq!(
        at(&shown["sla"]["resolution"]["breached_at"]),
        ts("2026-12-28T08:00:00Z")
    );
}

#[tokio::test]
async fn what_if_replays_resolved_records_under_changed_targets() {
    let (t, clock) = TestApp::spawn_at(ts("2026-03-02T08:00:00Z")).await;
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let sla = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "24x7", "service_id": service,
                   "targets": {"P3": {"response_seconds": 600, "resolution_seconds": 14400}}}),
        )
        .await
        .id();
    // Resolved after one, three and five hours; each answered publicly after 15 minutes.
    for (i, hours) in [1, 3, 5].into_iter().enumerate() {
        let opened = ts("2026-03-02T08:00:00Z") + jiff::SignedDuration::from_hours(i as i64 * 24);
        clock.set(opened);
        let id = t
            .post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": "x", "impact": "medium", "urgency": "medium", "service_id": service}),
            )
            .await
            .id();
        clock.set(opened + jiff::SignedDuration::from_mins(15));
        t.post(
            &format!("/api/v1/incidents/{id}/comments"),
            &t.admin,
            json!({"body": "on it"}),
        )
        .await;
        t.post(
            &format!("/api/v1/incidents/{id}/transition"),
            &t.admin,
            json!({"to": "in_progress"}),
        )
        .await;
        clock.set(opened + jiff::SignedDuration::from_hours(hours));
        let r = t
            .post(
                &format!("/api/v1/incidents/{id}/transition"),
                &t.admin,
                json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "n"}),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let simulate = |body: Value| {
        let t = &t;
        async move {
            let r = t
                .post(&format!("/api/v1/slas/{sla}/simulate"), &t.admin, body)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        }
    };
    let period = |extra: Value| {
        let mut b = json!({"from": "2026-03-01T00:00:00Z", "to": "2026-04-01T00:00:00Z"});
        b.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        b
    };
    let r = simulate(period(
        json!({"targets": {"P3": {"response_seconds": 600, "resolution_seconds": 7200}}}),
    ))
    .await;
    assert_eq!(r["records"], 3);
    assert_eq!(r["actual"]["resolution"]["met"], 2);
    assert_eq!(r["actual"]["resolution"]["breached"], 1);
    assert_eq!(r["simulated"]["resolution"]["met"], 1);
    assert_eq!(r["simulated"]["resolution"]["breached"], 2);
    // Every first reply took 15 minutes against a 10-minute target.
    assert_eq!(r["actual"]["response"]["breached"], 3);
    let r = simulate(period(
        json!({"targets": {"P3": {"response_seconds": 1800, "resolution_seconds": 21600}}}),
    ))
    .await;
    assert_eq!(r["simulated"]["resolution"]["met"], 3);
    assert_eq!(r["simulated"]["response"]["met"], 3);
    assert_eq!(r["simulated"]["resolution"]["percent"], 100.0);
    // Outside the period there is nothing to replay; a bad period is refused.
    let r = simulate(json!({"from": "2026-05-01T00:00:00Z", "to": "2026-06-01T00:00:00Z"})).await;
    assert_eq!(r["records"], 0);
    t.post(
        &format!("/api/v1/slas/{sla}/simulate"),
        &t.admin,
        json!({"from": "2026-06-01T00:00:00Z", "to": "2026-05-01T00:00:00Z"}),
    )
    .await
    .problem(422);
}

#[tokio::test]
async fn workload_beyond_the_limit_is_reported_and_can_suspend_targets() {
    let (t, _clock) = TestApp::spawn_at(ts("2026-05-10T10:00:00Z")).await;
    let acme = t.create_org("Acme").await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "customer_ids": [acme]}),
        )
        .await
        .id();
    let sla = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Acme mail", "service_id": service, "organization_ids": [acme],
                   "targets": {"P3": {"response_seconds": 600, "resolution_seconds": 3600}},
                   "workload_limit": {"per_month": 2, "suspend_targets": true}}),
        )
        .await
        .id();
    let mut applies = Vec::new();
    for _ in 0..3 {
        let id = t
            .post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": "x", "impact": "medium", "urgency": "medium",
                       "service_id": service, "organization_id": acme}),
            )
            .await
            .id();
        let shown = t
            .get(&format!("/api/v1/incidents/{id}"), &t.admin)
            .await
            .body;
        applies.push(shown["sla"]["applies"].as_bool().unwrap());
    }
    assert_eq!(applies, [true, true, false]);
    let r = t
        .get(&format!("/api/v1/slas/{sla}/workload"), &t.admin)
        .await;
    assert_eq!(
        r.body,
        json!([{"organization_id": acme, "records": 3, "limit": 2, "exceeded": true}])
    );
    let r = t
        .get(
            &format!("/api/v1/slas/{sla}/workload?month=2026-04"),
            &t.admin,
        )
        .await;
    assert_eq!(r.body, json!([]));
    t.get(&format!("/api/v1/slas/{sla}/workload?month=May"), &t.admin)
        .await
        .problem(422);
}
