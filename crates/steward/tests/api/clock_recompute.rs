//! A changed calendar or SLA over more open tickets than the request recomputes itself (the
//! limit is set low here): the change commits at once and says how much is left, the
//! tickets' clocks show the new deadlines at once, and the breach scan's deadlines follow
//! when the background job runs — each ticket once, also with two nodes running it. Closed
//! tickets are left alone; a change over few tickets is done in its own request.
use crate::support::{TestApp, at, postgres_url, ts};
use jiff::Timestamp;
use serde_json::json;
use steward_app::{Clock, Settings};

fn holiday(date: &str) -> Vec<u8> {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:{date}@example\r\nSUMMARY:Closed\r\nDTSTART;VALUE=DATE:{date}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    .into_bytes()
}

#[tokio::test]
async fn a_change_over_many_open_tickets_is_recomputed_in_the_background_each_ticket_once() {
    // Friday 18 December 2026, 16:00 in Berlin.
    let clock = Clock::manual(ts("2026-12-18T15:00:00Z"));
    let settings = || Settings {
        clock: clock.clone(),
        clock_recompute_inline: 2,
        ..Settings::default()
    };
    let t = TestApp::spawn_with_settings(settings()).await;
    let day = json!([["09:00", "17:00"]]);
    let calendar = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "Berlin office", "time_zone": "Europe/Berlin",
                   "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [], "sun": []}}),
        )
        .await
        .id();
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Office hours", "service_id": service, "calendar_id": calendar,
                   "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 14400}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let sla = r.id();
    let mut open = Vec::new();
    for title in ["Mail bounces", "Quota full", "Spam filter"] {
        open.push(
            t.post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": title, "impact": "medium", "urgency": "medium", "service_id": service}),
            )
            .await
            .id(),
        );
    }
    let resolved = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Fixed already", "impact": "medium", "urgency": "medium", "service_id": service}),
        )
        .await
        .id();
    for to in [
        json!({"to": "in_progress"}),
        json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Done"}),
    ] {
        let r = t
            .post(
                &format!("/api/v1/incidents/{resolved}/transition"),
                &t.admin,
                to,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    // The console's deadlines are the breach scan's: the response is due at 17:00 today.
    let console_due = || {
        let t = &t;
        async move {
            let r = t.get("/api/v1/console?queue=all", &t.admin).await;
            assert_eq!(r.status, 200, "{}", r.body);
            let mut due: Vec<(i64, Timestamp)> = r.body["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i["id"].as_i64().unwrap(), at(&i["sla_due_at"])))
                .collect();
            due.sort();
            due
        }
    };
    let friday = ts("2026-12-18T16:00:00Z");
    assert_eq!(
        console_due().await,
        open.iter().map(|id| (*id, friday)).collect::<Vec<_>>()
    );

    // Today becomes a holiday: the response is now due an hour into Monday.
    let r = t
        .raw(
            reqwest::Method::POST,
            &format!("/api/v1/calendars/{calendar}/holidays"),
            Some(&t.admin),
            "text/calendar",
            holiday("20261218"),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let pending = &r.body["recomputes"][0];
    assert_eq!(pending["sla_id"], sla);
    assert_eq!(pending["calendar_id"], calendar);
    assert_eq!(pending["cause"], format!("calendar {calendar} changed"));
    assert_eq!(
        (&pending["total"], &pending["done"]),
        (&json!(3), &json!(0)),
        "three open tickets, more than the request does itself: {pending}"
    );
    assert!(pending["finished_at"].is_null(), "{pending}");
    let monday = ts("2026-12-21T09:00:00Z");
    for id in &open {
        let c = t
            .get(&format!("/api/v1/incidents/{id}/sla"), &t.admin)
            .await
            .body;
        assert_eq!(
            at(&c["sla"]["response"]["due_at"]),
            monday,
            "derived at once"
        );
    }
    assert_eq!(
        console_due().await,
        open.iter().map(|id| (*id, friday)).collect::<Vec<_>>(),
        "the scan's deadlines wait for the job"
    );

    // Two nodes run the job at once (one server's app twice on SQLite, which has one node).
    let second = match postgres_url() {
        Some(_) => Some(TestApp::spawn_with(t.database_url.clone(), settings()).await),
        None => None,
    };
    let (a, b) = tokio::join!(t.app.clock_recompute("node-a"), async {
        match &second {
            Some(s) => s.app.clock_recompute("node-b").await,
            None => t.app.clock_recompute("node-b").await,
        }
    });
    let (a, b) = (a.unwrap(), b.unwrap());
    assert!(a.is_some() || b.is_some(), "one node ran it: {a:?} {b:?}");
    assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 3, "each ticket once");
    assert_eq!(
        console_due().await,
        open.iter().map(|id| (*id, monday)).collect::<Vec<_>>()
    );
    let shown = t
        .get(&format!("/api/v1/calendars/{calendar}"), &t.admin)
        .await
        .body;
    let finished = &shown["recomputes"][0];
    assert_eq!(finished["done"], 3, "{finished}");
    assert!(!finished["finished_at"].is_null(), "{finished}");
    for id in &open {
        let c = t
            .get(&format!("/api/v1/incidents/{id}/sla"), &t.admin)
            .await
            .body;
        let marks = c["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "calendar_changed")
            .count();
        assert_eq!(marks, 2, "response and resolution, once each: {c}");
    }
    let c = t
        .get(&format!("/api/v1/incidents/{resolved}/sla"), &t.admin)
        .await
        .body;
    assert!(
        c["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["kind"] != "calendar_changed"),
        "a resolved ticket keeps its clocks: {c}"
    );
    // Whichever node holds the lease looks again: nothing is left.
    let a = t.app.clock_recompute("node-a").await.unwrap();
    let b = match &second {
        Some(s) => s.app.clock_recompute("node-b").await.unwrap(),
        None => t.app.clock_recompute("node-b").await.unwrap(),
    };
    assert!(a.is_some() || b.is_some(), "one node ran it");
    assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 0, "each ticket once");

    // With two tickets open, a change of the SLA is done in its own request.
    let r = t
        .post(
            &format!("/api/v1/incidents/{}/transition", open[2]),
            &t.admin,
            json!({"to": "cancelled"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/slas/{sla}"),
            Some(&t.admin),
            Some(json!({"name": "Office hours", "service_id": service, "calendar_id": calendar,
                        "targets": {"P3": {"response_seconds": 7200, "resolution_seconds": 14400}}})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let list = t
        .get(&format!("/api/v1/slas/{sla}/recomputes"), &t.admin)
        .await;
    assert_eq!(list.status, 200, "{}", list.body);
    let latest = &list.body[0];
    assert_eq!(latest["cause"], "SLA Office hours changed (version 2)");
    assert!(latest["calendar_id"].is_null(), "{latest}");
    assert_eq!((&latest["total"], &latest["done"]), (&json!(2), &json!(2)));
    assert!(!latest["finished_at"].is_null(), "{latest}");
    assert_eq!(list.body.as_array().unwrap().len(), 2, "{}", list.body);
    let two_hours = ts("2026-12-21T10:00:00Z");
    assert_eq!(
        console_due().await,
        open[..2]
            .iter()
            .map(|id| (*id, two_hours))
            .collect::<Vec<_>>()
    );
    let missing = t.get("/api/v1/slas/999999/recomputes", &t.admin).await;
    missing.problem(404);
}
