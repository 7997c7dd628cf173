//! Outages and maintenance windows of a service, and its availability against target.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use crate::routes::instant_param;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::assurance::availability::AvailabilityReport;
use steward_domain::assurance::outage::{Outage, OutageInput, OutagePatch};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove, availability),
    tags((name = "availability", description = "Outages, maintenance windows and availability against target (8.7.1)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/services/{id}/outages", get(list).post(create))
        .route(
            "/api/v1/services/{id}/outages/{outage_id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/services/{id}/availability", get(availability))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// RFC 3339.
    pub from: Option<String>,
    /// RFC 3339, not included.
    pub to: Option<String>,
}

/// The service's outages and maintenance windows, earliest first; with `from`/`to`, those
/// overlapping that period.
#[utoipa::path(get, path = "/api/v1/services/{id}/outages", tag = "availability",
    params(("id" = i64, Path), Period),
    responses((status = 200, body = [Outage]), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Json<Vec<Outage>>, Problem> {
    let from = instant_param("from", q.from)?;
    let to = instant_param("to", q.to)?;
    Ok(Json(
        state.app.list_outages(&auth.actor, id, from, to).await?,
    ))
}

/// Record an outage (`unplanned`, up to now; leave `end` out while it lasts) or a maintenance
/// window (`planned`, also ahead of time).
#[utoipa::path(post, path = "/api/v1/services/{id}/outages", tag = "availability",
    params(("id" = i64, Path)), request_body = OutageInput,
    responses((status = 201, body = Outage), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<OutageInput>,
) -> Result<(StatusCode, Json<Outage>), Problem> {
    let outage = state.app.record_outage(&auth.actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(outage)))
}

#[utoipa::path(get, path = "/api/v1/services/{id}/outages/{outage_id}", tag = "availability",
    params(("id" = i64, Path), ("outage_id" = i64, Path)),
    responses((status = 200, body = Outage), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, outage): Ids,
) -> Result<Json<Outage>, Problem> {
    Ok(Json(state.app.get_outage(&auth.actor, id, outage).await?))
}

/// Correct an outage, or close an open one by setting its `end`.
#[utoipa::path(patch, path = "/api/v1/services/{id}/outages/{outage_id}", tag = "availability",
    params(("id" = i64, Path), ("outage_id" = i64, Path)), request_body = OutagePatch,
    responses((status = 200, body = Outage), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, outage): Ids,
    ApiJson(patch): ApiJson<OutagePatch>,
) -> Result<Json<Outage>, Problem> {
    Ok(Json(
        state
            .app
            .update_outage(&auth.actor, id, outage, patch)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct DeleteScope {
    /// Also delete the later windows of this window's weekly series.
    pub following: Option<bool>,
}

/// Delete an outage or a maintenance window; `?following=true` also deletes the later
/// windows of its weekly series.
#[utoipa::path(delete, path = "/api/v1/services/{id}/outages/{outage_id}", tag = "availability",
    params(("id" = i64, Path), ("outage_id" = i64, Path), DeleteScope),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, outage): Ids,
    ApiQuery(q): ApiQuery<DeleteScope>,
) -> Result<StatusCode, Problem> {
    let following = q.following.unwrap_or(false);
    state
        .app
        .delete_outage(&auth.actor, id, outage, following)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The service's availability over `[from, to)`: agreed time (its service hours less planned
/// maintenance), downtime (unplanned outages outside maintenance, overlaps counted once,
/// clipped to the period, an open one up to now), the percentage to four decimals (null with
/// a `reason` when nothing was agreed), the target and whether it was met, MTBF and MTRS.
#[utoipa::path(get, path = "/api/v1/services/{id}/availability", tag = "availability",
    params(("id" = i64, Path), Period),
    responses((status = 200, body = AvailabilityReport), (status = 400, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn availability(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Json<AvailabilityReport>, Problem> {
    let required = |field: &str, v: Option<i64>| {
        v.ok_or_else(|| {
            Problem::bad_request("bad-query", format!("{field}: is required (RFC 3339)"))
                .with_field(field.to_owned())
        })
    };
    let from = required("from", instant_param("from", q.from)?)?;
    let to = required("to", instant_param("to", q.to)?)?;
    Ok(Json(
        state
            .app
            .service_availability(&auth.actor, id, from, to)
            .await?,
    ))
}
