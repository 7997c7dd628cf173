//! Configuration items: CRUD and history, relations, impact analysis, configuration audits.
use crate::support::TestApp;
use reqwest::Method;
use serde_json::json;

async fn ci(t: &TestApp, name: &str, ci_type: &str) -> i64 {
    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": name, "ci_type": ci_type}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

async fn relate(t: &TestApp, source: i64, kind: &str, target: i64) -> i64 {
    let r = t
        .post(
            &format!("/api/v1/cis/{source}/relations"),
            &t.admin,
            json!({"kind": kind, "target_id": target}),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    r.id()
}

#[tokio::test]
async fn cis_keep_every_change_in_their_history() {
    let t = TestApp::spawn().await;
    let r = t.post("/api/v1/cis", &t.admin, json!({"name": "db-1", "ci_type": "database", "attributes": {"engine": "postgres", "version": 15}})).await;
    assert_eq!(r.status, 201);
    let id = r.id();
    assert_eq!(r.body["status"], "active");
    assert_eq!(r.body["attributes"]["version"], 15);
    let r = t
        .patch(
            &format!("/api/v1/cis/{id}"),
            &t.admin,
            json!({"status": "maintenance", "attributes": {"engine": "postgres", "version": 16}}),
        )
        .await;
    assert_eq!(r.body["attributes"]["version"], 16);
    let h = t.get(&format!("/api/v1/cis/{id}/history"), &t.admin).await;
    let h = h.body.as_array().unwrap().clone();
    assert_eq!(h.len(), 2);
    assert_eq!(h[0]["action"], "create");
    assert_eq!(h[1]["action"], "update");
    assert_eq!(h[1]["actor"], "admin");
    assert_eq!(h[1]["before"]["attributes"]["version"], 15);
    assert_eq!(h[1]["after"]["status"], "maintenance");

    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": "DB-1", "ci_type": "database"}),
        )
        .await;
    assert_eq!(r.problem(409)["field"], "name");
    // The same name with another type is another CI.
    ci(&t, "db-1", "server").await;
    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": "x", "ci_type": "toaster"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "ci_type");
    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": "x", "ci_type": "server", "attributes": [1]}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "attributes");
    let r = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": "x", "ci_type": "service"}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "ci_type");
}

#[tokio::test]
async fn relations_are_typed_checked_and_recorded() {
    let t = TestApp::spawn().await;
    let app = ci(&t, "crm", "application").await;
    let srv = ci(&t, "srv-1", "server").await;
    let rel = relate(&t, app, "runs_on", srv).await;
    let r = t
        .post(
            &format!("/api/v1/cis/{app}/relations"),
            &t.admin,
            json!({"kind": "runs_on", "target_id": srv}),
        )
        .await;
    r.problem(409);
    let r = t
        .post(
            &format!("/api/v1/cis/{app}/relations"),
            &t.admin,
            json!({"kind": "runs_on", "target_id": app}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "target_id");
    let r = t
        .post(
            &format!("/api/v1/cis/{app}/relations"),
            &t.admin,
            json!({"kind": "runs_on", "target_id": 9999}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "target_id");
    let r = t
        .post(
            &format!("/api/v1/cis/{app}/relations"),
            &t.admin,
            json!({"kind": "hosts", "target_id": srv}),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "kind");
    let r = t.get(&format!("/api/v1/cis/{srv}"), &t.admin).await;
    assert_eq!(r.body["relations_in"][0]["source_id"], app);
    // A CI in a relation cannot be deleted; it can after the relation goes.
    t.delete(&format!("/api/v1/cis/{srv}"), &t.admin)
        .await
        .problem(409);
    assert_eq!(
        t.delete(&format!("/api/v1/cis/{app}/relations/{rel}"), &t.admin)
            .await
            .status,
        204
    );
    assert_eq!(
        t.delete(&format!("/api/v1/cis/{srv}"), &t.admin)
            .await
            .status,
        204
    );
    let h = t.get(&format!("/api/v1/cis/{app}/history"), &t.admin).await;
    let actions: Vec<&str> = h
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "relate", "unrelate"]);
}

#[tokio::test]
async fn impact_follows_dependence_transitively_with_paths_and_services() {
    let t = TestApp::spawn().await;
    // network ← srv (connects_to) ← app (runs_on) ← service Portal (depends_on)
    // disk part_of srv: a failing disk affects the server and everything above it.
    let net = ci(&t, "lan", "network").await;
    let srv = ci(&t, "srv-1", "server").await;
    let disk = ci(&t, "disk-1", "server").await;
    let app = ci(&t, "portal-app", "application").await;
    let unrelated = ci(&t, "other", "server").await;
    relate(&t, srv, "connects_to", net).await;
    relate(&t, disk, "part_of", srv).await;
    relate(&t, app, "runs_on", srv).await;
    let portal = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Portal", "status": "live"}),
        )
        .await;
    let portal_ci = portal.body["ci_id"].as_i64().unwrap();
    relate(&t, portal_ci, "depends_on", app).await;
    // A service that depends on Portal is affected through the service graph too.
    let shop = t
        .post(
            "/api/v1/services",
            &t.admin,
            json!({"name": "Shop", "depends_on": [portal.id()]}),
        )
        .await;
    let shop_ci = shop.body["ci_id"].as_i64().unwrap();

    let r = t.get(&format!("/api/v1/cis/{net}/impact"), &t.admin).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let impacted: Vec<(i64, i64, Vec<i64>)> = r.body["impacted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["ci_id"].as_i64().unwrap(),
                e["depth"].as_i64().unwrap(),
                serde_json::from_value(e["path"].clone()).unwrap(),
            )
        })
        .collect();
    assert_eq!(
        impacted,
        vec![
            (srv, 1, vec![net, srv]),
            (app, 2, vec![net, srv, app]),
            (portal_ci, 3, vec![net, srv, app, portal_ci]),
            (shop_ci, 4, vec![net, srv, app, portal_ci, shop_ci]),
        ]
    );
    let services: Vec<&str> = r.body["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(services, ["Portal", "Shop"]);

    let r = t.get(&format!("/api/v1/cis/{disk}/impact"), &t.admin).await;
    let ids: Vec<i64> = r.body["impacted"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["ci_id"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![srv, app, portal_ci, shop_ci],
        "a part's failure affects the whole"
    );
    let r = t
        .get(&format!("/api/v1/cis/{unrelated}/impact"), &t.admin)
        .await;
    assert_eq!(r.body["impacted"], json!([]));
    let r = t
        .get(&format!("/api/v1/cis/{net}/impact?max_depth=2"), &t.admin)
        .await;
    assert_eq!(r.body["impacted"].as_array().unwrap().len(), 2);
    t.get(&format!("/api/v1/cis/{net}/impact?max_depth=0"), &t.admin)
        .await
        .problem(422);
    t.get("/api/v1/cis/999999/impact", &t.admin)
        .await
        .problem(404);
}

#[tokio::test]
async fn impact_on_a_generated_deep_graph_with_a_cycle() {
    let t = TestApp::spawn().await;
    // 6 layers of 8 CIs; each CI relies on two CIs of the layer below; plus a cycle at the top.
    let mut layers: Vec<Vec<i64>> = Vec::new();
    for l in 0..6 {
        let mut layer = Vec::new();
        for i in 0..8 {
            layer.push(ci(&t, &format!("n{l}-{i}"), "application").await);
        }
        layers.push(layer);
    }
    for l in 1..6 {
        for i in 0..8 {
            let me = layers[l][i];
            relate(&t, me, "depends_on", layers[l - 1][i]).await;
            relate(&t, me, "depends_on", layers[l - 1][(i + 1) % 8]).await;
        }
    }
    relate(&t, layers[0][0], "depends_on", layers[5][0]).await;
    let root = layers[0][0];
    // The expected answer, from a plain breadth-first walk over the relations made above.
    let mut dependents: std::collections::HashMap<i64, Vec<i64>> = std::collections::HashMap::new();
    for l in 1..6 {
        for i in 0..8 {
            dependents
                .entry(layers[l - 1][i])
                .or_default()
                .push(layers[l][i]);
            dependents
                .entry(layers[l - 1][(i + 1) % 8])
                .or_default()
                .push(layers[l][i]);
        }
    }
    dependents.entry(layers[5][0]).or_default().push(root);
    let mut expected: std::collections::BTreeMap<i64, i64> = std::collections::BTreeMap::new();
    let mut frontier = vec![root];
    for depth in 1.. {
        let mut next = Vec::new();
        for n in &frontier {
            for d in dependents.get(n).cloned().unwrap_or_default() {
                if d != root && !expected.contains_key(&d) {
                    expected.insert(d, depth);
                    next.push(d);
                }
            }
        }
        if next.is_empty() {
            break;
        }
        frontier = next;
    }
    let r = t.get(&format!("/api/v1/cis/{root}/impact"), &t.admin).await;
    let impacted = r.body["impacted"].as_array().unwrap();
    let got: std::collections::BTreeMap<i64, i64> = impacted
        .iter()
        .map(|e| (e["ci_id"].as_i64().unwrap(), e["depth"].as_i64().unwrap()))
        .collect();
    assert!(expected.len() > 10);
    assert_eq!(
        got, expected,
        "every dependent, at its shortest depth, and never the root despite the cycle"
    );
    for e in impacted {
        let path: Vec<i64> = serde_json::from_value(e["path"].clone()).unwrap();
        assert_eq!(path[0], root);
        assert_eq!(*path.last().unwrap(), e["ci_id"].as_i64().unwrap());
        assert_eq!(path.len() as i64, e["depth"].as_i64().unwrap() + 1);
        // Each step of the path is a real dependence.
        for w in path.windows(2) {
            assert!(dependents[&w[0]].contains(&w[1]), "{w:?} is not a relation");
        }
    }
}

#[tokio::test]
async fn configuration_audit_lists_discrepancies_from_csv_or_json() {
    let t = TestApp::spawn().await;
    let web = t
        .post(
            "/api/v1/cis",
            &t.admin,
            json!({"name": "web-1", "ci_type": "server", "attributes": {"os": "debian 12"}}),
        )
        .await
        .id();
    let gone = ci(&t, "web-2", "server").await;
    let csv = "name,ci_type,status,os\nweb-1,server,active,debian 13\nweb-3,server,,\n";
    let r = t
        .raw(
            Method::POST,
            "/api/v1/cis/audit",
            Some(&t.admin),
            "text/csv",
            csv.as_bytes().to_vec(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let kinds: Vec<(&str, Option<i64>)> = r.body["discrepancies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["kind"].as_str().unwrap(), d["ci_id"].as_i64()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("attribute_differs", Some(web)),
            ("unrecorded", None),
            ("not_discovered", Some(gone))
        ]
    );
    let r = t.post("/api/v1/cis/audit", &t.admin, json!([{"name": "web-1", "ci_type": "server", "attributes": {"os": "debian 12"}}, {"name": "web-2", "ci_type": "server"}])).await;
    assert_eq!(r.body["discrepancies"], json!([]));
    let r = t
        .raw(
            Method::POST,
            "/api/v1/cis/audit",
            Some(&t.admin),
            "text/csv",
            b"name,ci_type\nx,toaster\n".to_vec(),
        )
        .await;
    assert_eq!(r.problem(422)["field"], "line 2");
    let r = t.get("/api/v1/audit?record_type=ci_audit", &t.admin).await;
    assert_eq!(r.body["total"], 2);
}

#[tokio::test]
async fn agents_read_cis_customers_do_not() {
    let t = TestApp::spawn().await;
    let org = t.create_org("Acme").await;
    let id = ci(&t, "srv", "server").await;
    let (_, agent) = t.user("a", "agent", None).await;
    let (_, customer) = t.user("c", "customer", Some(org)).await;
    assert_eq!(
        t.get(&format!("/api/v1/cis/{id}/impact"), &agent)
            .await
            .status,
        200
    );
    t.post(
        "/api/v1/cis",
        &agent,
        json!({"name": "x", "ci_type": "server"}),
    )
    .await
    .problem(403);
    t.get("/api/v1/cis", &customer).await.problem(403);
    t.get(&format!("/api/v1/cis/{id}/impact"), &customer)
        .await
        .problem(403);
}
