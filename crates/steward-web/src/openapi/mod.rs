//! The OpenAPI 3.1 document and its interactive viewer.
mod conventions;

use crate::AppState;
use crate::routes::{
    foundation::audit, foundation::auth, foundation::health, foundation::orgs, foundation::teams,
    foundation::tokens, foundation::users,
};
use axum::Router;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_swagger_ui::SwaggerUi;

#[derive(OpenApi)]
#[openapi(
    info(title = "Steward API", description = "Service management for ISO/IEC 20000-1. Errors are RFC 9457 problem+json; lists paginate with `limit`/`offset` and report `total`."),
    paths(
        health::healthz, health::readyz, health::metrics,
        auth::login, auth::logout, auth::me, auth::sessions, auth::revoke_session,
        tokens::list, tokens::create, tokens::revoke,
        orgs::list, orgs::create, orgs::show, orgs::update, orgs::remove,
        users::list, users::create, users::show, users::update, users::revoke_sessions,
        teams::list, teams::create, teams::show, teams::update, teams::remove, teams::add_member, teams::remove_member,
        audit::list,
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "access", description = "Login, sessions and API tokens"),
        (name = "people", description = "Organizations, users and teams"),
        (name = "audit", description = "The hash-chained audit trail"),
        (name = "operations", description = "Health and metrics"),
        (name = "system", description = "The management system: SMS scope, policy, objectives, risks and opportunities"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::extract::SESSION_COOKIE,
            ))),
        );
    }
}

/// The document and every way its merged parts disagree.
fn merged() -> (utoipa::openapi::OpenApi, Vec<String>) {
    let mut doc = ApiDoc::openapi();
    let mut collisions = Vec::new();
    for part in crate::routes::openapi_parts() {
        collisions.extend(collisions_between(&doc, &part));
        doc.merge(part);
    }
    (doc, collisions)
}

/// What `merge` would silently drop: a schema name already taken by a different schema (the
/// first one wins, so the other type is documented wrongly), or an operation already present.
fn collisions_between(
    doc: &utoipa::openapi::OpenApi,
    part: &utoipa::openapi::OpenApi,
) -> Vec<String> {
    let mut out = Vec::new();
    let part_name = part.paths.paths.keys().next().cloned().unwrap_or_default();
    if let (Some(ours), Some(theirs)) = (&doc.components, &part.components) {
        for (name, schema) in &theirs.schemas {
            if let Some(existing) = ours.schemas.get(name)
                && serde_json::to_value(existing).ok() != serde_json::to_value(schema).ok()
            {
                out.push(format!(
                    "schema `{name}` of the part at {part_name} differs from one merged before"
                ));
            }
        }
    }
    let ours = serde_json::to_value(&doc.paths).unwrap_or_default();
    let theirs = serde_json::to_value(&part.paths).unwrap_or_default();
    for (path, item) in theirs.as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flatten().map(|(m, _)| m) {
            if conventions::METHODS.contains(&method.as_str())
                && ours.get(path).and_then(|p| p.get(method)).is_some()
            {
                out.push(format!("{method} {path} is documented twice"));
            }
        }
    }
    out
}

/// Schema names and operations that two merged parts both define differently; empty when the
/// document is whole.
pub fn collisions() -> Vec<String> {
    merged().1
}

/// The whole document, as served: the foundation's paths plus each capability's own
/// `OpenApi`, with the conventions every operation shares applied (see `conventions`).
pub fn document() -> serde_json::Value {
    let mut doc = serde_json::to_value(merged().0).expect("the OpenAPI document serializes");
    conventions::apply(&mut doc);
    doc
}

pub fn routes() -> Router<AppState> {
    Router::new().merge(
        SwaggerUi::new("/api/docs").external_url_unchecked("/api/v1/openapi.json", document()),
    )
}
