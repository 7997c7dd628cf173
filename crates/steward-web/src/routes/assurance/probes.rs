//! Health probes per service, their results, and the failed checks behind an outage.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::assurance::probe::{Probe, ProbeInput, ProbeResult};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update, remove, results, outage_checks))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/services/{id}/probes", get(list).post(create))
        .route(
            "/api/v1/services/{id}/probes/{probe_id}",
            get(show).patch(update).delete(remove),
        )
        .route(
            "/api/v1/services/{id}/probes/{probe_id}/results",
            get(results),
        )
        .route(
            "/api/v1/services/{id}/outages/{outage_id}/checks",
            get(outage_checks),
        )
}

#[utoipa::path(get, path = "/api/v1/services/{id}/probes", tag = "availability",
    params(("id" = i64, Path)),
    responses((status = 200, body = [Probe]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Probe>>, Problem> {
    Ok(Json(state.app.list_probes(&auth.actor, id).await?))
}

/// Add an HTTP(S) check (`url`, `method`, `expected_status`, `body_contains`) or a TCP connect
/// check (`host`, `port`), run every `interval_seconds`; the target is down after `retries`
/// further failures in a row, which opens an unplanned outage and, with `open_incident`, an
/// incident at the given impact and urgency.
#[utoipa::path(post, path = "/api/v1/services/{id}/probes", tag = "availability",
    params(("id" = i64, Path)), request_body = ProbeInput,
    responses((status = 201, body = Probe), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ProbeInput>,
) -> Result<(StatusCode, Json<Probe>), Problem> {
    let made = state.app.create_probe(&auth.actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/services/{id}/probes/{probe_id}", tag = "availability",
    params(("id" = i64, Path), ("probe_id" = i64, Path)),
    responses((status = 200, body = Probe), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, probe): Ids,
) -> Result<Json<Probe>, Problem> {
    Ok(Json(state.app.get_probe(&auth.actor, id, probe).await?))
}

/// Change what is given; the next check runs at once.
#[utoipa::path(patch, path = "/api/v1/services/{id}/probes/{probe_id}", tag = "availability",
    params(("id" = i64, Path), ("probe_id" = i64, Path)), request_body = ProbeInput,
    responses((status = 200, body = Probe), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, probe): Ids,
    ApiJson(input): ApiJson<ProbeInput>,
) -> Result<Json<Probe>, Problem> {
    Ok(Json(
        state
            .app
            .update_probe(&auth.actor, id, probe, input)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/services/{id}/probes/{probe_id}", tag = "availability",
    params(("id" = i64, Path), ("probe_id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, probe): Ids,
) -> Result<StatusCode, Problem> {
    state.app.delete_probe(&auth.actor, id, probe).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    /// At most this many, newest first (default 100, at most 500).
    pub limit: Option<i64>,
}

/// The probe's latest check results, newest first. Results are kept for 30 days, and for
/// good when they opened an outage.
#[utoipa::path(get, path = "/api/v1/services/{id}/probes/{probe_id}/results", tag = "availability",
    params(("id" = i64, Path), ("probe_id" = i64, Path), Limit),
    responses((status = 200, body = [ProbeResult]), (status = 404, body = Problem)))]
pub async fn results(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, probe): Ids,
    ApiQuery(q): ApiQuery<Limit>,
) -> Result<Json<Vec<ProbeResult>>, Problem> {
    let limit = q.limit.unwrap_or(100);
    Ok(Json(
        state
            .app
            .probe_results(&auth.actor, id, probe, limit)
            .await?,
    ))
}

/// The failed checks that opened this outage, oldest first (empty for one staff recorded).
#[utoipa::path(get, path = "/api/v1/services/{id}/outages/{outage_id}/checks", tag = "availability",
    params(("id" = i64, Path), ("outage_id" = i64, Path)),
    responses((status = 200, body = [ProbeResult]), (status = 404, body = Problem)))]
pub async fn outage_checks(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, outage): Ids,
) -> Result<Json<Vec<ProbeResult>>, Problem> {
    Ok(Json(
        state.app.outage_checks(&auth.actor, id, outage).await?,
    ))
}
