//! Holds the API to its OpenAPI document: every `/api/v1` response a test provokes is checked
//! against the operation the document describes for that method and path — the status must be
//! documented, the content type listed, and a JSON body valid against the response schema.
//! A violation is recorded on the `TestApp` that served it, and fails the test when the
//! `TestApp` is dropped.
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::http::Method;
use axum::middleware::Next;
use axum::response::Response;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex};

/// What went wrong, one line per response.
pub type Violations = Arc<Mutex<Vec<String>>>;

/// The document, parsed once per test process, and its compiled response schemas.
pub struct Contract {
    pub doc: Value,
    validators: Mutex<HashMap<String, Arc<jsonschema::Validator>>>,
}

pub static CONTRACT: LazyLock<Contract> = LazyLock::new(|| Contract {
    doc: serde_json::to_value(steward_web::openapi_document()).expect("document as JSON"),
    validators: Mutex::new(HashMap::new()),
});

/// Wraps the whole router (so answers of outer layers — timeouts, panics — are checked too)
/// in a layer that checks every response against the document.
pub fn checked(router: axum::Router, violations: Violations) -> axum::Router {
    axum::Router::new()
        .fallback_service(router)
        .layer(axum::middleware::from_fn(
            move |req: Request, next: Next| {
                let violations = violations.clone();
                async move { check(req, next, violations).await }
            },
        ))
}

async fn check(req: Request, next: Next, violations: Violations) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let response = next.run(req).await;
    if !path.starts_with("/api/v1/") || path == "/api/v1/openapi.json" {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, usize::MAX).await.unwrap_or_default();
    let content_type = parts
        .headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned());
    if let Err(problem) = CONTRACT.verify(
        &method,
        &path,
        parts.status.as_u16(),
        content_type.as_deref(),
        &bytes,
    ) {
        violations.lock().expect("violations").push(format!(
            "{method} {path} → {}: {problem}",
            parts.status.as_u16()
        ));
    }
    Response::from_parts(parts, Body::from(bytes))
}

impl Contract {
    /// The document's path template that matches `path` and has an operation for `method`,
    /// the most literal one first (`/api/v1/incidents` before `/api/v1/{kind}`).
    pub fn operation(&self, method: &Method, path: &str) -> Option<(String, &Value)> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let mut best: Option<(usize, &String, &Value)> = None;
        for (template, item) in self.doc["paths"].as_object()? {
            let parts: Vec<&str> = template.split('/').collect();
            if parts.len() != segments.len() {
                continue;
            }
            let mut literal = 0;
            let matches = parts.iter().zip(&segments).all(|(t, s)| {
                if t.starts_with('{') && t.ends_with('}') {
                    !s.is_empty()
                } else {
                    literal += 1;
                    t == s
                }
            });
            let Some(operation) = item.get(method.as_str().to_ascii_lowercase()) else {
                continue;
            };
            if matches && best.is_none_or(|(l, _, _)| literal > l) {
                best = Some((literal, template, operation));
            }
        }
        best.map(|(_, template, operation)| (template.clone(), operation))
    }

    /// Whether any template matches the path at all, whatever the method.
    fn knows_path(&self, path: &str) -> bool {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.doc["paths"].as_object().is_some_and(|paths| {
            paths.keys().any(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(t, s)| t.starts_with('{') || t == s)
            })
        })
    }

    pub fn verify(
        &self,
        method: &Method,
        path: &str,
        status: u16,
        content_type: Option<&str>,
        body: &[u8],
    ) -> Result<(), String> {
        let Some((template, operation)) = self.operation(method, path) else {
            // An unknown path is the router's 404, and an unknown method its 405: neither is an
            // operation the document could describe.
            if !self.knows_path(path) || status == 405 {
                return Ok(());
            }
            return Err("no operation documented for this method and path".into());
        };
        let id = operation["operationId"].as_str().unwrap_or("?");
        let responses = &operation["responses"];
        let code = status.to_string();
        let class = format!("{}XX", status / 100);
        let Some(response) = responses
            .get(&code)
            .or_else(|| responses.get(&class))
            .or_else(|| responses.get("default"))
        else {
            return Err(format!(
                "{id} ({template}) does not document status {status}"
            ));
        };
        let content = response.get("content").and_then(Value::as_object);
        let Some(content) = content.filter(|c| !c.is_empty()) else {
            if body.is_empty() {
                return Ok(());
            }
            return Err(format!("{id}: a body, but {status} documents none"));
        };
        let Some(content_type) = content_type else {
            return Err(format!(
                "{id}: no Content-Type, but {status} documents a body"
            ));
        };
        // An exact media type first, then a range (`image/*`, `*/*`).
        let range = format!("{}/*", content_type.split('/').next().unwrap_or_default());
        let documented = content
            .get(content_type)
            .or_else(|| content.get(&range))
            .or_else(|| content.get("*/*"));
        let Some(media) = documented else {
            return Err(format!(
                "{id}: Content-Type {content_type} is not among the documented {:?}",
                content.keys().collect::<Vec<_>>()
            ));
        };
        let is_json = content_type == "application/json" || content_type.ends_with("+json");
        let Some(schema) = media.get("schema").filter(|_| is_json) else {
            return Ok(());
        };
        let instance: Value = serde_json::from_slice(body)
            .map_err(|e| format!("{id}: {content_type} body is not JSON: {e}"))?;
        let key = format!("{template} {method} {status} {content_type}");
        let validator = self.validator(&key, schema)?;
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .take(5)
            .map(|e| format!("at {}: {e}", e.instance_path()))
            .collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{id}: body does not match the {status} schema: {}",
                errors.join("; ")
            ))
        }
    }

    /// The compiled validator of one response schema; `#/components/...` references resolve
    /// against the document's components, carried along inside the schema.
    fn validator(&self, key: &str, schema: &Value) -> Result<Arc<jsonschema::Validator>, String> {
        let mut cache = self.validators.lock().expect("validators");
        if let Some(v) = cache.get(key) {
            return Ok(v.clone());
        }
        let mut root = serde_json::json!({ "allOf": [schema] });
        root["components"] = self.doc["components"].clone();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .build(&root)
            .map_err(|e| format!("the schema for {key} does not compile: {e}"))?;
        let validator = Arc::new(validator);
        cache.insert(key.to_owned(), validator.clone());
        Ok(validator)
    }
}
