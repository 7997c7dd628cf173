//! Investigations of unplanned non-availability, per service and month.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id, Ids};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::assurance::investigation::{
    Investigation, InvestigationInput, InvestigationPatch,
};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/services/{id}/investigations",
            get(list).post(create),
        )
        .route(
            "/api/v1/services/{id}/investigations/{investigation_id}",
            get(show).patch(update),
        )
}

/// The service's investigations, newest month first.
#[utoipa::path(get, path = "/api/v1/services/{id}/investigations", tag = "availability",
    params(("id" = i64, Path)),
    responses((status = 200, body = [Investigation]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Investigation>>, Problem> {
    Ok(Json(state.app.list_investigations(&auth.actor, id).await?))
}

/// Open the investigation of a month in which the service missed its availability target
/// (422 when it did not; 409 when that month is already investigated).
#[utoipa::path(post, path = "/api/v1/services/{id}/investigations", tag = "availability",
    params(("id" = i64, Path)), request_body = InvestigationInput,
    responses((status = 201, body = Investigation), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<InvestigationInput>,
) -> Result<(StatusCode, Json<Investigation>), Problem> {
    let made = state.app.open_investigation(&auth.actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/services/{id}/investigations/{investigation_id}", tag = "availability",
    params(("id" = i64, Path), ("investigation_id" = i64, Path)),
    responses((status = 200, body = Investigation), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, investigation): Ids,
) -> Result<Json<Investigation>, Problem> {
    Ok(Json(
        state
            .app
            .get_investigation(&auth.actor, id, investigation)
            .await?,
    ))
}

/// Record findings and actions, hand it on, or close it (closing needs findings).
#[utoipa::path(patch, path = "/api/v1/services/{id}/investigations/{investigation_id}", tag = "availability",
    params(("id" = i64, Path), ("investigation_id" = i64, Path)), request_body = InvestigationPatch,
    responses((status = 200, body = Investigation), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, investigation): Ids,
    ApiJson(patch): ApiJson<InvestigationPatch>,
) -> Result<Json<Investigation>, Problem> {
    Ok(Json(
        state
            .app
            .update_investigation(&auth.actor, id, investigation, patch)
            .await?,
    ))
}
