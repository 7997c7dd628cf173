pub mod assurance;
pub mod delivery;
pub mod foundation;
pub mod improvement;
pub mod reporting;
pub mod resolution;
pub mod service_level;
use crate::AppState;
use axum::Router;

/// The OpenAPI documents of capabilities that keep their own (one `#[derive(OpenApi)]` per
/// module, listing its paths), merged into the foundation's document.
pub fn openapi_parts() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        delivery::services::Api::openapi(),
        delivery::suppliers::Api::openapi(),
        delivery::agreements::Api::openapi(),
        delivery::changes::Api::openapi(),
        delivery::change_calendar::Api::openapi(),
        delivery::change_config::Api::openapi(),
        delivery::releases::Api::openapi(),
        delivery::change_conflicts::Api::openapi(),
        improvement::complaints::Api::openapi(),
        improvement::improvements::Api::openapi(),
        improvement::reviews::Api::openapi(),
        improvement::conformity::Api::openapi(),
        improvement::satisfaction::Api::openapi(),
        improvement::nonconformities::Api::openapi(),
        improvement::audits::Api::openapi(),
        improvement::documents::Api::openapi(),
        improvement::samples::Api::openapi(),
        improvement::system_documents::Api::openapi(),
        improvement::objectives::Api::openapi(),
        improvement::risks::Api::openapi(),
        delivery::cis::Api::openapi(),
        delivery::catalogue::Api::openapi(),
        resolution::tickets::Api::openapi(),
        resolution::incidents::Api::openapi(),
        resolution::requests::Api::openapi(),
        resolution::problems::Api::openapi(),
        service_level::slas::Api::openapi(),
        service_level::engagements::Api::openapi(),
        service_level::calendars::Api::openapi(),
        service_level::notifications::Api::openapi(),
        reporting::reports::Api::openapi(),
        reporting::report_definitions::Api::openapi(),
        resolution::search::Api::openapi(),
        resolution::desk::Api::openapi(),
        resolution::canned::Api::openapi(),
        resolution::mailboxes::Api::openapi(),
        resolution::console::Api::openapi(),
        foundation::preferences::Api::openapi(),
        foundation::mail_out::Api::openapi(),
        assurance::outages::Api::openapi(),
        assurance::status::Api::openapi(),
        assurance::settings::Api::openapi(),
        assurance::investigations::Api::openapi(),
        assurance::probes::Api::openapi(),
        assurance::continuity::Api::openapi(),
        foundation::webhooks::Api::openapi(),
    ]
}

pub fn all() -> Router<AppState> {
    Router::new()
        .merge(foundation::health::routes())
        .merge(foundation::auth::routes())
        .merge(foundation::tokens::routes())
        .merge(foundation::orgs::routes())
        .merge(foundation::users::routes())
        .merge(foundation::teams::routes())
        .merge(foundation::audit::routes())
        .merge(delivery::services::routes())
        .merge(delivery::cis::routes())
        .merge(delivery::catalogue::routes())
        .merge(delivery::changes::routes())
        .merge(delivery::change_calendar::routes())
        .merge(delivery::change_config::routes())
        .merge(delivery::releases::routes())
        .merge(delivery::change_conflicts::routes())
        .merge(resolution::tickets::routes())
        .merge(resolution::incidents::routes())
        .merge(resolution::requests::routes())
        .merge(resolution::problems::routes())
        .merge(service_level::slas::routes())
        .merge(service_level::engagements::routes())
        .merge(service_level::calendars::routes())
        .merge(service_level::notifications::routes())
        .merge(reporting::reports::routes())
        .merge(reporting::report_definitions::routes())
        .merge(resolution::search::routes())
        .merge(resolution::desk::routes())
        .merge(resolution::canned::routes())
        .merge(resolution::mailboxes::routes())
        .merge(resolution::console::routes())
        .merge(foundation::preferences::routes())
        .merge(foundation::mail_out::routes())
        .merge(assurance::outages::routes())
        .merge(assurance::status::routes())
        .merge(assurance::settings::routes())
        .merge(assurance::investigations::routes())
        .merge(assurance::probes::routes())
        .merge(assurance::continuity::routes())
        .merge(delivery::suppliers::routes())
        .merge(delivery::agreements::routes())
        .merge(improvement::complaints::routes())
        .merge(improvement::improvements::routes())
        .merge(improvement::reviews::routes())
        .merge(improvement::conformity::routes())
        .merge(improvement::satisfaction::routes())
        .merge(improvement::nonconformities::routes())
        .merge(improvement::audits::routes())
        .merge(improvement::documents::routes())
        .merge(improvement::samples::routes())
        .merge(improvement::system_documents::routes())
        .merge(improvement::objectives::routes())
        .merge(improvement::risks::routes())
        .merge(foundation::webhooks::routes())
}

/// The page asked for by `limit` and `offset`; out-of-range values → 400 naming the parameter.
pub fn page_request(
    limit: Option<i64>,
    offset: Option<i64>,
) -> Result<steward_domain::foundation::page::PageRequest, crate::Problem> {
    steward_domain::foundation::page::PageRequest::parse(limit, offset).map_err(|e| {
        crate::Problem::bad_request("bad-query", format!("{}: {}", e.field, e.message))
            .with_field(e.field)
    })
}

/// An optional RFC 3339 query parameter as stored microseconds; a bad one → 400 naming it.
pub fn instant_param(field: &str, value: Option<String>) -> Result<Option<i64>, crate::Problem> {
    value
        .map(|v| {
            steward_domain::foundation::page::parse_instant(field, &v)
                .map(|t| t.as_microsecond())
                .map_err(|e| {
                    crate::Problem::bad_request("bad-query", format!("{}: {}", e.field, e.message))
                        .with_field(e.field)
                })
        })
        .transpose()
}
