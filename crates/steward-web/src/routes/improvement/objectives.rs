//! Service management objectives, `/api/v1/system/objectives`.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::improvement::objective::{Objective, ObjectiveInput, ObjectiveStatus};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/system/objectives", get(list).post(create))
        .route("/api/v1/system/objectives/{id}", get(show).patch(update))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// open, achieved, missed or withdrawn.
    pub status: Option<ObjectiveStatus>,
}

/// Objectives by target date, each tied figure read over the last 30 days (`current`).
#[utoipa::path(get, path = "/api/v1/system/objectives", tag = "system", params(ListQuery),
    responses((status = 200, body = [Objective]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Objective>>, Problem> {
    Ok(Json(
        state.app.list_objectives(&auth.actor, q.status).await?,
    ))
}

/// Set an objective (managers): title, measure, target with its direction, target date,
/// owner, and optionally the report figure it is read from.
#[utoipa::path(post, path = "/api/v1/system/objectives", tag = "system",
    request_body = ObjectiveInput,
    responses((status = 201, body = Objective), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ObjectiveInput>,
) -> Result<(StatusCode, Json<Objective>), Problem> {
    let made = state.app.create_objective(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/system/objectives/{id}", tag = "system",
    params(("id" = i64, Path)),
    responses((status = 200, body = Objective), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Objective>, Problem> {
    Ok(Json(state.app.get_objective(&auth.actor, id).await?))
}

/// Change an objective (what is given; `null` clears), its status included.
#[utoipa::path(patch, path = "/api/v1/system/objectives/{id}", tag = "system",
    params(("id" = i64, Path)), request_body = ObjectiveInput,
    responses((status = 200, body = Objective), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ObjectiveInput>,
) -> Result<Json<Objective>, Problem> {
    Ok(Json(
        state.app.update_objective(&auth.actor, id, input).await?,
    ))
}
