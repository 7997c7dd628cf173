use crate::AppState;
use axum::Router;

pub mod agreements;
pub mod audit;
pub mod auth;
pub mod calendars;
pub mod catalogue;
pub mod cis;
pub mod complaints;
pub mod engagements;
pub mod health;
pub mod incidents;
pub mod notifications;
pub mod orgs;
pub mod problems;
pub mod report_definitions;
pub mod reports;
pub mod requests;
pub mod search;
pub mod services;
pub mod slas;
pub mod suppliers;
pub mod teams;
pub mod tickets;
pub mod tokens;
pub mod users;

/// The OpenAPI documents of capabilities that keep their own (one `#[derive(OpenApi)]` per
/// module, listing its paths), merged into the foundation's document.
pub fn openapi_parts() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        services::Api::openapi(),
        suppliers::Api::openapi(),
        agreements::Api::openapi(),
        complaints::Api::openapi(),
        cis::Api::openapi(),
        catalogue::Api::openapi(),
        tickets::Api::openapi(),
        incidents::Api::openapi(),
        requests::Api::openapi(),
        problems::Api::openapi(),
        slas::Api::openapi(),
        engagements::Api::openapi(),
        calendars::Api::openapi(),
        notifications::Api::openapi(),
        reports::Api::openapi(),
        report_definitions::Api::openapi(),
        search::Api::openapi(),
    ]
}

pub fn all() -> Router<AppState> {
    Router::new()
        .merge(health::routes())
        .merge(auth::routes())
        .merge(tokens::routes())
        .merge(orgs::routes())
        .merge(users::routes())
        .merge(teams::routes())
        .merge(audit::routes())
        .merge(services::routes())
        .merge(cis::routes())
        .merge(catalogue::routes())
        .merge(tickets::routes())
        .merge(incidents::routes())
        .merge(requests::routes())
        .merge(problems::routes())
        .merge(slas::routes())
        .merge(engagements::routes())
        .merge(calendars::routes())
        .merge(notifications::routes())
        .merge(reports::routes())
        .merge(report_definitions::routes())
        .merge(search::routes())
        .merge(suppliers::routes())
        .merge(agreements::routes())
        .merge(complaints::routes())
}

/// The page asked for by `limit` and `offset`; out-of-range values → 400 naming the parameter.
pub fn page_request(
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<steward_domain::page::PageRequest, crate::Problem> {
    steward_domain::page::PageRequest::parse(limit, offset).map_err(|e| {
        crate::Problem::bad_request("bad-query", format!("{}: {}", e.field, e.message))
            .with_field(e.field)
    })
}

/// An optional RFC 3339 query parameter as stored microseconds; a bad one → 400 naming it.
pub fn instant_param(field: &str, value: Option<String>) -> Result<Option<i64>, crate::Problem> {
    value
        .map(|v| {
            steward_domain::page::parse_instant(field, &v)
                .map(|t| t.as_microsecond())
                .map_err(|e| {
                    crate::Problem::bad_request("bad-query", format!("{}: {}", e.field, e.message))
                        .with_field(e.field)
                })
        })
        .transpose()
}
