//! Audit samples: reproducible draws, the whole population when it is small, the checks on
//! the request, who may draw and read them, and the links and timeline of a sampled record.
use crate::support::TestApp;
use serde_json::{Value, json};

const PATH: &str = "/api/v1/conformity/samples";

async fn incidents(t: &TestApp, n: usize) -> Vec<i64> {
    let mut ids = Vec::new();
    for i in 0..n {
        let r = t
            .post(
                "/api/v1/incidents",
                &t.admin,
                json!({"title": format!("Incident {i}"), "impact": "medium", "urgency": "medium"}),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        ids.push(r.id());
    }
    ids
}

fn ids(body: &Value) -> Vec<i64> {
    body["record_ids"]
        .as_array()
        .expect("record_ids")
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect()
}

/// Every day the tests could run on.
fn body(kind: &str, size: i64, seed: Option<u64>) -> Value {
    json!({"kind": kind, "from": "2000-01-01", "to": "2099-12-31", "size": size, "seed": seed})
}

#[tokio::test]
async fn the_same_seed_draws_the_same_records_in_the_same_order() {
    let t = TestApp::spawn().await;
    let all = incidents(&t, 30).await;
    let (auditor_id, auditor) = t.user("sampling-auditor", "auditor", None).await;

    let first = t.post(PATH, &auditor, body("incident", 10, Some(42))).await;
    assert_eq!(first.status, 201, "{}", first.body);
    assert_eq!(first.body["population"], 30);
    assert_eq!(first.body["seed"], 42);
    assert_eq!(first.body["drawn_by"], auditor_id);
    let drawn = ids(&first.body);
    assert_eq!(drawn.len(), 10);
    assert!(drawn.iter().all(|id| all.contains(id)));

    let again = t.post(PATH, &auditor, body("incident", 10, Some(42))).await;
    assert_eq!(
        ids(&again.body),
        drawn,
        "same seed, same records, same order"
    );
    let other = t.post(PATH, &auditor, body("incident", 10, Some(43))).await;
    assert_ne!(ids(&other.body), drawn, "another seed draws another sample");

    // Without a seed, one is chosen and stored; drawing with it again gives the same sample.
    let free = t.post(PATH, &auditor, body("incident", 5, None)).await;
    assert_eq!(free.status, 201, "{}", free.body);
    let seed = free.body["seed"].as_u64().expect("seed");
    let replay = t
        .post(PATH, &auditor, body("incident", 5, Some(seed)))
        .await;
    assert_eq!(ids(&replay.body), ids(&free.body));

    // The draw is stored and audited.
    let id = first.id();
    let stored = t.get(&format!("{PATH}/{id}"), &auditor).await;
    assert_eq!(stored.status, 200, "{}", stored.body);
    let shown: Vec<i64> = stored.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(shown, drawn);
    let list = t.get(PATH, &auditor).await;
    assert_eq!(list.body.as_array().unwrap().len(), 5);
    let trail = t
        .get(
            &format!("/api/v1/audit?record_type=sample&record_id={id}"),
            &t.admin,
        )
        .await;
    assert_eq!(trail.body["items"][0]["action"], "draw", "{}", trail.body);

    // A period without records gives an empty sample, said so by its population.
    let r = t
        .post(
            PATH,
            &auditor,
            json!({"kind": "incident", "from": "2001-01-01", "to": "2001-01-31", "size": 5}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["population"], 0);
    assert!(ids(&r.body).is_empty());
}

#[tokio::test]
async fn a_sample_larger_than_the_period_takes_every_record() {
    let t = TestApp::spawn().await;
    let mut all = incidents(&t, 4).await;
    let (_, manager) = t.user("sampling-manager", "manager", None).await;
    let r = t.post(PATH, &manager, body("incident", 100, Some(7))).await;
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.body["population"], 4);
    assert_eq!(r.body["size"], 100);
    let mut drawn = ids(&r.body);
    drawn.sort_unstable();
    all.sort_unstable();
    assert_eq!(drawn, all);
    // Other kinds draw from their own records only.
    let r = t.post(PATH, &manager, body("problem", 10, Some(7))).await;
    assert_eq!(r.body["population"], 0, "{}", r.body);
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let t = TestApp::spawn().await;
    let (_, auditor) = t.user("strict-auditor", "auditor", None).await;
    let field = |r: &crate::support::Reply| -> Vec<String> {
        r.problem(422)["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap().to_owned())
            .collect()
    };
    let r = t.post(PATH, &auditor, body("incident", 0, None)).await;
    assert_eq!(field(&r), ["size"]);
    let r = t.post(PATH, &auditor, body("incident", 101, None)).await;
    assert_eq!(field(&r), ["size"]);
    let r = t
        .post(
            PATH,
            &auditor,
            json!({"kind": "incident", "from": "2026-03-01", "to": "2026-02-01", "size": 5}),
        )
        .await;
    assert_eq!(field(&r), ["to"]);
    let r = t
        .post(PATH, &auditor, body("change_request", 5, None))
        .await;
    assert_eq!(field(&r), ["kind"]);
    let r = t
        .post(
            PATH,
            &auditor,
            json!({"kind": "incident", "from": "2026-03-01", "to": "2026-03-31", "size": 5, "seed": -1}),
        )
        .await;
    assert_eq!(field(&r), ["seed"]);
    let r = t.get(&format!("{PATH}/999"), &auditor).await;
    r.problem(404);
    assert_eq!(
        t.get(PATH, &auditor).await.body,
        json!([]),
        "nothing stored"
    );
}

#[tokio::test]
async fn agents_and_customers_may_neither_draw_nor_read_samples() {
    let t = TestApp::spawn().await;
    incidents(&t, 2).await;
    let org = t.create_org("Acme").await;
    let drawn = t.post(PATH, &t.admin, body("incident", 1, Some(1))).await;
    assert_eq!(drawn.status, 201, "{}", drawn.body);
    let id = drawn.id();
    for (name, role, org) in [
        ("sample-agent", "agent", None),
        ("sample-customer", "customer", Some(org)),
    ] {
        let (_, token) = t.user(name, role, org).await;
        t.post(PATH, &token, body("incident", 1, None))
            .await
            .problem(403);
        t.get(PATH, &token).await.problem(403);
        t.get(&format!("{PATH}/{id}"), &token).await.problem(403);
    }
}

#[tokio::test]
async fn a_sampled_incident_shows_its_problem_known_error_and_timeline() {
    let t = TestApp::spawn().await;
    let incident = incidents(&t, 1).await[0];
    let problem = t
        .post(
            "/api/v1/problems",
            &t.admin,
            json!({"title": "Disk fills up", "impact": "high", "urgency": "medium",
                   "incident_ids": [incident]}),
        )
        .await;
    assert_eq!(problem.status, 201, "{}", problem.body);
    let p = problem.id();
    let r = t
        .patch(
            &format!("/api/v1/problems/{p}"),
            &t.admin,
            json!({"root_cause": "Log rotation off"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for to in [
        json!({"to": "investigating"}),
        json!({"to": "known_error", "workaround": "Delete old logs"}),
    ] {
        let r = t
            .post(&format!("/api/v1/problems/{p}/transition"), &t.admin, to)
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    let r = t
        .post(
            &format!("/api/v1/incidents/{incident}/transition"),
            &t.admin,
            json!({"to": "in_progress"}),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let (_, auditor) = t.user("link-auditor", "auditor", None).await;
    let s = t.post(PATH, &auditor, body("incident", 5, Some(3))).await;
    let detail = t.get(&format!("{PATH}/{}", s.id()), &auditor).await;
    assert_eq!(detail.status, 200, "{}", detail.body);
    let record = &detail.body["records"][0];
    assert!(record["reference"].as_str().unwrap().starts_with("INC-"));
    assert_eq!(record["priority"], "P3", "{record}");
    let links = record["links"].as_array().unwrap();
    assert_eq!(links[0]["kind"], "problem", "{record}");
    assert_eq!(links[0]["id"], p);
    assert_eq!(links[1]["kind"], "known_error", "{record}");
    assert!(links[1]["reference"].as_str().unwrap().starts_with("KE-"));
    assert_eq!(links[1]["depth"], 1);
    let timeline = record["timeline"].as_array().unwrap();
    assert_eq!(timeline[0]["action"], "create", "{record}");
    assert!(
        timeline
            .iter()
            .any(|e| e["status_to"] == "in_progress" && e["status_from"] == "new"),
        "{record}"
    );

    // The problem's own sample shows the incident; the known error's shows its problem.
    let s = t
        .post(PATH, &auditor, body("known_error", 5, Some(3)))
        .await;
    assert_eq!(s.body["population"], 1, "{}", s.body);
    let detail = t.get(&format!("{PATH}/{}", s.id()), &auditor).await;
    let record = &detail.body["records"][0];
    assert!(record["reference"].as_str().unwrap().starts_with("KE-"));
    let kinds: Vec<&str> = record["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["problem", "incident"], "{record}");
}

#[tokio::test]
async fn an_auditor_draws_and_opens_a_sample_in_the_browser_and_is_offered_no_changes() {
    use crate::ui::{Browser, csrf_of};
    let t = TestApp::spawn().await;
    let incident = incidents(&t, 3).await[0];
    t.user("screen-auditor", "auditor", None).await;
    let mut b = Browser::new(&t);
    assert_eq!(
        b.login("screen-auditor", "screen-auditor-password")
            .await
            .status,
        303
    );

    let list = b.get("/manage/conformity/samples").await;
    assert_eq!(list.status, 200, "{}", list.body);
    assert!(list.body.contains("href=\"/manage/conformity/samples\""));
    assert!(
        !list.body.contains("href=\"/incidents/new\""),
        "no New incident"
    );
    let csrf = csrf_of(&list.body);
    let form = |size: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("kind", "incident".to_owned()),
            ("from", "2000-01-01".to_owned()),
            ("to", "2099-12-31".to_owned()),
            ("size", size.to_owned()),
            ("seed", String::new()),
        ]
    };
    let bad = form("0");
    let refs: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = b.post("/manage/conformity/samples", &refs).await;
    assert_eq!(refused.status, 422);
    assert!(
        refused.body.contains("1 to 100 records"),
        "{}",
        refused.body
    );

    let good = form("25");
    let refs: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let drawn = b.post("/manage/conformity/samples", &refs).await;
    assert_eq!(drawn.status, 303, "{}", drawn.body);
    let at = drawn.location.expect("location");
    let page = b.get(&at).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("all of them taken"), "{}", page.body);
    assert_eq!(page.body.matches("<details>").count(), 3);
    assert!(
        page.body
            .contains(&format!("href=\"/incidents/{incident}\""))
    );

    // Every management link the auditor is shown opens for them.
    for path in [
        "/manage/improvements",
        "/manage/audits",
        "/manage/nonconformities",
    ] {
        assert!(
            page.body.contains(&format!("href=\"{path}\"")),
            "{path} not shown"
        );
        assert_eq!(b.get(path).await.status, 200, "{path}");
    }
    assert!(!page.body.contains("href=\"/manage/services\""));
    assert_eq!(
        b.get("/").await.location.as_deref(),
        Some("/manage/conformity/samples")
    );

    // The record pages offer the auditor no change.
    let record = b.get(&format!("/incidents/{incident}")).await;
    assert_eq!(record.status, 200);
    for action in [
        "transition",
        "reply",
        "assign",
        "edit",
        "attach",
        "major",
        "merge",
    ] {
        assert!(
            !record
                .body
                .contains(&format!("action=\"/incidents/{incident}/{action}\"")),
            "{action} offered"
        );
    }
}
