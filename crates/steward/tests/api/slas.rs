//! SLAs on a 24×7 service: the most specific SLA is chosen and explained, clocks pause and
//! resume with the ticket, a first public reply meets the response target, an SLA change
//! recomputes open clocks without losing paused time, and exceptions lift the targets.
use crate::support::{TestApp, at};
use jiff::{SignedDuration, Timestamp};
use serde_json::{Value, json};

fn sla_body(name: &str, service: i64, orgs: Vec<i64>, resolution: i64) -> Value {
    json!({
        "name": name, "service_id": service, "organization_ids": orgs,
        "targets": {"P3": {"response_seconds": 3600, "resolution_seconds": resolution}},
        "pause": [{"status": "pending", "reasons": ["customer"]}],
        "warning_percent": 75,
        "exceptions": [{"text": "Not for incidents caused by the customer's own changes",
                        "rule": {"category": "customer change"}}]
    })
}

#[tokio::test]
async fn clocks_pause_resume_and_follow_a_changed_sla_without_losing_paused_time() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    let general = t
        .post(
            "/api/v1/slas",
            &t.admin,
            sla_body("Mail standard", service, vec![], 14400),
        )
        .await;
    assert_eq!(general.status, 201, "{}", general.body);
    let specific = t
        .post(
            "/api/v1/slas",
            &t.admin,
            sla_body("Mail for Acme", service, vec![acme], 28800),
        )
        .await;
    assert_eq!(specific.status, 201, "{}", specific.body);
    let specific_id = specific.id();
    t.post("/api/v1/slas", &agent, sla_body("x", service, vec![], 100))
        .await
        .problem(403);
    t.get("/api/v1/slas", &customer).await.problem(403);

    let r = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Mail slow", "urgency": "medium", "service_id": service}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    // Clocks count whole seconds from the second the ticket opened in.
    let opened = Timestamp::from_second(at(&r.body["opened_at"]).as_second()).unwrap();
    let shown = t
        .get(&format!("/api/v1/incidents/{id}"), &customer)
        .await
        .body;
    let sla = &shown["sla"];
    assert_eq!(sla["sla_id"], specific_id, "{sla}");
    assert!(
        sla["explanation"]
            .as_str()
            .unwrap()
            .contains(&format!("organization {acme}"))
    );
    assert_eq!(sla["response"]["state"], "running");
    assert_eq!(
        at(&sla["response"]["due_at"]),
        opened + SignedDuration::from_secs(3600)
    );
    assert_eq!(
        at(&sla["resolution"]["due_at"]),
        opened + SignedDuration::from_secs(28800)
    );
    assert_eq!(
        at(&sla["resolution"]["warn_at"]),
        opened + SignedDuration::from_secs(21600)
    );

    // The first public reply from staff meets the response target; an internal note does not.
    t.post(
        &format!("/api/v1/incidents/{id}/comments"),
        &agent,
        json!({"body": "looking", "public": false}),
    )
    .await;
    let clocks = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    assert_eq!(clocks["sla"]["response"]["state"], "running");
    t.post(
        &format!("/api/v1/incidents/{id}/comments"),
        &agent,
        json!({"body": "We are on it"}),
    )
    .await;
    let clocks = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    assert_eq!(clocks["sla"]["response"]["state"], "met", "{clocks}");

    // Waiting for the customer pauses the resolution clock; waiting for a supplier does not.
    for to in [
        json!({"to": "in_progress"}),
        json!({"to": "pending", "reason": "supplier"}),
        json!({"to": "in_progress"}),
        json!({"to": "pending", "reason": "customer"}),
    ] {
        let r = t
            .post(&format!("/api/v1/incidents/{id}/transition"), &agent, to)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let clocks = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    assert_eq!(clocks["sla"]["resolution"]["state"], "paused", "{clocks}");
    assert!(clocks["sla"]["resolution"]["due_at"].is_null());
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/transition"),
            &agent,
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200);

    let clocks = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    let events: Vec<(&str, &str, Timestamp)> = clocks["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["metric"].as_str().unwrap(),
                e["kind"].as_str().unwrap(),
                at(&e["at"]),
            )
        })
        .collect();
    let resolution: Vec<(&str, Timestamp)> = events
        .iter()
        .filter(|(m, ..)| *m == "resolution")
        .map(|(_, k, at)| (*k, *at))
        .collect();
    let kinds: Vec<&str> = resolution.iter().map(|(k, _)| *k).collect();
    assert_eq!(kinds, ["start", "pause", "resume"]);
    let cause = clocks["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "pause")
        .unwrap()["cause"]
        .clone();
    assert_eq!(cause, "status pending (customer)");
    let (start, pause, resume) = (resolution[0].1, resolution[1].1, resolution[2].1);
    let worked = (pause - start).as_secs();
    let paused = (resume - pause).as_secs();
    let before = &clocks["sla"]["resolution"];
    assert_eq!(before["paused_seconds"], paused);
    assert!(paused >= 1);
    assert_eq!(
        at(&before["due_at"]),
        resume + SignedDuration::from_secs(28800 - worked)
    );

    // Tighter targets: the same events give an earlier deadline and the same paused time.
    let r = t
        .send(
            reqwest::Method::PUT,
            &format!("/api/v1/slas/{specific_id}"),
            Some(&t.admin),
            Some(sla_body("Mail for Acme", service, vec![acme], 7200)),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["version"], 2);
    let after = t
        .get(&format!("/api/v1/incidents/{id}/sla"), &agent)
        .await
        .body;
    let last = after["events"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["kind"], "sla_changed", "{last}");
    assert_eq!(last["cause"], "SLA Mail for Acme changed (version 2)");
    let after = &after["sla"]["resolution"];
    assert_eq!(after["paused_seconds"], paused, "no paused time lost");
    assert_eq!(
        at(&after["due_at"]),
        resume + SignedDuration::from_secs(7200 - worked)
    );

    // Resolving stops the clock as met; reopening runs it on from where it stopped.
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/transition"),
            &agent,
            json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "quota raised"}),
        )
        .await;
    assert_eq!(r.status, 200);
    let done = t.get(&format!("/api/v1/incidents/{id}"), &agent).await.body;
    assert_eq!(done["sla"]["resolution"]["state"], "met");
    let r = t
        .post(
            &format!("/api/v1/incidents/{id}/transition"),
            &customer,
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let reopened = t.get(&format!("/api/v1/incidents/{id}"), &agent).await.body;
    assert_eq!(reopened["sla"]["resolution"]["state"], "running");
}

#[tokio::test]
async fn exceptions_lift_the_targets_and_tickets_without_an_sla_have_no_clocks() {
    let t = TestApp::spawn().await;
    let service = t
        .post("/api/v1/services", &t.admin, json!({"name": "Mail"}))
        .await
        .id();
    let other = t
        .post("/api/v1/services", &t.admin, json!({"name": "Print"}))
        .await
        .id();
    t.post(
        "/api/v1/slas",
        &t.admin,
        sla_body("Mail standard", service, vec![], 14400),
    )
    .await;
    let excepted = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Broke it ourselves", "impact": "medium", "urgency": "medium",
                   "service_id": service, "category": "Customer change"}),
        )
        .await
        .id();
    let shown = t
        .get(&format!("/api/v1/incidents/{excepted}"), &t.admin)
        .await
        .body;
    assert_eq!(shown["sla"]["applies"], false, "{}", shown["sla"]);
    assert!(
        shown["sla"]["explanation"]
            .as_str()
            .unwrap()
            .contains("exception")
    );
    assert!(shown["sla"]["resolution"].is_null());
    let unclocked = t
        .post(
            "/api/v1/incidents",
            &t.admin,
            json!({"title": "Printer", "impact": "low", "urgency": "low", "service_id": other}),
        )
        .await
        .id();
    let shown = t
        .get(&format!("/api/v1/incidents/{unclocked}"), &t.admin)
        .await
        .body;
    assert!(shown.get("sla").is_none(), "{shown}");
    // Bad definitions are refused, naming the field.
    let mut bad = sla_body("Bad", service, vec![], 14400);
    bad["targets"]["P3"]["response_seconds"] = json!(0);
    let p = t.post("/api/v1/slas", &t.admin, bad).await;
    assert_eq!(p.problem(422)["field"], "targets.P3.response_seconds");
    t.post(
        "/api/v1/slas",
        &t.admin,
        sla_body("mail STANDARD", service, vec![], 14400),
    )
    .await
    .problem(409);
}
