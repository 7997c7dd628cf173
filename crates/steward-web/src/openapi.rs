//! The OpenAPI 3.1 document and its interactive viewer.
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

/// The whole document: the foundation's paths plus each capability's own `OpenApi`.
pub fn document() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    for part in crate::routes::openapi_parts() {
        doc.merge(part);
    }
    doc
}

pub fn routes() -> Router<AppState> {
    Router::new().merge(SwaggerUi::new("/api/docs").url("/api/v1/openapi.json", document()))
}
