//! OLAs and underpinning contracts on the SLA clock engine, with the service desk's clock
//! set by the test: an OLA's clocks run per stint while its team holds a ticket (a new stint
//! each time it comes back), pause as the OLA says, keep paused time across a change of the
//! OLA, warn and breach once (also with two nodes scanning) and count in its compliance; a
//! contract's clocks run while the ticket is engaged with its supplier.
use crate::support::{TestApp, at, postgres_url, ts};
use jiff::SignedDuration;
use serde_json::{Value, json};
use steward_app::{Clock, Settings};

fn fields(problem: &Value) -> Vec<String> {
    problem["errors"]
        .as_array()
        .map(|errors| {
            errors
                .iter()
                .map(|e| e["field"].as_str().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_else(|| vec![problem["field"].as_str().unwrap_or_default().to_owned()])
}

fn ola_body(team: i64, agreement: i64, resolution_seconds: i64, manager: i64) -> Value {
    json!({
        "name": "Network OLA", "level": "ola", "team_id": team, "agreement_id": agreement,
        "targets": {"P3": {"response_seconds": 600, "resolution_seconds": resolution_seconds}},
        "pause": [{"status": "pending", "reasons": ["customer"]}],
        "warning_percent": 50,
        "escalations": [{"on": "breach", "metric": "resolution", "action": {"do": "notify_user", "user_id": manager}}]
    })
}

#[tokio::test]
async fn ola_clocks_run_per_team_stint_pause_survive_changes_and_breach_once() {
    let start = ts("2026-03-02T08:00:00Z");
    let clock = Clock::manual(start);
    let settings = || Settings {
        clock: clock.clone(),
        ..Settings::default()
    };
    let t = TestApp::spawn_with_settings(settings()).await;
    let later = |s: i64| start + SignedDuration::from_secs(s);
    let (manager_id, manager) = t.user("mia", "manager", None).await;
    let (agent_id, agent) = t.user("arne", "agent", None).await;
    let network = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Network"}))
        .await
        .id();
    let desk = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Desk"}))
        .await
        .id();
    let agreement = t
        .post(
            "/api/v1/agreements",
            &manager,
            json!({"kind": "ola", "title": "Network OLA", "team_id": network, "status": "active"}),
        )
        .await;
    assert_eq!(agreement.status, 201, "{}", agreement.body);
    let agreement = agreement.id();
    let r = t
        .post(
            "/api/v1/slas",
            &manager,
            ola_body(network, agreement, 3600, manager_id),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let ola = r.id();
    assert_eq!(r.body["level"], "ola");
    assert_eq!(r.body["team_id"], network);
    assert_eq!(r.body["agreement_id"], agreement);
    assert!(r.body["service_id"].is_null());

    let r = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Core switch flaps", "impact": "medium", "urgency": "medium"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    let shown = |token: &str| {
        let (t, token) = (&t, token.to_owned());
        async move { t.get(&format!("/api/v1/incidents/{id}"), &token).await.body }
    };
    let assign = |body: Value| {
        let t = &t;
        async move {
            let r = t
                .post(&format!("/api/v1/incidents/{id}/assign"), &t.admin, body)
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    let go = |body: Value| {
        let t = &t;
        async move {
            let r = t
                .post(
                    &format!("/api/v1/incidents/{id}/transition"),
                    &t.admin,
                    body,
                )
                .await;
            assert_eq!(r.status, 200, "{}", r.body);
        }
    };
    assert_eq!(shown(&agent).await["agreements"], json!([]));
    assert!(
        shown(&agent).await.get("sla").is_none(),
        "no service, no SLA"
    );

    // Reaching the team starts the first stint; a person of the team taking it meets the
    // response target.
    clock.set(later(60));
    assign(json!({"team_id": network})).await;
    let s = shown(&agent).await;
    let clocks = s["agreements"].as_array().unwrap();
    assert_eq!(clocks.len(), 1, "{s}");
    assert_eq!(clocks[0]["id"], ola);
    assert_eq!(clocks[0]["name"], "Network OLA");
    assert_eq!(clocks[0]["level"], "ola");
    assert_eq!(clocks[0]["team_id"], network);
    assert_eq!(clocks[0]["agreement_id"], agreement);
    assert_eq!(clocks[0]["stint"], 1);
    assert_eq!(at(&clocks[0]["started_at"]), later(60));
    assert_eq!(clocks[0]["response"]["state"], "running");
    assert_eq!(at(&clocks[0]["response"]["due_at"]), later(660));
    assert_eq!(at(&clocks[0]["resolution"]["due_at"]), later(3660));
    clock.set(later(120));
    assign(json!({"team_id": network, "assignee_id": agent_id})).await;
    let s = shown(&agent).await;
    assert_eq!(s["agreements"][0]["response"]["state"], "met");
    assert_eq!(s["agreements"][0]["response"]["elapsed_seconds"], 60);

    // Waiting for the customer pauses the resolution clock, as the OLA says.
    clock.set(later(300));
    go(json!({"to": "in_progress"})).await;
    go(json!({"to": "pending", "reason": "customer"})).await;
    let s = shown(&agent).await;
    assert_eq!(s["agreements"][0]["resolution"]["state"], "paused", "{s}");
    assert!(s["agreements"][0]["resolution"]["due_at"].is_null());

    // A tighter OLA mid-flight: the same events, the paused time kept.
    clock.set(later(900));
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/slas/{ola}"),
            Some(&manager),
            Some(ola_body(network, agreement, 1800, manager_id)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    let s = shown(&agent).await;
    let resolution = &s["agreements"][0]["resolution"];
    assert_eq!(resolution["target_seconds"], 1800);
    assert_eq!(resolution["paused_seconds"], 600, "{resolution}");
    clock.set(later(1200));
    go(json!({"to": "in_progress"})).await;
    let s = shown(&agent).await;
    let resolution = &s["agreements"][0]["resolution"];
    assert_eq!(resolution["paused_seconds"], 900);
    assert_eq!(resolution["elapsed_seconds"], 240);
    assert_eq!(at(&resolution["due_at"]), later(1200 + 1800 - 240));

    // Handed to another team: the stint ends (met); back again: a second stint.
    clock.set(later(1300));
    assign(json!({"team_id": desk})).await;
    let s = shown(&agent).await;
    assert_eq!(s["agreements"].as_array().unwrap().len(), 1);
    assert_eq!(s["agreements"][0]["resolution"]["state"], "met");
    assert_eq!(s["agreements"][0]["resolution"]["elapsed_seconds"], 340);
    clock.set(later(1400));
    assign(json!({"team_id": network})).await;
    let s = shown(&agent).await;
    let stints = s["agreements"].as_array().unwrap();
    assert_eq!(stints.len(), 2, "{s}");
    assert_eq!(stints[1]["stint"], 2);
    assert_eq!(stints[1]["response"]["state"], "running");
    assert_eq!(at(&stints[1]["started_at"]), later(1400));

    // The clock timeline explains every agreement clock event.
    let timeline = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    let first: Vec<(String, String, String)> = timeline["agreements"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["metric"] == "resolution")
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_owned(),
                e["cause"].as_str().unwrap().to_owned(),
                e["at"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let kinds: Vec<&str> = first.iter().map(|(k, ..)| k.as_str()).collect();
    assert_eq!(
        kinds,
        ["start", "pause", "sla_changed", "resume", "stop"],
        "{first:?}"
    );
    assert_eq!(first[0].1, format!("reached team {network}"));
    assert_eq!(first[1].1, "status pending (customer)");
    assert_eq!(first[2].1, "OLA Network OLA changed (version 2)");
    assert_eq!(first[4].1, format!("reassigned to team {desk}"));
    assert!(timeline["events"].as_array().unwrap().is_empty());

    // Past both deadlines of the second stint: each warning and breach fires once, even with
    // two nodes scanning.
    assert_eq!(t.app.sla_scan("node-a").await.unwrap(), Some(0));
    clock.set(later(1400 + 1801));
    let second = match postgres_url() {
        Some(_) => Some(TestApp::spawn_with(t.database_url.clone(), settings()).await),
        None => None,
    };
    let (a, b) = tokio::join!(t.app.sla_scan("node-a"), async {
        match &second {
            Some(s) => s.app.sla_scan("node-b").await,
            None => t.app.sla_scan("node-b").await,
        }
    });
    let raised = a.unwrap().unwrap_or(0) + b.unwrap().unwrap_or(0);
    assert_eq!(
        raised, 4,
        "response and resolution: a warning and a breach each"
    );
    // Whichever node holds the scan's lease looks again: nothing more fires.
    let a = t.app.sla_scan("node-a").await.unwrap();
    let b = match &second {
        Some(s) => s.app.sla_scan("node-b").await.unwrap(),
        None => t.app.sla_scan("node-b").await.unwrap(),
    };
    assert!(a.is_some() || b.is_some(), "one node scanned");
    assert_eq!(a.unwrap_or(0) + b.unwrap_or(0), 0, "each fires once");
    let s = shown(&agent).await;
    let events: Vec<&Value> = s["timeline"].as_array().unwrap().iter().collect();
    let count = |name: &str| events.iter().filter(|e| e["event"] == name).count();
    assert_eq!((count("ola_warning"), count("ola_breach")), (2, 2));
    assert_eq!(count("sla_breach"), 0);
    let breach = events
        .iter()
        .find(|e| e["event"] == "ola_breach" && e["detail"]["metric"] == "resolution")
        .unwrap();
    assert_eq!(breach["detail"]["agreement"]["id"], ola);
    assert_eq!(breach["detail"]["agreement"]["stint"], 2);
    let mine = t.get("/api/v1/notifications", &manager).await.body;
    let mine = mine.as_array().unwrap();
    assert_eq!(mine.len(), 1, "the escalation: resolution breach only");
    assert_eq!(mine[0]["topic"], "ola_breach");
    assert!(
        mine[0]["subject"]
            .as_str()
            .unwrap()
            .contains("OLA Network OLA breached"),
        "{}",
        mine[0]["subject"]
    );

    // Resolved: the second stint ends breached; compliance counts both stints.
    clock.set(later(4000));
    go(json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "new optics"}))
        .await;
    let s = shown(&agent).await;
    assert_eq!(s["agreements"][1]["resolution"]["state"], "breached");
    let r = t
        .get(
            &format!(
                "/api/v1/slas/{ola}/compliance?from=2026-03-02T00:00:00Z&to=2026-03-03T00:00:00Z"
            ),
            &manager,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["level"], "ola");
    assert_eq!(r.body["team_id"], network);
    assert_eq!(r.body["measured"], 2);
    assert_eq!(r.body["response"]["met"], 1);
    assert_eq!(r.body["response"]["breached"], 1);
    assert_eq!(r.body["resolution"]["met"], 1);
    assert_eq!(r.body["resolution"]["breached"], 1);
    assert_eq!(r.body["resolution"]["percent"], 50.0);
    // What-if on the same stints: a longer resolution target would have met both.
    let r = t
        .post(
            &format!("/api/v1/slas/{ola}/simulate"),
            &manager,
            json!({"from": "2026-03-02T00:00:00Z", "to": "2026-03-03T00:00:00Z",
                   "targets": {"P3": {"response_seconds": 600, "resolution_seconds": 7200}}}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["records"], 2);
    assert_eq!(r.body["actual"]["resolution"]["breached"], 1);
    assert_eq!(r.body["simulated"]["resolution"]["met"], 2);
    assert_eq!(r.body["simulated"]["response"]["breached"], 1);
    let r = t
        .get(
            &format!(
                "/api/v1/slas/{ola}/compliance?from=2026-03-03T00:00:00Z&to=2026-03-04T00:00:00Z"
            ),
            &manager,
        )
        .await;
    assert_eq!(r.body["measured"], 0, "{}", r.body);
    let r = t
        .get(
            &format!(
                "/api/v1/slas/{ola}/compliance?from=2026-03-03T00:00:00Z&to=2026-03-02T00:00:00Z"
            ),
            &manager,
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["to"]);

    // Reopened while still with the team: the second stint runs on from where it stopped.
    clock.set(later(4100));
    go(json!({"to": "in_progress"})).await;
    let s = shown(&agent).await;
    let stints = s["agreements"].as_array().unwrap();
    assert_eq!(stints.len(), 2, "{s}");
    assert_eq!(stints[1]["resolution"]["state"], "breached");
    assert_eq!(stints[1]["resolution"]["elapsed_seconds"], 2600);
    assert!(
        stints[1]["resolution"]["due_at"].is_string(),
        "running again"
    );

    // The agreement it measures cannot be deleted; once terminated, no new stint starts.
    t.delete(&format!("/api/v1/agreements/{agreement}"), &manager)
        .await
        .problem(409);
    let r = t
        .patch(
            &format!("/api/v1/agreements/{agreement}"),
            &manager,
            json!({"status": "terminated"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Router down", "impact": "medium", "urgency": "medium"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let other = r.id();
    let r = t
        .post(
            &format!("/api/v1/incidents/{other}/assign"),
            &t.admin,
            json!({"team_id": network}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let other = t
        .get(&format!("/api/v1/incidents/{other}"), &agent)
        .await
        .body;
    assert_eq!(other["team_id"], network, "{other}");
    assert_eq!(other["agreements"], json!([]));
}

#[tokio::test]
async fn contract_clocks_run_while_a_supplier_holds_the_ticket_beside_the_sla() {
    let start = ts("2026-03-02T08:00:00Z");
    let (t, clock) = TestApp::spawn_at(start).await;
    let later = |s: i64| start + SignedDuration::from_secs(s);
    let (_, agent) = t.user("arne", "agent", None).await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("cleo", "customer", Some(acme)).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Hosting", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    let supplier = t
        .post(
            "/api/v1/suppliers",
            &t.admin,
            json!({"name": "DataCentre Ltd"}),
        )
        .await
        .id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Hosting", "service_id": service,
                   "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": 28800}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["level"], "sla");
    let hours = |open: &str| {
        let day = json!([[open, "19:00"]]);
        json!({"name": "Supplier hours", "time_zone": "UTC",
               "hours": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day, "sat": [], "sun": []}})
    };
    let r = t.post("/api/v1/calendars", &t.admin, hours("07:00")).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let calendar = r.id();
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "DataCentre contract", "level": "underpinning_contract",
                   "supplier_id": supplier, "calendar_id": calendar,
                   "targets": {"P3": {"response_seconds": 300, "resolution_seconds": 3600}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let uc = r.id();

    let id = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Server down", "urgency": "medium", "service_id": service}),
        )
        .await
        .id();
    let path = format!("/api/v1/incidents/{id}/supplier");
    let audit_before = t.audit_count().await;
    clock.set(later(100));
    let r = t
        .post(
            &path,
            &agent,
            json!({"supplier_id": supplier, "reference": "DC-4711"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(t.audit_count().await, audit_before + 1);
    assert_eq!(r.body["supplier"]["supplier_id"], supplier);
    assert_eq!(r.body["supplier"]["reference"], "DC-4711");
    let clocks = r.body["agreements"].as_array().unwrap();
    assert_eq!(clocks.len(), 1, "{}", r.body);
    assert_eq!(clocks[0]["id"], uc);
    assert_eq!(clocks[0]["level"], "underpinning_contract");
    assert_eq!(clocks[0]["supplier_id"], supplier);
    assert_eq!(clocks[0]["response"]["state"], "running");
    // The SLA's clocks run on beside the contract's, unchanged.
    assert_eq!(r.body["sla"]["resolution"]["target_seconds"], 28800);
    assert_eq!(at(&r.body["sla"]["resolution"]["due_at"]), later(28800));
    let again = t
        .post(&path, &agent, json!({"supplier_id": supplier}))
        .await;
    assert_eq!(fields(again.problem(409)), ["supplier_id"]);

    clock.set(later(200));
    let r = t
        .post(&format!("{path}/acknowledge"), &agent, json!({}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["agreements"][0]["response"]["state"], "met");
    assert_eq!(r.body["agreements"][0]["response"]["elapsed_seconds"], 100);

    // Shorter supplier hours (still covering the engagement): the contract's clocks are
    // recomputed from the same events, marked in their timeline.
    clock.set(later(300));
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/calendars/{calendar}"),
            Some(&t.admin),
            Some(hours("08:00")),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let timeline = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    let marks: Vec<&Value> = timeline["agreements"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "calendar_changed")
        .collect();
    assert_eq!(marks.len(), 2, "{timeline}");
    assert_eq!(marks[0]["cause"], format!("calendar {calendar} changed"));
    assert_eq!(
        timeline["agreements"][0]["resolution"]["elapsed_seconds"],
        200
    );

    clock.set(later(1000));
    let r = t.delete(&path, &agent).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.get("supplier").is_none(), "{}", r.body);
    let resolution = &r.body["agreements"][0]["resolution"];
    assert_eq!(resolution["state"], "met");
    assert_eq!(resolution["elapsed_seconds"], 900);
    assert_eq!(r.body["sla"]["resolution"]["state"], "running");
    let events: Vec<&str> = r.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert!(
        events.ends_with(&[
            "supplier_engaged",
            "supplier_acknowledged",
            "supplier_released"
        ]),
        "{events:?}"
    );
    let cause = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body["agreements"][0]["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["metric"] == "resolution" && e["kind"] == "stop")
        .unwrap()["cause"]
        .clone();
    assert_eq!(cause, "released by the supplier");
    assert_eq!(
        fields(t.delete(&path, &agent).await.problem(409)),
        ["supplier_id"]
    );

    // Customers see their SLA, not the provider's internal agreements.
    let theirs = t
        .get(&format!("/api/v1/incidents/{id}"), &customer)
        .await
        .body;
    assert!(theirs.get("agreements").is_none(), "{theirs}");
    assert!(theirs.get("sla").is_some());
    let timeline = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &customer)
        .await
        .body;
    assert_eq!(timeline["agreements"], json!([]));
    t.post(&path, &customer, json!({"supplier_id": supplier}))
        .await
        .problem(403);
}

#[tokio::test]
async fn agreement_definitions_and_engagements_are_checked() {
    let t = TestApp::spawn().await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Network"}))
        .await
        .id();
    let supplier = t
        .post("/api/v1/suppliers", &t.admin, json!({"name": "Telco"}))
        .await
        .id();
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "WAN"}))
        .await
        .id();
    let contract = t
        .post(
            "/api/v1/agreements",
            &t.admin,
            json!({"kind": "underpinning_contract", "title": "Telco", "supplier_id": supplier,
                   "status": "active"}),
        )
        .await
        .id();
    let targets = json!({"P3": {"response_seconds": 60, "resolution_seconds": 600}});
    let refused = |body: Value| {
        let t = &t;
        async move {
            let r = t.post("/api/v1/slas", &t.admin, body).await;
            fields(r.problem(422))
        }
    };
    assert_eq!(
        refused(json!({"name": "x", "level": "ola", "targets": targets})).await,
        ["team_id"]
    );
    assert_eq!(
        refused(json!({"name": "x", "level": "underpinning_contract", "targets": targets})).await,
        ["supplier_id"]
    );
    assert_eq!(
        refused(json!({"name": "x", "targets": targets})).await,
        ["service_id"]
    );
    assert_eq!(
        refused(
            json!({"name": "x", "level": "ola", "team_id": team, "supplier_id": supplier,
                       "organization_ids": [1], "response_on": "assignment", "targets": targets})
        )
        .await,
        ["supplier_id", "organization_ids", "response_on"]
    );
    assert_eq!(
        refused(json!({"name": "x", "service_id": service, "team_id": team, "targets": targets}))
            .await,
        ["team_id"]
    );
    assert_eq!(
        refused(json!({"name": "x", "level": "ola", "team_id": 999, "targets": targets})).await,
        ["team_id"]
    );
    assert_eq!(
        refused(
            json!({"name": "x", "level": "ola", "team_id": team, "agreement_id": contract,
                       "targets": targets})
        )
        .await,
        ["agreement_id"],
        "an OLA measures an OLA agreement"
    );
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Telco UC", "level": "underpinning_contract", "supplier_id": supplier,
                   "agreement_id": contract, "service_id": service, "targets": targets}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let uc = r.id();
    let listed = t
        .get("/api/v1/slas?level=underpinning_contract", &t.admin)
        .await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    let ids: Vec<i64> = listed
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [uc]);
    assert_eq!(
        t.get("/api/v1/slas?level=ola", &t.admin).await.body,
        json!([])
    );
    t.get("/api/v1/slas?level=olala", &t.admin)
        .await
        .problem(400);
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/slas/{uc}"),
            Some(&t.admin),
            Some(json!({"name": "Telco UC", "level": "ola", "team_id": team, "targets": targets})),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["level"]);
    // An OLA or contract has no customers, hence no workload.
    assert_eq!(
        t.get(&format!("/api/v1/slas/{uc}/workload"), &t.admin)
            .await
            .body,
        json!([])
    );

    let incident = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "WAN down", "impact": "medium", "urgency": "medium"}),
        )
        .await
        .id();
    let path = format!("/api/v1/incidents/{incident}/supplier");
    let r = t.post(&path, &t.admin, json!({"supplier_id": 999})).await;
    assert_eq!(fields(r.problem(422)), ["supplier_id"]);
    let r = t
        .post(
            &path,
            &t.admin,
            json!({"supplier_id": supplier, "reference": "x".repeat(201)}),
        )
        .await;
    assert_eq!(fields(r.problem(422)), ["reference"]);
    let r = t.post(&path, &t.admin, json!({})).await;
    assert!(r.status == 400 || r.status == 422, "{}", r.body);
    // The contract is for the WAN service only: a ticket without it starts no clock.
    let r = t
        .post(&path, &t.admin, json!({"supplier_id": supplier}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["agreements"], json!([]));
    let problem = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Flaky WAN", "impact": "low", "urgency": "low"}),
        )
        .await;
    assert_eq!(problem.status, 201, "{}", problem.body);
    let doc = t.get("/api/v1/openapi.json", &t.admin).await.body;
    for path in [
        "/api/v1/slas/{id}/compliance",
        "/api/v1/{kind}/{id}/supplier",
        "/api/v1/{kind}/{id}/supplier/acknowledge",
    ] {
        assert!(doc["paths"][path].is_object(), "{path} missing");
    }
    t.post(
        &format!("/api/v1/problems/{}/supplier", problem.id()),
        &t.admin,
        json!({"supplier_id": supplier}),
    )
    .await
    .problem(404);
}

#[tokio::test]
async fn a_request_opened_for_a_fulfilment_team_starts_its_ola_at_once() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Workplace"}))
        .await
        .id();
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Workplace IT", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    let entry = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "Workplace", "published": true}),
        )
        .await
        .id();
    let item = t
        .post(
            &format!("/api/v1/catalogue/{entry}/items"),
            &t.admin,
            json!({"name": "Password reset", "fulfilment_team_id": team,
                   "form": [{"key": "account", "label": "Account", "type": "text", "required": true}]}),
        )
        .await;
    assert_eq!(item.status, 201, "{}", item.body);
    let r = t
        .post(
            "/api/v1/slas",
            &t.admin,
            json!({"name": "Workplace OLA", "level": "ola", "team_id": team, "service_id": service,
                   "targets": {"P3": {"response_seconds": 900, "resolution_seconds": 3600},
                               "P4": {"response_seconds": 900, "resolution_seconds": 3600}}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let r = t
        .post(
            "/api/v1/requests",
            &customer,
            json!({"catalogue_item_id": item.id(), "answers": {"account": "wile"}}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let shown = t
        .get(&format!("/api/v1/requests/{}", r.id()), &agent)
        .await
        .body;
    assert_eq!(shown["team_id"], team, "{shown}");
    let clocks = shown["agreements"].as_array().unwrap();
    assert_eq!(clocks.len(), 1, "{shown}");
    assert_eq!(clocks[0]["stint"], 1);
    // Clocks count whole seconds from the second the request opened in.
    assert_eq!(
        at(&clocks[0]["started_at"]).as_second(),
        at(&shown["opened_at"]).as_second()
    );
    assert_eq!(clocks[0]["resolution"]["state"], "running");
}
