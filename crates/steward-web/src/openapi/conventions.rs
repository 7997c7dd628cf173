//! What every operation shares, applied once to the merged document so that no handler has to
//! repeat it (and none can forget it): unique operationIds, the problem+json media type of
//! errors, and the error answers the extractors and outer layers give to any operation.
use serde_json::{Value, json};

pub const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn apply(doc: &mut Value) {
    let schemas = doc["components"]["schemas"].clone();
    open_flattened(doc, &schemas);
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        for method in METHODS {
            if let Some(op) = item.get_mut(method) {
                op["operationId"] = json!(operation_id(method, path));
                errors_as_problems(op);
                standard_errors(op);
            }
        }
    }
}

/// serde's `flatten` puts a type's fields beside others, and utoipa documents that as an
/// `allOf`; a member that refuses unknown fields (`additionalProperties: false`, an input type
/// reused in an answer) would then refuse the fields beside it, which every answer has. Such a
/// member is replaced by an open copy of itself.
fn open_flattened(node: &mut Value, schemas: &Value) {
    let open = |member: &Value| -> Option<Value> {
        let target = match member["$ref"].as_str() {
            Some(r) => schemas.get(r.strip_prefix("#/components/schemas/")?)?,
            None => member,
        };
        (target["additionalProperties"] == false).then(|| {
            let mut copy = target.clone();
            copy.as_object_mut()?.remove("additionalProperties");
            Some(copy)
        })?
    };
    if let Some(members) = node.get_mut("allOf").and_then(Value::as_array_mut)
        && members.len() > 1
    {
        for member in members.iter_mut() {
            if let Some(opened) = open(member) {
                *member = opened;
            }
        }
    }
    match node {
        Value::Object(map) => map.values_mut().for_each(|v| open_flattened(v, schemas)),
        Value::Array(items) => items.iter_mut().for_each(|v| open_flattened(v, schemas)),
        _ => {}
    }
}

/// The method and the path, so ids are unique by construction and stable as handlers are
/// renamed: `GET /api/v1/incidents/{id}` → `get_incidents_by_id`.
fn operation_id(method: &str, path: &str) -> String {
    let mut id = method.to_owned();
    let rest = path.strip_prefix("/api/v1").unwrap_or(path);
    for segment in rest.split('/').filter(|s| !s.is_empty()) {
        id.push('_');
        match segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
            Some(param) => {
                id.push_str("by_");
                id.push_str(param);
            }
            None => id.push_str(&segment.replace(['-', '.'], "_")),
        }
    }
    id
}

/// Errors are served as `application/problem+json` (see `Problem`), whatever the handler's
/// annotation defaulted to.
fn errors_as_problems(op: &mut Value) {
    let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
        return;
    };
    for (status, response) in responses.iter_mut() {
        if !(status.starts_with('4') || status.starts_with('5')) {
            continue;
        }
        if let Some(content) = response.get_mut("content").and_then(Value::as_object_mut)
            && let Some(json) = content.remove("application/json")
        {
            content.insert("application/problem+json".into(), json);
        }
    }
}

/// The answers an operation can give before or around its handler: a JSON body refused by
/// `ApiJson` (400 malformed, 413 too large, 415 not JSON, 422 wrong fields), a body that
/// stalls (408), a bad path or
/// query parameter (400) or unknown id (404), no or bad credentials (401, 403), and a panic
/// (500) or timeout or storage failure (503) anywhere.
fn standard_errors(op: &mut Value) {
    let has_param = |location: &str| {
        op["parameters"]
            .as_array()
            .is_some_and(|ps| ps.iter().any(|p| p["in"] == location))
    };
    let takes_json = op["requestBody"]["content"]
        .as_object()
        .is_some_and(|c| c.keys().any(|k| k == "application/json"));
    // Without its own `security`, an operation needs the document's (a credential); an empty
    // requirement `{}` among its own makes the credential optional.
    let secured = match op.get("security").and_then(Value::as_array) {
        None => true,
        Some(reqs) => !reqs.is_empty() && reqs.iter().all(|r| r != &json!({})),
    };
    let mut statuses = Vec::new();
    // Any body, JSON or not, is read by progress: one that stalls gets 408 (see `timing`).
    if op.get("requestBody").is_some() {
        statuses.push(408);
    }
    if takes_json {
        statuses.extend([400, 413, 415, 422]);
    }
    if has_param("path") {
        statuses.extend([400, 404]);
    }
    if has_param("query") {
        statuses.push(400);
    }
    if secured {
        statuses.extend([401, 403]);
    }
    statuses.extend([500, 503]);
    let responses = op["responses"]
        .as_object_mut()
        .expect("every operation documents responses");
    for status in statuses {
        responses
            .entry(status.to_string())
            .or_insert_with(|| problem_response(status));
    }
}

fn problem_response(status: u16) -> Value {
    let description = axum::http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("Error");
    json!({
        "description": description,
        "content": {
            "application/problem+json": {
                "schema": { "$ref": "#/components/schemas/Problem" }
            }
        }
    })
}
