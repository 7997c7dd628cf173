//! Outages, maintenance windows and availability against target (ISO/IEC 20000-1 8.7.1),
//! through the API on a real database.
use crate::support::TestApp;
use serde_json::{Value, json};

async fn outage(t: &TestApp, service: i64, body: Value) -> Value {
    let r = t
        .post(
            &format!("/api/v1/services/{service}/outages"),
            &t.admin,
            body,
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

/// A live service with an availability target.
async fn live_service(t: &TestApp, name: &str, target: f64) -> i64 {
    t.post(
        "/api/v1/services",
        &t.admin,
        json!({"name": name, "status": "live", "availability_target_percent": target}),
    )
    .await
    .id()
}

async fn availability(t: &TestApp, service: i64, from: &str, to: &str) -> Value {
    let r = t
        .get(
            &format!("/api/v1/services/{service}/availability?from={from}&to={to}"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body
}

#[tokio::test]
async fn outages_are_recorded_checked_closed_and_deleted_with_audit() {
    let (t, _clock) = TestApp::spawn_at("2026-03-02T10:00:00Z".parse().unwrap()).await;
    let (_, agent) = t.user("agnes", "agent", None).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live"}),
        )
        .await
        .id();
    let url = format!("/api/v1/services/{service}/outages");

    for (body, field) in [
        (
            json!({"start": "2026-03-02T09:00:00Z", "end": "2026-03-02T08:00:00Z", "kind": "unplanned"}),
            "end",
        ),
        (
            json!({"start": "2026-03-03T09:00:00Z", "kind": "unplanned"}),
            "start",
        ),
        (json!({"start": "soon", "kind": "planned"}), "start"),
        (
            json!({"start": "2026-03-02T09:00:00Z", "kind": "unplanned", "incident_id": 999}),
            "incident_id",
        ),
    ] {
        let r = t.post(&url, &agent, body).await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    assert_eq!(
        t.get(&url, &t.admin).await.body,
        json!([]),
        "nothing refused was stored"
    );

    // An open outage, recorded by an agent, closed later.
    let open = t
        .post(
            &url,
            &agent,
            json!({"start": "2026-03-02T09:00:00Z", "kind": "unplanned", "note": "queue stuck"}),
        )
        .await;
    assert_eq!(open.status, 201, "{}", open.body);
    assert_eq!(open.body["end"], Value::Null);
    let id = open.id();
    let closed = t
        .patch(
            &format!("{url}/{id}"),
            &agent,
            json!({"end": "2026-03-02T09:40:00Z"}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["end"], "2026-03-02T09:40:00Z");
    let backwards = t
        .patch(
            &format!("{url}/{id}"),
            &agent,
            json!({"end": "2026-03-02T08:00:00Z"}),
        )
        .await;
    assert_eq!(backwards.status, 422);
    assert_eq!(
        t.get(&format!("{url}/{id}"), &agent).await.body["end"],
        "2026-03-02T09:40:00Z"
    );

    // Maintenance is planned ahead.
    let planned = outage(
        &t,
        service,
        json!({"start": "2026-03-07T22:00:00Z", "end": "2026-03-08T02:00:00Z", "kind": "planned"}),
    )
    .await;
    let listed = t.get(&url, &agent).await.body;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    let window = t
        .get(
            &format!("{url}?from=2026-03-05T00:00:00Z&to=2026-03-10T00:00:00Z"),
            &agent,
        )
        .await
        .body;
    assert_eq!(window.as_array().unwrap().len(), 1);
    assert_eq!(window[0]["id"], planned["id"]);

    // Deleting is for those who manage services; it is audited.
    assert_eq!(t.delete(&format!("{url}/{id}"), &agent).await.status, 403);
    let before = t.audit_count().await;
    assert_eq!(t.delete(&format!("{url}/{id}"), &t.admin).await.status, 204);
    assert_eq!(t.audit_count().await, before + 1);
    assert_eq!(t.get(&format!("{url}/{id}"), &t.admin).await.status, 404);
    assert_eq!(
        t.get("/api/v1/services/9999/outages", &t.admin)
            .await
            .status,
        404
    );
}

#[tokio::test]
async fn availability_counts_overlaps_once_keeps_maintenance_out_and_clips_to_the_period() {
    // The service is recorded on 1 February, measured from then.
    let (t, clock) = TestApp::spawn_at("2026-02-01T00:00:00Z".parse().unwrap()).await;
    let service = live_service(&t, "Mail", 99.5).await;
    clock.set("2026-03-20T12:00:00Z".parse().unwrap());
    // Around the clock, 1–11 March: 240 h agreed less 2 h of maintenance.
    for (start, end, kind) in [
        ("2026-03-02T00:00:00Z", "2026-03-02T02:00:00Z", "unplanned"),
        ("2026-03-02T01:00:00Z", "2026-03-02T03:00:00Z", "unplanned"),
        ("2026-03-02T02:30:00Z", "2026-03-02T04:30:00Z", "planned"),
        // Half inside the period.
        ("2026-03-10T23:00:00Z", "2026-03-11T01:00:00Z", "unplanned"),
    ] {
        outage(
            &t,
            service,
            json!({"start": start, "end": end, "kind": kind}),
        )
        .await;
    }
    let a = availability(&t, service, "2026-03-01T00:00:00Z", "2026-03-11T00:00:00Z").await;
    assert_eq!(a["agreed_seconds"], 240 * 3600 - 2 * 3600);
    assert_eq!(a["downtime_seconds"], 2 * 3600 + 1800 + 3600);
    // Two interruptions: the overlapping records are one.
    assert_eq!(a["outage_count"], 2);
    assert_eq!(a["availability_percent"], 98.5294);
    assert_eq!(a["target_percent"], 99.5);
    assert_eq!(a["met"], false);
    assert_eq!(a["mtrs_seconds"], (2 * 3600 + 1800 + 3600) / 2);
    assert_eq!(a["outages"].as_array().unwrap().len(), 4);

    // An open outage counts up to now (12:00), not to the end of the period.
    outage(
        &t,
        service,
        json!({"start": "2026-03-20T11:00:00Z", "kind": "unplanned"}),
    )
    .await;
    let today = availability(&t, service, "2026-03-20T00:00:00Z", "2026-03-21T00:00:00Z").await;
    assert_eq!(today["downtime_seconds"], 3600);
    assert_eq!(today["agreed_seconds"], 86400);

    // Bad periods are refused by name.
    let r = t
        .get(
            &format!("/api/v1/services/{service}/availability?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 422, "{}", r.body);
    let r = t
        .get(
            &format!("/api/v1/services/{service}/availability?to=2026-03-01T00:00:00Z"),
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(r.body["field"], "from");
}

#[tokio::test]
async fn availability_follows_the_service_hours_across_dst_and_holidays() {
    let (t, clock) = TestApp::spawn_at("2026-03-01T00:00:00Z".parse().unwrap()).await;
    let calendar = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "Berlin office", "time_zone": "Europe/Berlin",
                   "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]],
                             "wed": [["09:00", "17:00"]], "thu": [["09:00", "17:00"]],
                             "fri": [["09:00", "17:00"]]},
                   "holidays": ["2026-03-30"]}),
        )
        .await;
    assert_eq!(calendar.status, 201, "{}", calendar.body);
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll", "status": "live", "availability_target_percent": 99.0,
                   "service_hours_calendar_id": calendar.id()}),
        )
        .await;
    assert_eq!(service.status, 201, "{}", service.body);
    let service = service.id();
    clock.set("2026-04-02T00:00:00Z".parse().unwrap());
    // Fri 27 March 16:00–19:00 CET: one hour inside the hours. Mon 30 (a holiday) through
    // Tue 31 10:00 CEST, after the change to summer time: one hour.
    outage(&t, service, json!({"start": "2026-03-27T15:00:00Z", "end": "2026-03-27T18:00:00Z", "kind": "unplanned"})).await;
    outage(&t, service, json!({"start": "2026-03-29T22:00:00Z", "end": "2026-03-31T08:00:00Z", "kind": "unplanned"})).await;
    let a = availability(&t, service, "2026-03-27T00:00:00Z", "2026-04-01T00:00:00Z").await;
    assert_eq!(a["agreed_seconds"], 2 * 8 * 3600, "Friday and Tuesday");
    assert_eq!(a["downtime_seconds"], 2 * 3600);
    assert_eq!(a["availability_percent"], 87.5);
    assert_eq!(a["met"], false);

    // A weekend has no agreed time: no percentage, and the reason.
    let weekend = availability(&t, service, "2026-03-28T00:00:00Z", "2026-03-29T22:00:00Z").await;
    assert_eq!(weekend["agreed_seconds"], 0);
    assert_eq!(weekend["availability_percent"], Value::Null);
    assert_eq!(weekend["met"], Value::Null);
    assert!(
        weekend["reason"]
            .as_str()
            .unwrap()
            .contains("service hours")
    );
}

#[tokio::test]
async fn the_public_status_page_shows_state_and_availability_and_nothing_internal() {
    let (t, _clock) = TestApp::spawn_at("2026-03-10T12:00:00Z".parse().unwrap()).await;
    let org = t.create_org("Secret Customer Corp").await;
    let (_, agent) = t.user("internal.agent", "agent", None).await;
    let public = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live", "customer_ids": [org],
                   "description": "runs on host mx-internal-7", "on_status_page": true}),
        )
        .await;
    assert_eq!(public.status, 201, "{}", public.body);
    let public = public.id();
    let hidden = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll backend", "status": "live"}),
        )
        .await
        .id();
    let incident = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "CEO mailbox unreadable", "impact": "high", "urgency": "high",
                   "service_id": public, "organization_id": org}),
        )
        .await
        .id();
    outage(
        &t,
        public,
        json!({"start": "2026-03-10T11:00:00Z", "kind": "unplanned", "incident_id": incident,
               "note": "root password leaked on wiki"}),
    )
    .await;
    outage(
        &t,
        public,
        json!({"start": "2026-03-09T00:00:00Z", "end": "2026-03-09T02:24:00Z", "kind": "unplanned"}),
    )
    .await;
    outage(
        &t,
        public,
        json!({"start": "2026-03-20T22:00:00Z", "end": "2026-03-21T02:00:00Z", "kind": "planned"}),
    )
    .await;
    outage(
        &t,
        hidden,
        json!({"start": "2026-03-10T10:00:00Z", "kind": "unplanned"}),
    )
    .await;

    // No sign-in needed.
    let json = t
        .send(reqwest::Method::GET, "/status.json", None, None)
        .await;
    assert_eq!(json.status, 200, "{}", json.body);
    let services = json.body["services"].as_array().unwrap();
    assert_eq!(
        services.len(),
        1,
        "only services marked for the page: {}",
        json.body
    );
    let mail = &services[0];
    assert_eq!(mail["name"], "Mail");
    assert_eq!(mail["state"], "outage");
    assert_eq!(mail["open_outages"][0]["start"], "2026-03-10T11:00:00Z");
    assert_eq!(mail["maintenance"].as_array().unwrap().len(), 1);
    let days = mail["days"].as_array().unwrap();
    assert_eq!(days.len(), 90);
    assert_eq!(
        days[88],
        json!({"date": "2026-03-09", "availability_percent": 90.0})
    );
    assert_eq!(days[89]["date"], "2026-03-10");

    let page = t.send(reqwest::Method::GET, "/status", None, None).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap_or_default().to_owned();
    assert!(html.contains("Mail") && html.contains("Outage"), "{html}");
    for secret in [
        "Secret Customer Corp",
        "mx-internal-7",
        "CEO mailbox",
        "INC-",
        "root password",
        "internal.agent",
        "Payroll backend",
    ] {
        assert!(
            !json.body.to_string().contains(secret),
            "JSON leaks {secret}"
        );
        assert!(!html.contains(secret), "page leaks {secret}");
    }
    assert!(!json.body.to_string().contains("\"incident_id\""));
}

#[tokio::test]
async fn a_major_incident_opens_an_outage_and_resolving_it_ends_the_outage() {
    let (t, clock) = TestApp::spawn_at("2026-03-02T09:00:00Z".parse().unwrap()).await;
    let (agent_id, agent) = t.user("agnes", "agent", None).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live"}),
        )
        .await
        .id();
    let incident = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Mail down", "impact": "high", "urgency": "high", "service_id": service}),
        )
        .await
        .id();
    clock.set("2026-03-02T09:10:00Z".parse().unwrap());
    let r = t
        .post(
            &format!("/api/v1/incidents/{incident}/major"),
            &agent,
            json!({"owner_id": agent_id}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let url = format!("/api/v1/services/{service}/outages");
    let open = t.get(&url, &agent).await.body;
    assert_eq!(open.as_array().unwrap().len(), 1, "{open}");
    assert_eq!(open[0]["start"], "2026-03-02T09:10:00Z");
    assert_eq!(open[0]["end"], Value::Null);
    assert_eq!(open[0]["incident_id"], incident);

    clock.set("2026-03-02T10:40:00Z".parse().unwrap());
    let r = t
        .post(
            &format!("/api/v1/incidents/{incident}/transition"),
            &agent,
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .post(
            &format!("/api/v1/incidents/{incident}/transition"),
            &agent,
            json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Queue restarted"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let closed = t.get(&url, &agent).await.body;
    assert_eq!(closed[0]["end"], "2026-03-02T10:40:00Z");
    let a = availability(&t, service, "2026-03-02T00:00:00Z", "2026-03-03T00:00:00Z").await;
    assert_eq!(a["downtime_seconds"], 90 * 60);

    // Switched off, a major incident opens no outage.
    let off = t
        .send(
            reqwest::Method::PUT,
            "/api/v1/settings/assurance",
            Some(&t.admin),
            Some(json!({"major_incident_opens_outage": false})),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    let second = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Mail slow", "impact": "high", "urgency": "high", "service_id": service}),
        )
        .await
        .id();
    t.post(
        &format!("/api/v1/incidents/{second}/major"),
        &agent,
        json!({"owner_id": agent_id}),
    )
    .await;
    assert_eq!(t.get(&url, &agent).await.body.as_array().unwrap().len(), 1);
    assert_eq!(
        t.send(
            reqwest::Method::PUT,
            "/api/v1/settings/assurance",
            Some(&agent),
            Some(json!({"major_incident_opens_outage": true}))
        )
        .await
        .status,
        403
    );
}

#[tokio::test]
async fn the_availability_report_lists_each_live_service_against_its_target() {
    let (t, clock) = TestApp::spawn_at("2026-02-01T00:00:00Z".parse().unwrap()).await;
    let mail = live_service(&t, "Mail", 99.9).await;
    let files = live_service(&t, "Files", 99.0).await;
    t.post(
        "/api/v1/services",
        &t.admin,
        json!({"name": "Old fax", "status": "retired"}),
    )
    .await;
    clock.set("2026-04-01T00:00:00Z".parse().unwrap());
    // March has 744 hours; Mail loses 3 hours, Files one.
    outage(&t, mail, json!({"start": "2026-03-10T10:00:00Z", "end": "2026-03-10T13:00:00Z", "kind": "unplanned"})).await;
    outage(&t, files, json!({"start": "2026-03-11T10:00:00Z", "end": "2026-03-11T11:00:00Z", "kind": "unplanned"})).await;
    // February: Mail lost one hour.
    outage(&t, mail, json!({"start": "2026-02-10T10:00:00Z", "end": "2026-02-10T11:00:00Z", "kind": "unplanned"})).await;

    let r = t
        .get(
            "/api/v1/reports/availability?from=2026-03-01&to=2026-04-01",
            &t.admin,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let rows = r.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "live services only: {}", r.body);
    let row = |name: &str| rows.iter().find(|row| row[0] == name).unwrap().clone();
    let m = row("Mail");
    assert_eq!(m[1], 744.0);
    assert_eq!(m[2], 3.0);
    assert_eq!(m[3], 0.74, "99.9 % of 744 h leaves 0.744 h");
    assert_eq!(m[4], 99.5968);
    assert_eq!(m[6], "missed");
    let f = row("Files");
    assert_eq!(f[4], 99.8656);
    assert_eq!(f[6], "met");
    let figure = |key: &str| {
        r.body["summary"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["key"] == key)
            .unwrap()
            .clone()
    };
    assert_eq!(figure("downtime")["value"], 4.0);
    assert_eq!(figure("downtime")["previous"], 1.0);
    assert_eq!(figure("meeting_target")["value"], 1.0);
    // (2 × 744 − 4) / (2 × 744)
    assert_eq!(figure("availability")["value"], 99.7312);
    let csv = t
        .get(
            "/api/v1/reports/availability?from=2026-03-01&to=2026-04-01&format=csv",
            &t.admin,
        )
        .await;
    assert_eq!(csv.status, 200);
}

#[tokio::test]
async fn a_month_that_missed_its_target_is_investigated_once() {
    let (t, clock) = TestApp::spawn_at("2026-02-01T00:00:00Z".parse().unwrap()).await;
    let (owner, agent) = t.user("agnes", "agent", None).await;
    let service = live_service(&t, "Mail", 99.9).await;
    clock.set("2026-04-02T00:00:00Z".parse().unwrap());
    outage(&t, service, json!({"start": "2026-03-10T10:00:00Z", "end": "2026-03-10T13:00:00Z", "kind": "unplanned"})).await;
    let url = format!("/api/v1/services/{service}/investigations");

    let met = t
        .post(&url, &agent, json!({"month": "2026-02", "owner_id": owner}))
        .await;
    assert_eq!(met.status, 422, "{}", met.body);
    assert_eq!(met.body["errors"][0]["field"], "month");
    assert!(
        met.body["detail"]
            .as_str()
            .unwrap()
            .contains("met its target"),
        "{}",
        met.body
    );
    let bad = t
        .post(&url, &agent, json!({"month": "March", "owner_id": owner}))
        .await;
    assert_eq!(bad.status, 422);

    let opened = t
        .post(
            &url,
            &agent,
            json!({"month": "2026-03", "owner_id": owner, "actions": "Review the failover"}),
        )
        .await;
    assert_eq!(opened.status, 201, "{}", opened.body);
    assert_eq!(opened.body["status"], "open");
    let again = t
        .post(&url, &agent, json!({"month": "2026-03", "owner_id": owner}))
        .await;
    assert_eq!(again.status, 409, "{}", again.body);

    let id = opened.id();
    let early = t
        .patch(&format!("{url}/{id}"), &agent, json!({"status": "closed"}))
        .await;
    assert_eq!(early.status, 422, "closing needs findings: {}", early.body);
    let closed = t
        .patch(
            &format!("{url}/{id}"),
            &agent,
            json!({"status": "closed", "findings": "The database failover took three hours"}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.body["status"], "closed");
    assert_eq!(t.get(&url, &agent).await.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_weekly_maintenance_window_repeats_in_local_time_and_its_rest_can_be_cancelled() {
    let (t, _clock) = TestApp::spawn_at("2026-03-01T00:00:00Z".parse().unwrap()).await;
    let calendar = t
        .post(
            "/api/v1/calendars",
            &t.admin,
            json!({"name": "Berlin office", "time_zone": "Europe/Berlin",
                   "hours": {"mon": [["08:00", "18:00"]], "tue": [["08:00", "18:00"]],
                             "wed": [["08:00", "18:00"]], "thu": [["08:00", "18:00"]],
                             "fri": [["08:00", "18:00"]]}}),
        )
        .await
        .id();
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Payroll", "status": "live", "availability_target_percent": 99.0,
                   "service_hours_calendar_id": calendar}),
        )
        .await
        .id();
    let url = format!("/api/v1/services/{service}/outages");
    // Refused: an unplanned outage does not repeat, nor does a window without an end.
    for body in [
        json!({"start": "2026-02-27T07:00:00Z", "end": "2026-02-27T08:00:00Z", "kind": "unplanned", "repeat_weekly_until": "2026-04-30"}),
        json!({"start": "2026-03-06T07:00:00Z", "kind": "planned", "repeat_weekly_until": "2026-04-30"}),
        json!({"start": "2026-03-06T07:00:00Z", "end": "2026-03-06T08:00:00Z", "kind": "planned", "repeat_weekly_until": "April"}),
    ] {
        let r = t.post(&url, &t.admin, body).await;
        assert_eq!(r.problem(422)["errors"][0]["field"], "repeat_weekly_until");
    }
    // Fridays 08:00–09:00 Berlin time, from 6 March (CET) to 10 April (CEST).
    let before = t.audit_count().await;
    let first = outage(
        &t,
        service,
        json!({"start": "2026-03-06T07:00:00Z", "end": "2026-03-06T08:00:00Z", "kind": "planned",
               "note": "Weekly patching", "repeat_weekly_until": "2026-04-10"}),
    )
    .await;
    assert_eq!(first["series_id"], first["id"]);
    assert_eq!(t.audit_count().await, before + 6, "each window is audited");
    let all = t.get(&url, &t.admin).await.body;
    let starts: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["start"].as_str().unwrap())
        .collect();
    assert_eq!(
        starts,
        [
            "2026-03-06T07:00:00Z",
            "2026-03-13T07:00:00Z",
            "2026-03-20T07:00:00Z",
            "2026-03-27T07:00:00Z",
            // Summer time from 29 March: 08:00 Berlin is 06:00 UTC.
            "2026-04-03T06:00:00Z",
            "2026-04-10T06:00:00Z",
        ]
    );
    // Maintenance is not agreed time: the week of 30 March has 50 h less 1 h.
    let a = availability(&t, service, "2026-03-30T00:00:00Z", "2026-04-04T00:00:00Z").await;
    assert_eq!(a["agreed_seconds"], 49 * 3600, "{a}");
    // Cancelling the rest of the schedule from 27 March keeps the earlier windows.
    let third_from_last = all[3]["id"].as_i64().unwrap();
    let r = t
        .delete(&format!("{url}/{third_from_last}?following=true"), &t.admin)
        .await;
    assert_eq!(r.status, 204);
    let left = t.get(&url, &t.admin).await.body;
    assert_eq!(left.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn availability_per_customer_and_per_month_with_the_trend() {
    let (t, clock) = TestApp::spawn_at("2026-01-01T00:00:00Z".parse().unwrap()).await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let service = |name: &'static str, target: f64, customers: Vec<i64>| {
        let t = &t;
        async move {
            t.post(
                "/api/v1/services",
                &t.admin,
                json!({"name": name, "status": "live", "availability_target_percent": target,
                       "customer_ids": customers}),
            )
            .await
            .id()
        }
    };
    let mail = service("Mail", 99.9, vec![acme]).await;
    let files = service("Files", 99.0, vec![acme, globex]).await;
    clock.set("2026-04-01T00:00:00Z".parse().unwrap());
    outage(&t, mail, json!({"start": "2026-02-10T10:00:00Z", "end": "2026-02-10T11:00:00Z", "kind": "unplanned"})).await;
    outage(&t, mail, json!({"start": "2026-03-10T10:00:00Z", "end": "2026-03-10T13:00:00Z", "kind": "unplanned"})).await;
    outage(&t, files, json!({"start": "2026-03-11T10:00:00Z", "end": "2026-03-11T11:00:00Z", "kind": "unplanned"})).await;
    let report = |query: &'static str| {
        let t = &t;
        async move {
            let r = t
                .get(&format!("/api/v1/reports/availability?{query}"), &t.admin)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
            r.body
        }
    };

    // Per month: each month against the month before (January had no outage).
    let months = report("from=2026-02-01&to=2026-04-01&by=month").await;
    let rows = months["rows"].as_array().unwrap();
    let keys: Vec<&str> = months["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys[0], "month");
    assert_eq!(rows.len(), 2, "{months}");
    // February: 2 × 672 h agreed, 1 h down.
    assert_eq!(rows[0][0], "2026-02");
    assert_eq!((&rows[0][1], &rows[0][2]), (&json!(1344.0), &json!(1.0)));
    assert_eq!(rows[0][3], 99.9256);
    assert_eq!((&rows[0][6], &rows[0][7]), (&json!(100.0), &json!(-0.0744)));
    // March: 2 × 744 h, 4 h down, Files met its target and Mail did not.
    assert_eq!(rows[1][0], "2026-03");
    assert_eq!(rows[1][3], 99.7312);
    assert_eq!(rows[1][4], "1 of 2");
    assert_eq!(
        (&rows[1][6], &rows[1][7]),
        (&json!(99.9256), &json!(-0.1944))
    );

    // Per customer, over the services delivered to each, against the 31 days before March
    // (29 January to 1 March: 1,488 h agreed, 1 h down).
    let customers = report("from=2026-03-01&to=2026-04-01&by=customer").await;
    let rows = customers["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{customers}");
    assert_eq!(rows[0][0], "Acme");
    assert_eq!(rows[0][1], 2);
    assert_eq!(rows[0][4], 99.7312);
    assert_eq!(rows[0][5], "1 of 2");
    assert_eq!(
        (&rows[0][7], &rows[0][8]),
        (&json!(99.9328), &json!(-0.2016))
    );
    assert_eq!(rows[1][0], "Globex");
    assert_eq!((&rows[1][1], &rows[1][4]), (&json!(1), &json!(99.8656)));
    assert_eq!((&rows[1][7], &rows[1][8]), (&json!(100.0), &json!(-0.1344)));
    // One customer alone.
    let one = t
        .get(
            &format!("/api/v1/reports/availability?from=2026-03-01&to=2026-04-01&by=customer&organization_id={globex}"),
            &t.admin,
        )
        .await;
    assert_eq!(
        one.body["rows"].as_array().unwrap().len(),
        1,
        "{}",
        one.body
    );
    // Per service, with each service's own trend.
    let services = report("from=2026-03-01&to=2026-04-01").await;
    let mail_row = services["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r[0] == "Mail")
        .unwrap()
        .clone();
    // The 31 days before, for Mail alone: (744 − 1) / 744.
    assert_eq!(mail_row[9], 99.8656);
    assert_eq!(mail_row[10], -0.2688);
    // A breakdown the report does not offer names the parameter.
    let bad = t
        .get("/api/v1/reports/availability?by=priority", &t.admin)
        .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    assert_eq!(bad.body["errors"][0]["field"], "by");
}
