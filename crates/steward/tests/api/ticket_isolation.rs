//! A customer of one organization tries every ticket endpoint on another organization's
//! records: every read finds nothing, every write is refused, and nothing changes.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::{Value, json};

#[tokio::test]
async fn a_customer_gets_nothing_of_another_organizations_tickets() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, acme_customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, intruder) = t.user("hank", "customer", Some(globex)).await;
    let service = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live", "customer_ids": [acme, globex]}),
        )
        .await
        .id();
    let entry = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "Mail", "published": true}),
        )
        .await
        .id();
    let item = t
        .post(
            &format!("/api/v1/catalogue/{entry}/items"),
            &t.admin,
            json!({"name": "Mailbox", "form": [], "approval": {"by": "role", "role": "admin"}}),
        )
        .await
        .id();
    let incident = t
        .post(
            "/api/v1/incidents",
            &acme_customer,
            json!({"title": "Quarterly zebra report missing", "urgency": "high"}),
        )
        .await
        .id();
    t.post(
        &format!("/api/v1/incidents/{incident}/comments"),
        &acme_customer,
        json!({"body": "zebra still missing"}),
    )
    .await;
    let attachment = t
        .raw(
            Method::POST,
            &format!("/api/v1/incidents/{incident}/attachments?name=a.txt"),
            Some(&acme_customer),
            "text/plain",
            b"zebra".to_vec(),
        )
        .await
        .id();
    let request = t
        .post(
            "/api/v1/requests",
            &acme_customer,
            json!({"catalogue_item_id": item, "answers": {}, "description": "zebra mailbox"}),
        )
        .await
        .id();
    let problem = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Zebra reports", "impact": "low", "urgency": "low", "incident_ids": [incident]}),
        )
        .await
        .id();
    t.post(
        &format!("/api/v1/incidents/{incident}/major"),
        &t.admin,
        json!({"owner_id": t.admin_id}),
    )
    .await;

    let watched = [
        format!("/api/v1/incidents/{incident}"),
        format!("/api/v1/incidents/{incident}/comments"),
        format!("/api/v1/incidents/{incident}/attachments"),
        format!("/api/v1/requests/{request}"),
        format!("/api/v1/problems/{problem}"),
    ];
    let before = snapshot(&t, &watched).await;
    let audit_before = t.audit_count().await;

    // Reads: nothing found, and lists, counts and search are empty.
    for kind in ["incidents", "requests"] {
        let r = t.get(&format!("/api/v1/{kind}"), &intruder).await;
        assert_eq!(r.body["total"], 0, "{kind}: {}", r.body);
        let r = t
            .get(&format!("/api/v1/{kind}?organization_id={acme}"), &intruder)
            .await;
        assert_eq!(r.body["total"], 0, "{kind} filtered: {}", r.body);
    }
    let r = t.get("/api/v1/search?q=zebra", &intruder).await;
    assert_eq!(r.body["total"], 0, "{}", r.body);
    assert_eq!(
        t.get("/api/v1/search?q=zebra", &acme_customer).await.body["total"],
        2,
        "the owner finds its incident and request"
    );
    let reads = [
        format!("/api/v1/incidents/{incident}"),
        format!("/api/v1/incidents/{incident}/comments"),
        format!("/api/v1/incidents/{incident}/attachments"),
        format!("/api/v1/attachments/{attachment}"),
        format!("/api/v1/requests/{request}"),
        format!("/api/v1/requests/{request}/comments"),
        format!("/api/v1/requests/{request}/attachments"),
        // Under the wrong collection, too.
        format!("/api/v1/requests/{incident}"),
    ];
    for path in &reads {
        t.get(path, &intruder).await.problem(404);
    }
    let staff_reads = [
        format!("/api/v1/incidents/{incident}/notifications"),
        format!("/api/v1/incidents/{incident}/known-errors"),
        format!("/api/v1/problems/{problem}"),
        format!("/api/v1/problems/{problem}/comments"),
        "/api/v1/problems".to_owned(),
        "/api/v1/known-errors".to_owned(),
        "/api/v1/problems/candidates?min=2".to_owned(),
    ];
    for path in &staff_reads {
        let r = t.get(path, &intruder).await;
        assert!(
            matches!(r.status.as_u16(), 403 | 404),
            "{path}: {} {}",
            r.status,
            r.body
        );
    }

    // Writes: refused, whatever the body.
    let writes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            format!("/api/v1/incidents/{incident}/transition"),
            json!({"to": "cancelled"}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{incident}/assign"),
            json!({"team_id": null}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{incident}/comments"),
            json!({"body": "hi"}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{incident}/major"),
            json!({"owner_id": t.admin_id}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{incident}/children"),
            json!({"incident_ids": [incident]}),
        ),
        (
            Method::POST,
            format!("/api/v1/incidents/{incident}/notifications"),
            json!({"audience": "a", "channel": "b", "message": "c"}),
        ),
        (
            Method::PUT,
            format!("/api/v1/incidents/{incident}/review"),
            json!({"what_happened": "a", "cause": "b", "actions": ["c"]}),
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{request}/transition"),
            json!({"to": "cancelled"}),
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{request}/assign"),
            json!({"team_id": null}),
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{request}/comments"),
            json!({"body": "hi"}),
        ),
        (
            Method::POST,
            format!("/api/v1/requests/{request}/approvals"),
            json!({"decision": "approve"}),
        ),
        (
            Method::POST,
            format!("/api/v1/problems/{problem}/transition"),
            json!({"to": "investigating"}),
        ),
        (
            Method::PATCH,
            format!("/api/v1/problems/{problem}"),
            json!({"root_cause": "x"}),
        ),
        (
            Method::POST,
            format!("/api/v1/problems/{problem}/incidents"),
            json!({"incident_ids": [incident]}),
        ),
        (
            Method::DELETE,
            format!("/api/v1/problems/{problem}/incidents/{incident}"),
            Value::Null,
        ),
    ];
    for (method, path, body) in writes {
        let body = (!body.is_null()).then_some(body);
        let r = t.send(method.clone(), &path, Some(&intruder), body).await;
        assert!(
            matches!(r.status.as_u16(), 403 | 404),
            "{method} {path}: {} {}",
            r.status,
            r.body
        );
    }
    let r = t
        .raw(
            Method::POST,
            &format!("/api/v1/incidents/{incident}/attachments?name=x.txt"),
            Some(&intruder),
            "text/plain",
            b"x".to_vec(),
        )
        .await;
    r.problem(404);

    assert_eq!(t.audit_count().await, audit_before, "nothing was written");
    assert_eq!(snapshot(&t, &watched).await, before, "nothing changed");
}

async fn snapshot(t: &TestApp, paths: &[String]) -> Vec<Value> {
    let mut out = Vec::new();
    for p in paths {
        out.push(t.get(p, &t.admin).await.body);
    }
    out
}
