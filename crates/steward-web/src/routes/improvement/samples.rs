//! Audit samples: draw one, list them, read one with its records' links and timelines.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id, OwnWork};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::improvement::sample::{Sample, SampleDetail, SampleInput};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, draw, show),
    tags((name = "samples", description = "Audit samples: random, reproducible draws of records to check (9.2)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conformity/samples", get(list).post(draw))
        .route("/api/v1/conformity/samples/{id}", get(show))
}

/// Every sample drawn, newest first (auditors, managers, administrators).
#[utoipa::path(get, path = "/api/v1/conformity/samples", tag = "samples",
    responses((status = 200, body = [Sample]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Sample>>, Problem> {
    Ok(Json(state.app.list_samples(&auth.actor).await?))
}

/// Draw a random sample of `size` records of `kind` created from `from` to `to` (UTC dates,
/// both included). The same seed over the same records draws the same records in the same
/// order; `population` below `size` means the sample holds every record of the period.
#[utoipa::path(post, path = "/api/v1/conformity/samples", tag = "samples",
    request_body = SampleInput,
    responses((status = 201, body = Sample), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn draw(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    ApiJson(input): ApiJson<SampleInput>,
) -> Result<(StatusCode, Json<Sample>), Problem> {
    let made = state.app.draw_sample(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

/// A sample: each record's key fields, the records it links to (incident → problem → known
/// error; complaint → nonconformity → corrective actions and effectiveness check; …) and its
/// changes from the audit trail.
#[utoipa::path(get, path = "/api/v1/conformity/samples/{id}", tag = "samples",
    params(("id" = i64, Path)),
    responses((status = 200, body = SampleDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<SampleDetail>, Problem> {
    Ok(Json(state.app.get_sample(&auth.actor, id).await?))
}
