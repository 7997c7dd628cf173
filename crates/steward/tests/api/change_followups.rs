//! What follows a change (8.5.1.3, 9.4): the planned outage a change opens on start and ends
//! on completion, incidents linked to the change that caused them by number and shown on both
//! records, and the `changes` report (success rate, emergency share, changes causing
//! incidents, lead time, per bucket and against the previous period; JSON, CSV, HTML,
//! snapshots).
use crate::support::{TestApp, report_figure};
use serde_json::{Value, json};

async fn service(t: &TestApp, name: &str) -> i64 {
    let r = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": name, "status": "live"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

/// A normal change ready to submit (low risk: no approval under the default policy).
async fn change(t: &TestApp, extra: Value) -> Value {
    let mut body = json!({"change_type": "normal", "title": "Patch the mail relay",
        "implementation_plan": "Patch", "test_plan": "Send mail", "backout_plan": "Revert",
        "planned_start": "2026-06-01T20:00:00Z", "planned_end": "2026-06-01T22:00:00Z",
        "risk_answers": [{"question": "tested", "answer": 0},
                         {"question": "backout", "answer": 0},
                         {"question": "users", "answer": 0}]});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let r = t.post("/api/v1/changes", &t.admin, body).await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.body
}

async fn step(t: &TestApp, id: i64, action: &str, body: Value) -> Value {
    let r = t
        .post(&format!("/api/v1/changes/{id}/{action}"), &t.admin, body)
        .await;
    assert_eq!(r.status, 200, "{action}: {}", r.body);
    r.body
}

/// Draft → implementing.
async fn start(t: &TestApp, id: i64) -> Value {
    start_with(t, id, json!({})).await
}

/// Draft → implementing, scheduled with `schedule` (e.g. an override reason).
async fn start_with(t: &TestApp, id: i64, schedule: Value) -> Value {
    step(t, id, "submit", json!({})).await;
    let c = step(t, id, "assess", json!({})).await;
    assert_eq!(c["status"], "authorized", "{c}");
    step(t, id, "schedule", schedule).await;
    step(t, id, "start", json!({})).await
}

#[tokio::test]
async fn a_change_opens_a_planned_outage_on_start_and_ends_it_on_completion() {
    let t = TestApp::spawn().await;
    let mail = service(&t, "Mail").await;
    let web = service(&t, "Web").await;
    let c = change(
        &t,
        json!({"service_ids": [mail, web], "planned_outage": true}),
    )
    .await;
    assert_eq!(c["planned_outage"], true);
    let id = c["id"].as_i64().unwrap();
    let audit_before = t.audit_count().await;
    let started = start(&t, id).await;
    let outages = started["outage_ids"].as_array().unwrap().clone();
    assert_eq!(outages.len(), 2, "{started}");
    let list = t
        .get(&format!("/api/v1/services/{mail}/outages"), &t.admin)
        .await;
    let open = &list.body[0];
    assert_eq!(open["kind"], "planned", "{}", list.body);
    assert!(open["end"].is_null(), "open while implementing");
    assert!(
        open["note"]
            .as_str()
            .unwrap()
            .contains(c["number"].as_str().unwrap()),
        "{open}"
    );
    // Each outage is audited in the start's transaction: the change and two outages.
    assert!(t.audit_count().await >= audit_before + 5);

    let done = step(&t, id, "complete", json!({"outcome": "successful"})).await;
    assert_eq!(done["status"], "review");
    for s in [mail, web] {
        let list = t
            .get(&format!("/api/v1/services/{s}/outages"), &t.admin)
            .await;
        let o = &list.body[0];
        assert_eq!(o["end"], done["completed_at"], "{o}");
    }
    let audit = t
        .get(
            &format!("/api/v1/audit?record_type=outage&record_id={}", outages[0]),
            &t.admin,
        )
        .await;
    let actions: Vec<&str> = audit.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.contains(&"create") && actions.contains(&"update"),
        "{actions:?}"
    );

    // Without the setting, starting opens nothing.
    let quiet = change(&t, json!({"service_ids": [mail]})).await;
    let started = start(&t, quiet["id"].as_i64().unwrap()).await;
    assert_eq!(started["outage_ids"], json!([]));
    let list = t
        .get(&format!("/api/v1/services/{mail}/outages"), &t.admin)
        .await;
    assert_eq!(list.body.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn incidents_link_to_their_change_by_number_and_show_it() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let (_, customer) = t.user("cara", "customer", Some(org)).await;
    let c = change(&t, json!({})).await;
    let id = c["id"].as_i64().unwrap();
    let inc = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Mail bounces", "urgency": "high"}),
        )
        .await;
    assert_eq!(inc.status, 201, "{}", inc.body);
    let number = inc.body["number"].as_str().unwrap().to_owned();

    // By number, as the screen's search offers it ("INC-000001 — title" works too).
    let linked = step(
        &t,
        id,
        "incidents",
        json!({"incident_number": format!("{number} — Mail bounces")}),
    )
    .await;
    assert_eq!(linked["caused_incidents"][0]["number"], number.as_str());
    assert_eq!(linked["caused_incidents"][0]["title"], "Mail bounces");
    assert_eq!(linked["caused_incident_ids"], json!([inc.id()]));
    // Unknown and malformed numbers, and neither or both, are named.
    for (body, field) in [
        (json!({"incident_number": "INC-999999"}), "incident_number"),
        (json!({"incident_number": "yesterday"}), "incident_number"),
        (json!({}), "incident_number"),
        (
            json!({"incident_id": inc.id(), "incident_number": number}),
            "incident_number",
        ),
    ] {
        let r = t
            .post(&format!("/api/v1/changes/{id}/incidents"), &t.admin, body)
            .await;
        assert_eq!(r.problem(422)["field"], field, "{}", r.body);
    }

    // The incident shows the change to staff, not to the customer.
    let seen = t
        .get(&format!("/api/v1/incidents/{}", inc.id()), &t.admin)
        .await;
    assert_eq!(seen.body["caused_by_change"]["id"], id, "{}", seen.body);
    assert_eq!(seen.body["caused_by_change"]["number"], c["number"]);
    let own = t
        .get(&format!("/api/v1/incidents/{}", inc.id()), &customer)
        .await;
    assert_eq!(own.status, 200);
    assert!(own.body.get("caused_by_change").is_none(), "{}", own.body);

    // The screens: the incident links to the change, the change to the incident by number.
    use crate::support::ADMIN_PASSWORD;
    use crate::ui::Browser;
    let mut b = Browser::new(&t);
    b.login("admin", ADMIN_PASSWORD).await;
    let page = b.get(&format!("/incidents/{}", inc.id())).await;
    assert!(
        page.body
            .contains(&format!("href=\"/manage/changes/{id}/view\"")),
        "{}",
        page.body
    );
    let page = b.get(&format!("/manage/changes/{id}/view")).await;
    assert!(page.body.contains(&number), "{}", page.body);
    assert!(page.body.contains("<datalist"), "a search of incidents");
}

#[tokio::test]
async fn the_changes_report_counts_success_emergencies_incidents_and_lead_time() {
    let (t, clock) = TestApp::spawn_at("2026-03-02T09:00:00Z".parse().unwrap()).await;
    let at = |s: &str| clock.set(s.parse().unwrap());
    let mail = service(&t, "Mail").await;
    let other = service(&t, "Web").await;

    // February (the previous period): one change, successful, raised and done the same day.
    at("2026-02-10T09:00:00Z");
    let feb = change(&t, json!({"service_ids": [mail]})).await;
    start(&t, feb["id"].as_i64().unwrap()).await;
    at("2026-02-10T21:00:00Z");
    step(
        &t,
        feb["id"].as_i64().unwrap(),
        "complete",
        json!({"outcome": "successful"}),
    )
    .await;

    // March: three implemented (successful after 2 days, failed after 4 days, backed out
    // after 6 days), one emergency change raised, the failed one caused an incident.
    let mut ids = Vec::new();
    for day in ["02", "03", "04"] {
        at(&format!("2026-03-{day}T09:00:00Z"));
        let c = change(&t, json!({"service_ids": [mail]})).await;
        let id = c["id"].as_i64().unwrap();
        // The test's changes share one planned window on Mail: a same-CI conflict each.
        let over = json!({"override_reason": "the report test reuses one window"});
        start_with(&t, id, over).await;
        ids.push(id);
    }
    at("2026-03-04T09:00:00Z");
    step(&t, ids[0], "complete", json!({"outcome": "successful"})).await;
    at("2026-03-04T10:00:00Z");
    let r = t
        .post(
            "/api/v1/changes",
            &t.admin,
            json!({"change_type": "emergency", "title": "Block the worm"}),
        )
        .await;
    assert_eq!(r.status, 201);
    at("2026-03-07T09:00:00Z");
    step(&t, ids[1], "complete", json!({"outcome": "failed"})).await;
    at("2026-03-10T09:00:00Z");
    step(&t, ids[2], "complete", json!({"outcome": "backed_out"})).await;
    let inc = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Mail down", "impact": "high", "urgency": "high"}),
        )
        .await;
    step(&t, ids[1], "incidents", json!({"incident_id": inc.id()})).await;
    // A change on another service does not count when the report is for Mail.
    at("2026-03-11T09:00:00Z");
    let web = change(&t, json!({"service_ids": [other]})).await;
    start(&t, web["id"].as_i64().unwrap()).await;
    step(
        &t,
        web["id"].as_i64().unwrap(),
        "complete",
        json!({"outcome": "successful"}),
    )
    .await;

    let q = format!("from=2026-03-01&to=2026-03-29&grouping=week&service_id={mail}");
    let r = t
        .get(&format!("/api/v1/reports/changes?{q}"), &t.admin)
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let report = &r.body;
    assert_eq!(report["name"], "changes");
    assert_eq!(report_figure(report, "completed"), 3.0);
    assert!((report_figure(report, "success_percent") - 33.33).abs() < 0.01);
    assert_eq!(report_figure(report, "causing_incidents"), 1.0);
    // The emergency change lists no service: for Mail three were raised, none emergency.
    assert_eq!(report_figure(report, "emergency_percent"), 0.0);
    assert_eq!(report_figure(report, "lead_time_median_days"), 4.0);
    let prev = report["summary"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["key"] == "success_percent")
        .unwrap()["previous"]
        .clone();
    assert_eq!(prev, json!(100.0), "the previous period: February");
    // Weekly buckets from Monday (1 March is a Sunday): the week of 2 March had two
    // implemented, one successful; that of 9 March one backed out.
    let rows = report["rows"].as_array().unwrap();
    assert_eq!(rows[0][0], "2026-02-23", "{}", report["rows"]);
    assert_eq!(rows[1][0], "2026-03-02");
    assert_eq!(
        (rows[1][1].clone(), rows[1][2].clone()),
        (json!(2), json!(1))
    );
    assert_eq!(rows[2][4], json!(1), "{}", report["rows"]);

    // Without the filter the emergency change counts among those raised.
    let r = t
        .get(
            "/api/v1/reports/changes?from=2026-03-01&to=2026-03-29",
            &t.admin,
        )
        .await;
    assert_eq!(report_figure(&r.body, "completed"), 4.0);
    assert_eq!(report_figure(&r.body, "emergency_percent"), 20.0);

    // CSV and HTML like the other reports.
    let csv = t
        .get(&format!("/api/v1/reports/changes?{q}&format=csv"), &t.admin)
        .await;
    assert_eq!(csv.status, 200);
    assert!(
        csv.content_type().starts_with("text/csv"),
        "{}",
        csv.content_type()
    );
    let html = t
        .get(
            &format!("/api/v1/reports/changes?{q}&format=html"),
            &t.admin,
        )
        .await;
    assert_eq!(html.status, 200);
    assert!(html.content_type().starts_with("text/html"));

    // A report definition may hold it, and its snapshot does.
    let d = t
        .post(
            "/api/v1/report-definitions",
            &t.admin,
            json!({"name": "Change review", "audience": "CAB", "reports": ["changes"],
                   "cadence": "monthly"}),
        )
        .await;
    assert_eq!(d.status, 201, "{}", d.body);
    at("2026-04-02T09:00:00Z");
    let run = t
        .post(
            &format!("/api/v1/report-definitions/{}/run", d.id()),
            &t.admin,
            json!({}),
        )
        .await;
    assert_eq!(run.status, 201, "{}", run.body);
    let stored = &run.body["content"]["reports"][0];
    assert_eq!(stored["name"], "changes");
    assert_eq!(report_figure(stored, "completed"), 4.0);
}
