//! The service catalogue: entries, items with typed forms, versions, tenant isolation.
use crate::support::TestApp;
use serde_json::json;

struct World {
    acme: i64,
    acme_customer: String,
    globex_customer: String,
    entry: i64,
    item: i64,
    manager: String,
}

async fn world(t: &TestApp) -> World {
    let acme = t.create_org("Acme").await;
    let globex = t.create_org("Globex").await;
    let (_, manager) = t.user("mona", "manager", None).await;
    let (_, acme_customer) = t.user("wile", "customer", Some(acme)).await;
    let (_, globex_customer) = t.user("hank", "customer", Some(globex)).await;
    let team = t
        .post("/api/v1/teams", &t.admin, json!({"name": "Workplace"}))
        .await
        .id();
    let service = t
        .post(
            "/api/v1/services",
            &manager,
            json!({"name": "Workplace IT", "status": "live", "customer_ids": [acme]}),
        )
        .await
        .id();
    let r = t.post("/api/v1/catalogue", &manager, json!({"service_id": service, "title": "Workplace", "summary": "Laptops and phones", "published": true})).await;
    assert_eq!(r.status, 201, "{}", r.body);
    let entry = r.id();
    let r = t
        .post(
            &format!("/api/v1/catalogue/{entry}/items"),
            &manager,
            json!({
                "name": "New laptop",
                "description": "A laptop for a new starter",
                "form": [
                    {"key": "model", "label": "Model", "type": "choice", "required": true, "options": ["13-inch", "15-inch"]},
                    {"key": "count", "label": "How many", "type": "number", "required": true, "min": 1, "max": 5},
                    {"key": "needed_by", "label": "Needed by", "type": "date"},
                    {"key": "dock", "label": "Docking station", "type": "boolean"}
                ],
                "fulfilment_instructions": "Image with the standard build",
                "approval": {"by": "role", "role": "manager"},
                "fulfilment_team_id": team
            }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    World {
        acme,
        acme_customer,
        globex_customer,
        entry,
        item: r.id(),
        manager,
    }
}

#[tokio::test]
async fn customers_see_only_their_organizations_catalogue() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let r = t.get("/api/v1/catalogue", &w.acme_customer).await;
    assert_eq!(r.body["total"], 1, "{}", r.body);
    let item = &r.body["items"][0]["items"][0];
    assert_eq!(item["name"], "New laptop");
    assert!(
        item["fulfilment_instructions"].is_null(),
        "internal instructions are not shown to customers"
    );
    assert!(item["fulfilment_team_id"].is_null());

    assert_eq!(
        t.get("/api/v1/catalogue", &w.globex_customer).await.body["total"],
        0
    );
    t.get(
        &format!("/api/v1/catalogue/{}", w.entry),
        &w.globex_customer,
    )
    .await
    .problem(404);
    t.get(
        &format!("/api/v1/catalogue/items/{}", w.item),
        &w.globex_customer,
    )
    .await
    .problem(404);
    t.post(
        &format!("/api/v1/catalogue/items/{}/validate", w.item),
        &w.globex_customer,
        json!({"answers": {}}),
    )
    .await
    .problem(404);
    t.get(
        &format!("/api/v1/catalogue/{}/versions", w.entry),
        &w.acme_customer,
    )
    .await
    .problem(403);
    t.post(
        "/api/v1/catalogue",
        &w.acme_customer,
        json!({"service_id": 1, "title": "x"}),
    )
    .await
    .problem(403);

    // Unpublished entries and inactive items disappear for customers, not for staff.
    t.patch(
        &format!("/api/v1/catalogue/items/{}", w.item),
        &w.manager,
        json!({"active": false}),
    )
    .await;
    let r = t.get("/api/v1/catalogue", &w.acme_customer).await;
    assert_eq!(r.body["items"][0]["items"], json!([]));
    t.get(
        &format!("/api/v1/catalogue/items/{}", w.item),
        &w.acme_customer,
    )
    .await
    .problem(404);
    t.patch(
        &format!("/api/v1/catalogue/{}", w.entry),
        &w.manager,
        json!({"published": false}),
    )
    .await;
    assert_eq!(
        t.get("/api/v1/catalogue", &w.acme_customer).await.body["total"],
        0
    );
    let (_, agent) = t.user("agnes", "agent", None).await;
    let r = t.get("/api/v1/catalogue", &agent).await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(
        r.body["items"][0]["items"][0]["fulfilment_instructions"],
        "Image with the standard build"
    );
}

#[tokio::test]
async fn a_service_no_longer_delivered_or_no_longer_live_leaves_the_customers_catalogue() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let service = t
        .get(&format!("/api/v1/catalogue/{}", w.entry), &t.admin)
        .await
        .body["service_id"]
        .as_i64()
        .unwrap();
    t.patch(
        &format!("/api/v1/services/{service}"),
        &t.admin,
        json!({"status": "retired"}),
    )
    .await;
    assert_eq!(
        t.get("/api/v1/catalogue", &w.acme_customer).await.body["total"],
        0
    );
    t.patch(
        &format!("/api/v1/services/{service}"),
        &t.admin,
        json!({"status": "live", "customer_ids": []}),
    )
    .await;
    assert_eq!(
        t.get("/api/v1/catalogue", &w.acme_customer).await.body["total"],
        0
    );
    t.patch(
        &format!("/api/v1/services/{service}"),
        &t.admin,
        json!({"customer_ids": [w.acme]}),
    )
    .await;
    assert_eq!(
        t.get("/api/v1/catalogue", &w.acme_customer).await.body["total"],
        1
    );
}

#[tokio::test]
async fn answers_are_checked_against_the_form() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let url = format!("/api/v1/catalogue/items/{}/validate", w.item);
    let r = t.post(&url, &w.acme_customer, json!({"answers": {"model": "13-inch", "count": 2, "needed_by": "2026-12-01", "dock": true}})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.body["answers"]["count"], 2);
    let r = t.post(&url, &w.acme_customer, json!({"answers": {"model": "17-inch", "count": "two", "dock": "yes", "colour": "red"}})).await;
    let p = r.problem(422);
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "answers.colour",
            "answers.model",
            "answers.count",
            "answers.dock"
        ]
    );
    let r = t
        .post(
            &url,
            &w.acme_customer,
            json!({"answers": {"model": "13-inch"}}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "answers.count");
    let r = t
        .post(
            &url,
            &w.acme_customer,
            json!({"answers": {"model": "13-inch", "count": 9}}),
        )
        .await;
    assert!(
        r.problem(422)["detail"]
            .as_str()
            .unwrap()
            .contains("at most 5")
    );
}

#[tokio::test]
async fn every_change_is_a_kept_version() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    t.patch(
        &format!("/api/v1/catalogue/{}", w.entry),
        &w.manager,
        json!({"title": "Workplace services"}),
    )
    .await;
    let r = t
        .patch(
            &format!("/api/v1/catalogue/items/{}", w.item),
            &w.manager,
            json!({"name": "Laptop"}),
        )
        .await;
    assert_eq!(r.body["version"], 2);
    let r = t
        .get(&format!("/api/v1/catalogue/{}/versions", w.entry), &t.admin)
        .await;
    let versions = r.body.as_array().unwrap();
    assert_eq!(versions.len(), 2);
    assert_eq!(versions[0]["snapshot"]["title"], "Workplace");
    assert_eq!(versions[1]["snapshot"]["title"], "Workplace services");
    assert_eq!(versions[1]["actor"], "mona");
    let (_, auditor) = t.user("audrey", "auditor", None).await;
    let r = t
        .get(
            &format!("/api/v1/catalogue/items/{}/versions", w.item),
            &auditor,
        )
        .await;
    let names: Vec<&str> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["snapshot"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["New laptop", "Laptop"]);
}

#[tokio::test]
async fn bad_entries_and_items_are_refused_with_the_field() {
    let t = TestApp::spawn().await;
    let w = world(&t).await;
    let pipeline = t
        .post("/api/v1/services", &t.admin, json!({"name": "Future"}))
        .await
        .id();
    let r = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": pipeline, "title": "Soon", "published": true}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "published");
    let r = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": 9999, "title": "x"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "service_id");
    let service = t
        .get(&format!("/api/v1/catalogue/{}", w.entry), &t.admin)
        .await
        .body["service_id"]
        .clone();
    let r = t
        .post(
            "/api/v1/catalogue",
            &t.admin,
            json!({"service_id": service, "title": "again"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "service_id");

    let items = format!("/api/v1/catalogue/{}/items", w.entry);
    let r = t
        .post(&items, &t.admin, json!({"name": "new laptop"}))
        .await;
    assert_eq!(r.problem(409)["field"], "name");
    let r = t
        .post(
            &items,
            &t.admin,
            json!({"name": "X", "form": [{"key": "Bad Key", "label": "x", "type": "text"}]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "form[0].key");
    let r = t
        .post(
            &items,
            &t.admin,
            json!({"name": "X", "form": [{"key": "a", "label": "x", "type": "colour"}]}),
        )
        .await;
    assert!(
        r.problem(422)["field"]
            .as_str()
            .unwrap()
            .starts_with("form[0]")
    );
    let r = t
        .post(
            &items,
            &t.admin,
            json!({"name": "X", "approval": {"by": "role", "role": "customer"}}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "approval.role");
    let r = t
        .post(
            &items,
            &t.admin,
            json!({"name": "X", "approval": {"by": "users", "user_ids": [424242]}}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "approval.user_ids");
    let r = t
        .post(
            &items,
            &t.admin,
            json!({"name": "X", "fulfilment_team_id": 424242}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "fulfilment_team_id");
    t.post(
        "/api/v1/catalogue/424242/items",
        &t.admin,
        json!({"name": "X"}),
    )
    .await
    .problem(404);
    // Nothing of the refused requests was stored.
    assert_eq!(
        t.get(&format!("/api/v1/catalogue/{}", w.entry), &t.admin)
            .await
            .body["items"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
