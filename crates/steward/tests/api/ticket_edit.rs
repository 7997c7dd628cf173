//! Editing tickets after they were raised, what customers may set, customer replies that
//! resume a record, and finding a record by its number.
use crate::support::{TestApp, at, ts};
use reqwest::Method;
use serde_json::{Value, json};

/// A live service for `org` with a 24×7 SLA: P2 resolves in 4 h, P3 in 8 h.
async fn service_with_sla(t: &TestApp, name: &str, org: i64) -> (i64, i64) {
    t.service_with_sla(
        name,
        org,
        json!({
            "targets": {
                "P2": {"response_seconds": 1800, "resolution_seconds": 4 * 3600},
                "P3": {"response_seconds": 3600, "resolution_seconds": 8 * 3600}
            },
            "pause": [{"status": "pending", "reasons": ["customer"]}]
        }),
    )
    .await
}

fn events(ticket: &Value) -> Vec<String> {
    ticket["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn staff_edit_priority_and_service_and_the_sla_keeps_the_time_counted() {
    let (t, clock) = TestApp::spawn_at(ts("2026-06-01T08:00:00Z")).await;
    let acme = t.create_org("Acme").await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let (mail, mail_sla) = service_with_sla(&t, "Mail", acme).await;
    let (files, files_sla) = service_with_sla(&t, "Files", acme).await;
    let r = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Mail slow", "impact": "medium", "urgency": "medium",
                   "service_id": mail, "organization_id": acme}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let id = r.id();
    assert_eq!(r.body["priority"], "P3");
    let url = format!("/api/v1/incidents/{id}");
    let audits = t.audit_count().await;

    // Two hours later the desk sees it is worse than reported.
    clock.set(ts("2026-06-01T10:00:00Z"));
    let r = t
        .patch(
            &url,
            &agent,
            json!({"urgency": "high", "title": "Mail down for sales"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["priority"], "P2", "medium impact × high urgency");
    assert_eq!(r.body["title"], "Mail down for sales");
    assert_eq!(
        t.audit_count().await,
        audits + 1,
        "one audit entry per edit"
    );
    let shown = t.get(&url, &agent).await.body;
    let edited = shown["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "edited")
        .expect("an edited entry");
    assert_eq!(edited["detail"]["changes"]["priority"]["from"], "P3");
    assert_eq!(edited["detail"]["changes"]["priority"]["to"], "P2");
    assert_eq!(edited["detail"]["changes"]["urgency"]["to"], "high");
    assert!(
        edited["detail"]["changes"].get("impact").is_none(),
        "unchanged fields are not listed"
    );
    // The resolution clock started at 08:00 and keeps running under the P2 target: due at
    // 12:00, not 14:00 (P3) and not 14:00 counted from the edit.
    let resolution = &shown["sla"]["resolution"];
    assert_eq!(shown["sla"]["sla_id"], mail_sla);
    assert_eq!(
        at(&resolution["due_at"]),
        ts("2026-06-01T12:00:00Z"),
        "{resolution}"
    );

    // Another service brings its own SLA; the clock still counts from 08:00.
    let r = t.patch(&url, &agent, json!({"service_id": files})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let shown = t.get(&url, &agent).await.body;
    assert_eq!(shown["sla"]["sla_id"], files_sla, "{}", shown["sla"]);
    assert_eq!(
        at(&shown["sla"]["resolution"]["due_at"]),
        ts("2026-06-01T12:00:00Z")
    );
    let clock_events = t.get(&format!("{url}/sla"), &agent).await.body;
    let causes: Vec<&str> = clock_events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        causes.iter().filter(|k| **k == "start").count(),
        2,
        "{causes:?}"
    );
    assert!(causes.contains(&"sla_changed"), "{causes:?}");

    // No service: no SLA governs it any more.
    let r = t.patch(&url, &agent, json!({"service_id": null})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(t.get(&url, &agent).await.body["sla"].is_null());

    // An edit that changes nothing writes nothing; bad input names its field.
    let audits = t.audit_count().await;
    let r = t
        .patch(&url, &agent, json!({"title": "Mail down for sales"}))
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(t.audit_count().await, audits);
    let p = t.patch(&url, &agent, json!({"title": ""})).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "title");
    let p = t.patch(&url, &agent, json!({"service_id": 9999})).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "service_id");
    t.patch(&url, &agent, json!({})).await.problem(422);
    t.patch(&url, &agent, json!({"priority": "P1"}))
        .await
        .problem(422);
    assert_eq!(t.audit_count().await, audits, "nothing refused was written");

    // A resolved record is reopened before it is edited.
    t.post(
        &format!("{url}/transition"),
        &agent,
        json!({"to": "in_progress"}),
    )
    .await;
    let r = t
        .post(
            &format!("{url}/transition"),
            &agent,
            json!({"to": "resolved", "resolution_code": "fixed", "resolution_notes": "Restarted"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.patch(&url, &agent, json!({"urgency": "low"}))
        .await
        .problem(409);
}

#[tokio::test]
async fn customers_set_only_what_the_desk_settings_allow() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let (mail, _) = service_with_sla(&t, "Mail", acme).await;
    let (other, _) = service_with_sla(&t, "Globex mail", globex).await;

    // Impact is the desk's call: a customer's impact is refused, urgency taken.
    let p = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Mail down", "impact": "high", "urgency": "high", "service_id": mail}),
        )
        .await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "impact");
    let r = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Mail down", "urgency": "high", "service_id": mail}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["impact"], "medium");
    assert_eq!(r.body["priority"], "P2");
    let id = r.id();
    let url = format!("/api/v1/incidents/{id}");
    // Only services delivered to the customer's organization.
    let p = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Theirs", "service_id": other}),
        )
        .await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "service_id");

    let r = t.patch(&url, &customer, json!({"urgency": "low"})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["priority"], "P4");
    let p = t.patch(&url, &customer, json!({"impact": "high"})).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "impact");
    let p = t.patch(&url, &customer, json!({"title": "Mine now"})).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "title");

    // The settings: staff read them, only an admin changes them.
    let settings = t.get("/api/v1/settings/desk", &agent).await;
    assert_eq!(settings.status, 200);
    assert_eq!(settings.body["customer_fields"], json!(["urgency"]));
    assert_eq!(settings.body["resume_on_customer_reply"], true);
    let wider = json!({"customer_fields": ["urgency", "impact", "title"], "resume_on_customer_reply": true});
    t.send(
        Method::PUT,
        "/api/v1/settings/desk",
        Some(&agent),
        Some(wider.clone()),
    )
    .await
    .problem(403);
    let bad = json!({"customer_fields": ["urgency", "urgency"], "resume_on_customer_reply": true});
    let p = t
        .send(
            Method::PUT,
            "/api/v1/settings/desk",
            Some(&t.admin),
            Some(bad),
        )
        .await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "customer_fields");
    let r = t
        .send(
            Method::PUT,
            "/api/v1/settings/desk",
            Some(&t.admin),
            Some(wider),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = t
        .patch(
            &url,
            &customer,
            json!({"impact": "high", "title": "Mail down for all"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["priority"], "P3", "high impact × low urgency");

    // Another organization's customer does not even learn the record exists.
    let (_, hank) = t.user("hank", "customer", Some(globex)).await;
    t.patch(&url, &hank, json!({"urgency": "high"}))
        .await
        .problem(404);
}

#[tokio::test]
async fn a_customer_reply_resumes_a_record_pending_on_the_customer_and_tells_the_assignee() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (arne, agent) = t.user("arne", "agent", None).await;
    let (mail, _) = service_with_sla(&t, "Mail", acme).await;
    let id = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Cannot send", "service_id": mail}),
        )
        .await
        .id();
    let url = format!("/api/v1/incidents/{id}");
    let r = t
        .post(
            &format!("{url}/assign"),
            &agent,
            json!({"assignee_id": arne}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.post(
        &format!("{url}/comments"),
        &agent,
        json!({"body": "Checked the logs", "public": false}),
    )
    .await;
    let r = t
        .post(
            &format!("{url}/transition"),
            &agent,
            json!({"to": "pending", "reason": "customer"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(
        t.get(&url, &agent).await.body["sla"]["resolution"]["state"],
        "paused"
    );

    let r = t
        .post(
            &format!("{url}/comments"),
            &customer,
            json!({"body": "Here is the screenshot"}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let shown = t.get(&url, &agent).await.body;
    assert_eq!(shown["status"], "in_progress");
    assert!(shown["pending_reason"].is_null());
    assert_eq!(shown["sla"]["resolution"]["state"], "running");
    let notes = t.get("/api/v1/notifications", &agent).await.body;
    let topics: Vec<&str> = notes
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["topic"].as_str().unwrap())
        .collect();
    assert_eq!(topics, ["customer_reply"], "{notes}");
    assert!(
        notes[0]["subject"]
            .as_str()
            .unwrap()
            .contains("back in progress")
    );

    // The customer's view shows what happened to its record, not the desk's internal work.
    let theirs = events(&t.get(&url, &customer).await.body);
    assert!(
        !theirs.iter().any(|e| e == "note" || e == "assignment"),
        "{theirs:?}"
    );
    assert!(theirs.iter().any(|e| e == "reply"), "{theirs:?}");
    let ours = events(&t.get(&url, &agent).await.body);
    assert!(ours.iter().any(|e| e == "note") && ours.iter().any(|e| e == "assignment"));

    // With resuming switched off the record stays pending; the assignee still hears of it.
    let off = json!({"customer_fields": ["urgency"], "resume_on_customer_reply": false});
    let r = t
        .send(
            Method::PUT,
            "/api/v1/settings/desk",
            Some(&t.admin),
            Some(off),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    t.post(
        &format!("{url}/transition"),
        &agent,
        json!({"to": "pending", "reason": "customer"}),
    )
    .await;
    t.post(
        &format!("{url}/comments"),
        &customer,
        json!({"body": "Any news?"}),
    )
    .await;
    assert_eq!(t.get(&url, &agent).await.body["status"], "pending");
    let notes = t.get("/api/v1/notifications", &agent).await.body;
    assert_eq!(notes.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_record_number_finds_the_record_first_within_what_the_searcher_may_see() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let mut ids = Vec::new();
    for (title, org) in [("Printer jammed", acme), ("Mail down", globex)] {
        let r = t
            .post(
                "/api/v1/incidents",
                &agent,
                json!({"title": title, "organization_id": org}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.id());
    }
    let problem = t
        .post(
            "/api/v1/problems",
            &agent,
            json!({"title": "Printers jam", "impact": "low", "urgency": "low"}),
        )
        .await
        .id();
    let purl = format!("/api/v1/problems/{problem}/transition");
    t.post(&purl, &agent, json!({"to": "investigating"})).await;
    let r = t
        .post(
            &purl,
            &agent,
            json!({"to": "known_error", "root_cause": "Worn rollers", "workaround": "Use tray 2"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let search = |q: &str| format!("/api/v1/search?q={}", urlencode(q));

    for q in ["INC-000002", "inc-2", "INC2"] {
        let r = t.get(&search(q), &agent).await.body;
        assert_eq!(r["items"][0]["ticket_id"], ids[1], "{q}: {r}");
        assert_eq!(r["items"][0]["exact"], true);
        assert_eq!(r["total"], 1, "{q}: {r}");
    }
    // A bare number names every kind's record of that number.
    let r = t.get(&search("1"), &agent).await.body;
    let found: Vec<&str> = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["number"].as_str().unwrap())
        .collect();
    assert_eq!(found, ["INC-000001", "PRB-000001"], "{r}");
    let r = t.get(&search("KE-000001"), &agent).await.body;
    assert_eq!(r["items"][0]["ticket_id"], problem, "{r}");
    // Words still search text; an exact hit is never listed twice.
    let r = t.get(&search("printer"), &agent).await.body;
    assert!(
        r["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|h| h["exact"] == false)
    );

    // A customer finds its own record by number, and nothing of others'.
    let r = t.get(&search("INC-000001"), &customer).await.body;
    assert_eq!(r["items"][0]["ticket_id"], ids[0], "{r}");
    let r = t.get(&search("INC-000002"), &customer).await.body;
    assert_eq!(r["total"], 0, "{r}");
    let r = t.get(&search("PRB-000001"), &customer).await.body;
    assert_eq!(r["total"], 0, "problems are the provider's: {r}");
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn a_note_that_mentions_a_colleague_notifies_them_and_nobody_else() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let (_, paula) = t.user("paula", "agent", None).await;
    let id = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Mail down", "organization_id": acme}),
        )
        .await
        .id();
    let url = format!("/api/v1/incidents/{id}/comments");
    let r = t
        .post(
            &url,
            &agent,
            json!({"body": "@Paula can you check the relay? cc @arne @nobody", "public": false}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let hers = t.get("/api/v1/notifications", &paula).await.body;
    assert_eq!(hers.as_array().unwrap().len(), 1, "{hers}");
    assert_eq!(hers[0]["topic"], "mention");
    assert_eq!(hers[0]["subject"], "arne mentioned you on INC-000001");
    let his = t.get("/api/v1/notifications", &agent).await.body;
    assert!(
        his.as_array().unwrap().is_empty(),
        "no one is told of their own note: {his}"
    );
    // A customer's @mention reaches nobody.
    t.post(&url, &customer, json!({"body": "@paula hello?"}))
        .await;
    let hers = t.get("/api/v1/notifications", &paula).await.body;
    assert_eq!(hers.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_duplicate_is_merged_into_the_incident_the_work_continues_on() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, agent) = t.user("arne", "agent", None).await;
    let keep = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Mail down", "organization_id": acme}),
        )
        .await
        .id();
    let dup = t
        .post(
            "/api/v1/incidents",
            &customer,
            json!({"title": "Cannot send mail"}),
        )
        .await
        .id();
    let merge = format!("/api/v1/incidents/{dup}/merge");
    t.post(&merge, &customer, json!({"into": keep}))
        .await
        .problem(403);
    let p = t.post(&merge, &agent, json!({"into": dup})).await;
    assert_eq!(p.problem(422)["errors"][0]["field"], "into");
    let audits = t.audit_count().await;
    let r = t.post(&merge, &agent, json!({"into": keep})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["id"], keep);
    assert_eq!(
        t.audit_count().await,
        audits + 2,
        "one entry for each record"
    );

    // The requester of the duplicate sees it closed, the reason and where work continues.
    let theirs = t
        .get(&format!("/api/v1/incidents/{dup}"), &customer)
        .await
        .body;
    assert_eq!(theirs["status"], "cancelled");
    assert!(events(&theirs).contains(&"merged".to_owned()));
    let replies = t
        .get(&format!("/api/v1/incidents/{dup}/comments"), &customer)
        .await
        .body;
    assert!(
        replies[0]["body"].as_str().unwrap().contains("INC-000001"),
        "{replies}"
    );
    let kept = t
        .get(&format!("/api/v1/incidents/{keep}"), &agent)
        .await
        .body;
    assert!(events(&kept).contains(&"merged_here".to_owned()));
    // A closed duplicate is not merged again.
    t.post(&merge, &agent, json!({"into": keep}))
        .await
        .problem(409);
}
