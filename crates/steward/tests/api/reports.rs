//! Reports over tickets worked through the API (not imported), with the service desk's clock
//! set by the test: business time on the SLA's calendar next to wall-clock time, compliance
//! grouped by SLA, service, customer and priority, and the backlog carried from period to
//! period.
use crate::support::{TestApp, report_figure as figure, report_row as row, ts};
use serde_json::json;

#[tokio::test]
async fn business_time_follows_each_tickets_sla_calendar_and_compliance_groups_by_every_key() {
    // Friday 18 December 2026, 16:00 in Berlin.
    let (t, clock) = TestApp::spawn_at(ts("2026-12-18T15:00:00Z")).await;
    let acme = t.create_org("Acme").await;
    let day = json!([["09:00", "17:00"]]);
    let r = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "Berlin office", "time_zone": "Europe/Berlin",
                   "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [], "sun": []}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let calendar = r.id();
    let mail = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Mail office hours", "service_id": mail, "calendar_id": calendar,
                   "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 4 * 3600}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);

    let open = |title: &'static str, service: Option<i64>| {
        let t = &t;
        async move {
            t.post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": title, "impact": "medium", "urgency": "medium",
                       "service_id": service, "organization_id": acme}),
            )
            .await
            .id()
        }
    };
    let resolve = |id: i64| {
        let t = &t;
        async move {
            for step in [
                json!({"to": "in_progress"}),
                json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Done"}),
            ] {
                let r = t
                    .post(
                        &format!("/api/v1/incidents/{id}/transition"),
                        &t.admin,
                        step,
                    )
                    .await;
                assert_eq!(r.status, 200, "{}", r.body);
            }
        }
    };
    // Under the office-hours SLA: opened Friday 16:00, resolved Monday 10:00 (Berlin):
    // 66 hours on the wall clock, 2 in business time (an hour each day): within its 4 hours.
    let mailbox = open("Mailbox full", Some(mail)).await;
    // Without a service (no SLA): 66 hours either way.
    let printer = open("Printer jammed", None).await;
    clock.set(ts("2026-12-21T09:00:00Z"));
    resolve(mailbox).await;
    resolve(printer).await;
    // Opened Monday 10:00 under the SLA and still open a day later at 10:00: 8 business hours,
    // over its 4-hour target, so breached; not resolved, so not among the durations.
    let late = open("Mail delayed", Some(mail)).await;
    clock.set(ts("2026-12-22T09:00:00Z"));
    let r = t.get(&format!("/api/v1/incidents/{late}"), &t.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let period = "from=2026-12-14&to=2026-12-28";
    let times = t
        .get(
            &format!("/api/v1/reports/resolution-times?{period}"),
            &t.admin,
        )
        .await;
    assert_eq!(times.status, 200, "{}", times.body);
    let wall = row(&times.body, "Time to resolve (MTTR), wall clock");
    let business = row(&times.body, "Time to resolve (MTTR), business time");
    // Figures in days, to three places as the report gives them.
    let days = |hours: f64| (hours / 24.0 * 1000.0).round() / 1000.0;
    assert_eq!(wall[1], 2, "{}", times.body);
    assert_eq!(wall[2].as_f64(), Some(days(66.0)), "{}", times.body);
    // The mean of 2 and 66 business hours: the printer has no calendar.
    assert_eq!(business[2].as_f64(), Some(days((2.0 + 66.0) / 2.0)));
    assert_eq!(figure(&times.body, "resolve_mean_days"), 2.75);

    // Compliance: the late ticket's breach is recorded by the background scan.
    t.app.sla_scan("node").await.unwrap();
    let compliance = |by: &'static str| {
        let t = &t;
        async move {
            let r = t
                .get(
                    &format!("/api/v1/reports/sla-compliance?{period}&by={by}"),
                    &t.admin,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        }
    };
    let by_sla = compliance("sla").await;
    let sla_row = row(&by_sla, "Mail office hours");
    // Resolution: met (mailbox) and breached (late, still open past its target).
    assert_eq!(
        (
            sla_row[5].as_i64(),
            sla_row[6].as_i64(),
            sla_row[7].as_i64()
        ),
        (Some(1), Some(1), Some(0)),
        "{by_sla}"
    );
    assert_eq!(row(&by_sla, "No SLA")[7], 1, "{by_sla}");
    let by_service = compliance("service").await;
    assert_eq!(row(&by_service, "Mail")[5], 1, "{by_service}");
    assert_eq!(row(&by_service, "No service")[7], 1, "{by_service}");
    let by_customer = compliance("customer").await;
    let acme_row = row(&by_customer, "Acme");
    assert_eq!(
        acme_row[5].as_i64().unwrap()
            + acme_row[6].as_i64().unwrap()
            + acme_row[7].as_i64().unwrap(),
        3,
        "{by_customer}"
    );
    let by_priority = compliance("priority").await;
    assert_eq!(row(&by_priority, "P3")[5], 1, "{by_priority}");

    // Volumes: three opened, two resolved, one left; the next fortnight starts with it.
    let volumes = t
        .get(&format!("/api/v1/reports/volumes?{period}"), &t.admin)
        .await
        .body;
    assert_eq!(figure(&volumes, "opened"), 3.0, "{volumes}");
    assert_eq!(figure(&volumes, "resolved"), 2.0, "{volumes}");
    assert_eq!(figure(&volumes, "backlog"), 1.0, "{volumes}");
    let next = t
        .get(
            "/api/v1/reports/volumes?from=2026-12-28&to=2027-01-11",
            &t.admin,
        )
        .await
        .body;
    assert_eq!(figure(&next, "backlog"), 1.0, "{next}");
    assert_eq!(next["summary"][2]["previous"], 1.0, "{next}");

    // Every incident was opened on 18 December: a trend against a fortnight before it
    // compares with nothing, and against the one it falls in with part of it; each report
    // that counts records says so before its figures, and none does once both are covered.
    let caveats = |report: &serde_json::Value| report["caveats"].to_string();
    let none_before = caveats(&volumes);
    assert!(
        none_before.contains("2026-12-18") && none_before.contains("holds none"),
        "{volumes}"
    );
    assert!(caveats(&next).contains("only part"), "{next}");
    for name in [
        "sla-compliance",
        "resolution-times",
        "rates",
        "backlog-aging",
    ] {
        let r = t
            .get(&format!("/api/v1/reports/{name}?{period}"), &t.admin)
            .await
            .body;
        assert!(caveats(&r).contains("holds none"), "{name}: {r}");
    }
    let covered = t
        .get(
            "/api/v1/reports/volumes?from=2027-01-11&to=2027-01-25",
            &t.admin,
        )
        .await
        .body;
    assert_eq!(covered["caveats"], json!([]), "{covered}");
}
