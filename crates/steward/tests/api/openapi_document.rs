//! The OpenAPI document's own consistency: what a client generator relies on before it sends
//! a single request. (Whether responses match it is checked on every test; see `contract`.)
use crate::contract::CONTRACT;
use crate::support::TestApp;
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// (method, path template, operation) for every operation in the document.
fn operations(doc: &Value) -> Vec<(&'static str, &str, &Value)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in METHODS {
            if let Some(op) = item.get(method) {
                out.push((method, path.as_str(), op));
            }
        }
    }
    out
}

#[test]
fn operation_ids_are_present_and_unique() {
    let mut seen: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (method, path, op) in operations(&CONTRACT.doc) {
        let id = op["operationId"]
            .as_str()
            .unwrap_or_else(|| panic!("{method} {path} has no operationId"));
        seen.entry(id).or_default().push(format!("{method} {path}"));
    }
    let reused: Vec<_> = seen.iter().filter(|(_, ops)| ops.len() > 1).collect();
    assert!(
        reused.is_empty(),
        "operationIds used more than once: {reused:#?}"
    );
    assert!(seen.len() > 100, "only {} operations", seen.len());
}

#[test]
fn path_parameters_are_in_the_template_and_query_ones_are_not() {
    let mut wrong = Vec::new();
    for (method, path, op) in operations(&CONTRACT.doc) {
        let in_template: BTreeSet<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        let mut declared = BTreeSet::new();
        for p in op["parameters"].as_array().into_iter().flatten() {
            let name = p["name"].as_str().unwrap_or_default();
            match p["in"].as_str() {
                Some("path") => {
                    declared.insert(name);
                    if !in_template.contains(name) {
                        wrong.push(format!("{method} {path}: `{name}` is not in the path"));
                    }
                }
                Some("query") if in_template.contains(name) => {
                    wrong.push(format!("{method} {path}: `{name}` is a path segment"))
                }
                _ => {}
            }
        }
        for name in in_template.difference(&declared) {
            wrong.push(format!(
                "{method} {path}: path parameter `{name}` undeclared"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} wrong parameters: {wrong:#?}",
        wrong.len()
    );
}

#[test]
fn errors_are_documented_as_problem_json() {
    let mut wrong = Vec::new();
    for (method, path, op) in operations(&CONTRACT.doc) {
        for (status, response) in op["responses"].as_object().expect("responses") {
            if !(status.starts_with('4') || status.starts_with('5')) {
                continue;
            }
            let types: Vec<&String> = response["content"]
                .as_object()
                .map(|c| c.keys().collect())
                .unwrap_or_default();
            if types != ["application/problem+json"] {
                wrong.push(format!("{method} {path} {status}: {types:?}"));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} error responses: {wrong:#?}",
        wrong.len()
    );
}

#[test]
fn json_bodies_can_be_refused_as_documented() {
    // Every JSON body can come back as 400 (malformed), 413 (too large), 415 (not JSON) or
    // 422 (wrong fields).
    let mut missing = Vec::new();
    for (method, path, op) in operations(&CONTRACT.doc) {
        let takes_json = op["requestBody"]["content"]
            .as_object()
            .is_some_and(|c| c.contains_key("application/json"));
        if !takes_json {
            continue;
        }
        for status in ["400", "413", "415", "422"] {
            if op["responses"].get(status).is_none() {
                missing.push(format!("{method} {path} {status}"));
            }
        }
    }
    assert!(missing.is_empty(), "undocumented: {missing:#?}");
}

#[test]
fn schema_names_are_not_shared_by_different_types() {
    let collisions = steward_web::openapi_schema_collisions();
    assert!(collisions.is_empty(), "{collisions:#?}");
}

#[test]
fn every_reference_resolves() {
    fn walk<'a>(v: &'a Value, refs: &mut BTreeSet<&'a str>) {
        match v {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    refs.insert(r);
                }
                map.values().for_each(|v| walk(v, refs));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, refs)),
            _ => {}
        }
    }
    let mut refs = BTreeSet::new();
    walk(&CONTRACT.doc, &mut refs);
    let dangling: Vec<_> = refs
        .into_iter()
        .filter(|r| {
            r.strip_prefix('#')
                .and_then(|p| CONTRACT.doc.pointer(p))
                .is_none()
        })
        .collect();
    assert!(dangling.is_empty(), "{dangling:?}");
}

#[tokio::test]
async fn the_served_document_is_the_checked_one() {
    let t = TestApp::spawn().await;
    let served = t
        .http
        .get(format!("{}/api/v1/openapi.json", t.url))
        .send()
        .await
        .expect("request")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(served, CONTRACT.doc);
    // The example: the search words are a query parameter.
    let q = &served["paths"]["/api/v1/search"]["get"]["parameters"]
        .as_array()
        .expect("parameters")
        .iter()
        .find(|p| p["name"] == "q")
        .expect("q")["in"];
    assert_eq!(q, "query");
}

#[test]
fn the_response_check_refuses_what_the_document_does_not_describe() {
    use axum::http::Method;
    let verify = |status: u16, content_type: &str, body: Value| {
        CONTRACT.verify(
            &Method::GET,
            "/api/v1/calendars/7",
            status,
            Some(content_type),
            body.to_string().as_bytes(),
        )
    };
    // A calendar as served: its spec's fields beside `id` and `version`.
    let calendar = serde_json::json!({
        "id": 7, "version": 2, "name": "Office", "time_zone": "Europe/Berlin",
        "hours": {"mon": [["09:00", "17:00"]]}, "holidays": ["2026-12-25"]
    });
    verify(200, "application/json", calendar.clone()).expect("a served calendar");
    let mut wrong = calendar.clone();
    wrong["version"] = serde_json::json!("two");
    assert!(verify(200, "application/json", wrong).is_err());
    assert!(verify(418, "application/json", calendar).is_err());
    let problem = serde_json::json!({
        "type": "/problems/not-found", "title": "Not Found", "status": 404, "detail": "no calendar 7"
    });
    verify(404, "application/problem+json", problem.clone()).expect("a problem");
    assert!(verify(404, "application/json", problem).is_err());
}
