//! Customer satisfaction (8.3.2): a survey offered once when a record is resolved, answered
//! once by its requester in the portal or by a signed link that expires; low ratings flagged on
//! the timeline; the satisfaction report's figures; the audit trail.
use crate::support::{TestApp, report_figure, report_row};
use reqwest::Method;
use serde_json::{Value, json};

/// A customer's incident (the customer is its requester), on `service` when given.
async fn incident(t: &TestApp, customer: &str, title: &str, service: Option<i64>) -> i64 {
    let r = t
        .post(
            "/api/v1/incidents",
            customer,
            json!({"title": title, "service_id": service}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn go(t: &TestApp, token: &str, id: i64, to: &str) {
    let body = if to == "resolved" {
        json!({"to": to, "resolution_code": "fixed", "resolution_notes": "done"})
    } else {
        json!({"to": to})
    };
    let r = t
        .post(&format!("/api/v1/incidents/{id}/transition"), token, body)
        .await;
    assert_eq!(r.status, 200, "{to}: {}", r.body);
}

async fn resolve(t: &TestApp, agent: &str, id: i64) {
    go(t, agent, id, "in_progress").await;
    go(t, agent, id, "resolved").await;
}

fn path(id: i64) -> String {
    format!("/api/v1/incidents/{id}/satisfaction")
}

async fn rate(t: &TestApp, token: &str, id: i64, body: Value) -> crate::support::Reply {
    t.post(&path(id), token, body).await
}

fn field(body: &Value) -> &str {
    body["field"]
        .as_str()
        .unwrap_or_else(|| panic!("no field in {body}"))
}

/// The signed link of a record's survey, as staff read it.
async fn link(t: &TestApp, agent: &str, id: i64) -> String {
    let r = t.get(&path(id), agent).await;
    assert_eq!(r.status, 200, "{}", r.body);
    r.body["link"]
        .as_str()
        .unwrap_or_else(|| panic!("no link in {}", r.body))
        .to_owned()
}

async fn public(
    t: &TestApp,
    method: Method,
    link: &str,
    body: Option<Value>,
) -> crate::support::Reply {
    let token = link.trim_start_matches("/survey/");
    t.send(method, &format!("/api/v1/surveys/{token}"), None, body)
        .await
}

#[tokio::test]
async fn a_survey_is_offered_once_on_resolve_and_answered_once_by_the_requester() {
    let t = TestApp::spawn().await;
    let (acme, other) = (t.create_org("Acme").await, t.create_org("Other").await);
    let (_, ann) = t.user("ann", "customer", Some(acme)).await;
    let (_, bob) = t.user("bob", "customer", Some(acme)).await;
    let (_, olga) = t.user("olga", "customer", Some(other)).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let id = incident(&t, &ann, "Printer jams", None).await;

    let r = t.get(&path(id), &ann).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "not_offered");
    rate(&t, &ann, id, json!({"rating": 5})).await.problem(409);

    resolve(&t, &agent, id).await;
    let r = t.get(&path(id), &ann).await;
    assert_eq!(r.body["status"], "open", "{}", r.body);
    assert_eq!(r.body["can_answer"], true);
    assert!(
        r.body.get("link").is_none(),
        "customers get no link: {}",
        r.body
    );
    let staff_view = t.get(&path(id), &agent).await;
    assert_eq!(staff_view.body["can_answer"], false);
    assert!(link(&t, &agent, id).await.starts_with("/survey/"));
    // The link is derived again, the same each time.
    assert_eq!(link(&t, &agent, id).await, link(&t, &agent, id).await);

    // Another organization's customer: the record does not exist for it.
    t.get(&path(id), &olga).await.problem(404);
    rate(&t, &olga, id, json!({"rating": 1})).await.problem(404);
    // Staff do not rate on behalf; a colleague of the requester does not either.
    rate(&t, &agent, id, json!({"rating": 5}))
        .await
        .problem(403);
    rate(&t, &t.admin, id, json!({"rating": 5}))
        .await
        .problem(403);
    rate(&t, &bob, id, json!({"rating": 5})).await.problem(403);

    // Validation names the field.
    for bad in [
        json!({"rating": 0}),
        json!({"rating": 6}),
        json!({"comment": "no rating"}),
    ] {
        let r = rate(&t, &ann, id, bad).await;
        assert_eq!(field(r.problem(422)), "rating", "{}", r.body);
    }
    let r = rate(&t, &ann, id, json!({"rating": "five"})).await;
    assert_eq!(field(r.problem(422)), "rating", "{}", r.body);
    let r = rate(
        &t,
        &ann,
        id,
        json!({"rating": 4, "comment": "x".repeat(2001)}),
    )
    .await;
    assert_eq!(field(r.problem(422)), "comment", "{}", r.body);

    let audit_before = t.audit_count().await;
    let r = rate(
        &t,
        &ann,
        id,
        json!({"rating": 4, "comment": " Quick fix, thanks "}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "answered");
    assert_eq!(r.body["rating"], 4);
    assert_eq!(r.body["comment"], "Quick fix, thanks");
    assert_eq!(r.body["answered_via"], "portal");
    assert_eq!(r.body["low"], false);
    assert_eq!(r.body["can_answer"], false);
    assert_eq!(t.audit_count().await, audit_before + 1);

    // Once per record: a second answer is refused.
    rate(&t, &ann, id, json!({"rating": 1})).await.problem(409);
    // Reopened and resolved again: still the one survey, with its answer.
    go(&t, &ann, id, "in_progress").await;
    go(&t, &agent, id, "resolved").await;
    let r = t.get(&path(id), &agent).await;
    assert_eq!(
        (r.body["status"].clone(), r.body["rating"].clone()),
        (json!("answered"), json!(4))
    );
    assert!(
        r.body.get("link").is_none(),
        "no link once answered: {}",
        r.body
    );
    let offers = t
        .get(
            "/api/v1/audit?record_type=satisfaction_survey&action=offer",
            &t.admin,
        )
        .await;
    assert_eq!(offers.body["total"], 1, "{}", offers.body);
    let answers = t
        .get(
            "/api/v1/audit?record_type=satisfaction_survey&action=answer",
            &t.admin,
        )
        .await;
    assert_eq!(answers.body["total"], 1, "{}", answers.body);
    assert_eq!(answers.body["items"][0]["actor"], "ann", "{}", answers.body);

    // The managers' list shows it; customers may not read it.
    let r = t.get("/api/v1/satisfaction/answers", &t.admin).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["rating"], 4);
    assert_eq!(r.body["items"][0]["requester"], "ann");
    t.get("/api/v1/satisfaction/answers", &ann)
        .await
        .problem(403);

    // Problems have no survey; a record without requester is not offered one.
    let staff_made = t
        .post(
            "/api/v1/incidents",
            &agent,
            json!({"title": "Found by monitoring", "impact": "low", "urgency": "low"}),
        )
        .await
        .id();
    resolve(&t, &agent, staff_made).await;
    assert_eq!(
        t.get(&path(staff_made), &agent).await.body["status"],
        "not_offered"
    );
}

#[tokio::test]
async fn a_signed_link_works_without_login_and_expires() {
    let start: jiff::Timestamp = "2026-03-02T09:00:00Z".parse().unwrap();
    let (t, clock) = TestApp::spawn_at(start).await;
    let acme = t.create_org("Acme").await;
    let (_, ann) = t.user("ann", "customer", Some(acme)).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let first = incident(&t, &ann, "VPN drops", None).await;
    let second = incident(&t, &ann, "Mail slow", None).await;
    resolve(&t, &agent, first).await;
    resolve(&t, &agent, second).await;
    let (l1, l2) = (
        link(&t, &agent, first).await,
        link(&t, &agent, second).await,
    );
    assert_ne!(l1, l2);

    let r = public(&t, Method::GET, &l1, None).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["number"], "INC-000001");
    assert_eq!(r.body["title"], "VPN drops");
    assert_eq!(r.body["status"], "open");
    let r = public(&t, Method::POST, &l1, Some(json!({"rating": 9}))).await;
    assert_eq!(field(r.problem(422)), "rating");
    let r = public(
        &t,
        Method::POST,
        &l1,
        Some(json!({"rating": 5, "comment": "Great"})),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["status"], "answered");
    public(&t, Method::POST, &l1, Some(json!({"rating": 1})))
        .await
        .problem(409);
    let r = t.get(&path(first), &ann).await;
    assert_eq!(
        (r.body["rating"].clone(), r.body["answered_via"].clone()),
        (json!(5), json!("link"))
    );

    // The public HTML page works without login too.
    let page = t.send(Method::GET, &l2, None, None).await;
    assert_eq!(page.status, 200);
    let html = page.body.as_str().unwrap();
    assert!(
        html.contains("INC-000002") && html.contains("Mail slow"),
        "{html}"
    );

    // After 14 days the link is refused.
    clock.set(start + jiff::SignedDuration::from_hours(15 * 24));
    let r = public(&t, Method::GET, &l2, None).await;
    assert_eq!(r.body["status"], "expired", "{}", r.body);
    public(&t, Method::POST, &l2, Some(json!({"rating": 4})))
        .await
        .problem(410);
    rate(&t, &ann, second, json!({"rating": 4}))
        .await
        .problem(410);
    let page = t.send(Method::GET, &l2, None, None).await;
    assert!(
        page.body.as_str().unwrap().contains("expired"),
        "{}",
        page.body
    );

    // Unknown tokens.
    public(&t, Method::GET, "/survey/not-a-token", None)
        .await
        .problem(404);
    public(
        &t,
        Method::POST,
        &format!("/survey/{}", "0".repeat(64)),
        Some(json!({"rating": 3})),
    )
    .await
    .problem(404);
    let page = t.send(Method::GET, "/survey/not-a-token", None, None).await;
    assert_eq!(page.status, 404);
}

#[tokio::test]
async fn a_low_rating_is_flagged_and_written_on_the_timeline() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, ann) = t.user("ann", "customer", Some(acme)).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let (_, manager) = t.user("mia", "manager", None).await;

    let s = t.get("/api/v1/settings/satisfaction", &manager).await;
    assert_eq!(s.body["low_rating_threshold"], 2, "{}", s.body);
    let put = |body: Value| {
        t.send(
            Method::PUT,
            "/api/v1/settings/satisfaction",
            Some(&manager),
            Some(body),
        )
    };
    let r = put(json!({"low_rating_threshold": 6, "link_valid_days": 14})).await;
    assert_eq!(field(r.problem(422)), "low_rating_threshold");
    t.send(
        Method::PUT,
        "/api/v1/settings/satisfaction",
        Some(&agent),
        Some(json!({"low_rating_threshold": 3, "link_valid_days": 14})),
    )
    .await
    .problem(403);
    let r = put(json!({"low_rating_threshold": 3, "link_valid_days": 14})).await;
    assert_eq!(r.status, 200, "{}", r.body);

    let low = incident(&t, &ann, "Lost my files", None).await;
    let fine = incident(&t, &ann, "New mouse", None).await;
    resolve(&t, &agent, low).await;
    resolve(&t, &agent, fine).await;
    let r = rate(
        &t,
        &ann,
        low,
        json!({"rating": 3, "comment": "Took a week"}),
    )
    .await;
    assert_eq!(r.body["low"], true, "{}", r.body);
    let r = rate(&t, &ann, fine, json!({"rating": 4})).await;
    assert_eq!(r.body["low"], false, "{}", r.body);

    let events = |body: &Value| -> Vec<String> {
        body["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["event"].as_str().unwrap().to_owned())
            .collect()
    };
    let staff = t.get(&format!("/api/v1/incidents/{low}"), &agent).await;
    assert!(
        events(&staff.body).contains(&"low_satisfaction".to_owned()),
        "{}",
        staff.body
    );
    let entry = staff.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["event"] == "low_satisfaction")
        .unwrap()
        .clone();
    assert_eq!(entry["detail"]["rating"], 3, "{entry}");
    assert_eq!(entry["actor"], "ann");
    let other = t.get(&format!("/api/v1/incidents/{fine}"), &agent).await;
    assert!(!events(&other.body).contains(&"low_satisfaction".to_owned()));
    // The customer's own timeline does not show the desk's flag.
    let own = t.get(&format!("/api/v1/incidents/{low}"), &ann).await;
    assert!(!events(&own.body).contains(&"low_satisfaction".to_owned()));
    // The low rating raised one improvement opportunity, linked to the record.
    let register = t.get("/api/v1/improvements", &manager).await.body;
    let raised: Vec<&Value> = register
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["source"] == "low_satisfaction")
        .collect();
    assert_eq!(raised.len(), 1, "{register}");
    assert!(
        raised[0]["links"]
            .as_array()
            .unwrap()
            .contains(&json!({"kind": "incident", "id": low})),
        "{}",
        raised[0]
    );
    assert!(
        raised[0]["description"]
            .as_str()
            .unwrap()
            .contains("Took a week")
    );

    let r = t
        .get("/api/v1/satisfaction/answers?low=true", &manager)
        .await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    assert_eq!(r.body["items"][0]["title"], "Lost my files");
}

#[tokio::test]
async fn the_satisfaction_report_counts_offers_answers_and_ratings() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, ann) = t.user("ann", "customer", Some(acme)).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let mail = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Mail", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    let web = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Web", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    // Mail: rated 5 and 2, one unanswered; Web: rated 4.
    let mut ids = Vec::new();
    for (service, rating) in [
        (mail, Some(5)),
        (mail, Some(2)),
        (mail, None),
        (web, Some(4)),
    ] {
        let id = incident(&t, &ann, "Something", Some(service)).await;
        resolve(&t, &agent, id).await;
        if let Some(r) = rating {
            let reply = rate(&t, &ann, id, json!({"rating": r})).await;
            assert_eq!(reply.status, 200, "{}", reply.body);
        }
        ids.push(id);
    }
    // An unresolved record offers nothing.
    incident(&t, &ann, "Still open", Some(web)).await;

    let r = t.get("/api/v1/reports/satisfaction", &agent).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let report = &r.body;
    assert_eq!(report["name"], "satisfaction");
    assert_eq!(report_figure(report, "offered"), 4.0);
    assert_eq!(report_figure(report, "answered"), 3.0);
    assert_eq!(report_figure(report, "response_rate"), 75.0);
    // (5 + 2 + 4) / 3
    assert_eq!(report_figure(report, "mean_rating"), 3.67);
    assert_eq!(report_figure(report, "satisfied"), 66.7);
    assert_eq!(report_figure(report, "dissatisfied"), 33.3);
    let m = report_row(report, "Mail");
    assert_eq!(
        m[1..],
        [
            json!(3),
            json!(2),
            json!(66.7),
            json!(3.5),
            json!(50.0),
            json!(50.0)
        ]
    );
    let w = report_row(report, "Web");
    assert_eq!(
        w[1..],
        [
            json!(1),
            json!(1),
            json!(100.0),
            json!(4.0),
            json!(100.0),
            json!(0.0)
        ]
    );
    assert_eq!(report["chart"]["type"], "bars");

    let r = t
        .get(
            &format!("/api/v1/reports/satisfaction?service_id={web}"),
            &agent,
        )
        .await;
    assert_eq!(report_figure(&r.body, "offered"), 1.0);
    let r = t
        .get("/api/v1/reports/satisfaction?kind=request", &agent)
        .await;
    assert_eq!(report_figure(&r.body, "offered"), 0.0);
    for by in ["team", "customer", "agent", "month"] {
        let r = t
            .get(&format!("/api/v1/reports/satisfaction?by={by}"), &agent)
            .await;
        assert_eq!(r.status, 200, "{by}: {}", r.body);
        assert_eq!(report_figure(&r.body, "answered"), 3.0);
    }
    let r = t
        .get("/api/v1/reports/satisfaction?by=customer", &agent)
        .await;
    assert_eq!(report_row(&r.body, "Acme")[1], 4);
    let r = t.get("/api/v1/reports/satisfaction?by=agent", &agent).await;
    assert_eq!(r.body["rows"].as_array().unwrap().len(), 1, "{}", r.body);
    let r = t
        .get("/api/v1/reports/satisfaction?by=priority", &agent)
        .await;
    assert_eq!(field(r.problem(422)), "by");

    let csv = t
        .get("/api/v1/reports/satisfaction?format=csv", &agent)
        .await;
    assert_eq!(csv.status, 200);
    let text = csv.body.as_str().unwrap();
    assert!(
        text.contains("Surveys offered") && text.contains("Mail"),
        "{text}"
    );
    let html = t
        .get("/api/v1/reports/satisfaction?format=html", &agent)
        .await;
    assert_eq!(html.status, 200);
    let page = html.body.as_str().unwrap();
    assert!(
        page.contains("Customer satisfaction") && page.contains("<svg"),
        "{page}"
    );
    // The report is listed beside the others.
    let names = t.get("/api/v1/reports", &agent).await;
    assert!(
        names.body.to_string().contains("satisfaction"),
        "{}",
        names.body
    );
    // Customers do not read reports.
    t.get("/api/v1/reports/satisfaction", &ann)
        .await
        .problem(403);
}

#[tokio::test]
async fn the_requester_answers_on_the_record_page_and_staff_read_it_there() {
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, ann) = t.user("ann", "customer", Some(acme)).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let id = incident(&t, &ann, "Screen flickers", None).await;
    resolve(&t, &agent, id).await;

    let mut b = Browser::new(&t);
    b.login("ann", "ann-password").await;
    let page = b.get(&format!("/incidents/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(page.body.contains("How did we do?"), "{}", page.body);
    let csrf = csrf_of(&page.body);
    // No rating chosen: the answer page says so next to the field.
    let refused = b
        .post(
            &format!("/incidents/{id}/satisfaction"),
            &[("csrf", &csrf), ("comment", "hm")],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("id=\"se-rating\""),
        "{}",
        refused.body
    );
    assert!(
        refused.body.contains(">hm</textarea>"),
        "the comment is kept"
    );
    let done = b
        .post(
            &format!("/incidents/{id}/satisfaction"),
            &[
                ("csrf", &csrf),
                ("rating", "2"),
                ("comment", "Came back twice"),
            ],
        )
        .await;
    assert_eq!(done.status, 303, "{}", done.body);
    let page = b.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("2 of 5"), "{}", page.body);
    assert!(!page.body.contains("Send my rating"));

    let mut staff = Browser::new(&t);
    staff.login("al", "al-password").await;
    let page = staff.get(&format!("/incidents/{id}")).await;
    assert!(page.body.contains("Customer satisfaction") && page.body.contains("Came back twice"));
    assert!(page.body.contains("Low rating"), "{}", page.body);
    assert!(
        page.body.contains("Low satisfaction rating: 2 of 5"),
        "on the timeline"
    );
    t.user("mia", "manager", None).await;
    let mut m = Browser::new(&t);
    m.login("mia", "mia-password").await;
    let list = m.get("/manage/satisfaction?low=1").await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("Screen flickers"), "{}", list.body);
    let csrf = csrf_of(&list.body);
    let refused = m
        .post(
            "/manage/satisfaction",
            &[
                ("csrf", &csrf),
                ("low_rating_threshold", "1"),
                ("link_valid_days", "0"),
            ],
        )
        .await;
    assert_eq!(refused.status, 422);
    assert!(refused.body.contains("from 1 to 365"), "{}", refused.body);
    let saved = m
        .post(
            "/manage/satisfaction",
            &[
                ("csrf", &csrf),
                ("low_rating_threshold", "1"),
                ("link_valid_days", "30"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let s = t.get("/api/v1/settings/satisfaction", &t.admin).await;
    assert_eq!(
        s.body,
        json!({"low_rating_threshold": 1, "link_valid_days": 30})
    );
    let report = m.get("/manage/reports/satisfaction?by=agent").await;
    assert_eq!(report.status, 200);
    assert!(report.body.contains("Mean rating"), "{}", report.body);
}

#[tokio::test]
async fn the_public_survey_form_answers_without_login() {
    let t = TestApp::spawn().await;
    let acme = t.create_org("Acme").await;
    let (_, ann) = t.user("ann", "customer", Some(acme)).await;
    let (_, agent) = t.user("al", "agent", None).await;
    let id = incident(&t, &ann, "Badge broken", None).await;
    resolve(&t, &agent, id).await;
    let link = link(&t, &agent, id).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let post = |body: &'static str| {
        http.post(format!("{}{link}", t.url))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let refused = post("rating=9").await.unwrap();
    assert_eq!(refused.status(), 422);
    assert!(refused.text().await.unwrap().contains("from 1 to 5"));
    let done = post("rating=5&comment=Fast").await.unwrap();
    assert_eq!(done.status(), 303);
    let page = t.send(Method::GET, &link, None, None).await;
    let html = page.body.as_str().unwrap();
    assert!(
        html.contains("Thank you") && !html.contains("Send my rating"),
        "{html}"
    );
    let again = post("rating=1").await.unwrap();
    assert_eq!(
        again.status(),
        303,
        "answered meanwhile: back to the page that says so"
    );
    assert_eq!(t.get(&path(id), &ann).await.body["rating"], 5);
}
