//! Canned replies: texts a team answers often (managers keep them; agents use them).
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::resolution::canned::{CannedReply, CannedReplyInput};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, replace),
    tags((name = "canned-replies", description = "Texts a team answers often, offered when writing a reply"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/canned-replies", get(list).post(create))
        .route("/api/v1/canned-replies/{id}", get(show).put(replace))
}

/// The canned replies the caller may use: a manager's are all, an agent's are its teams' and
/// those of no team.
#[utoipa::path(get, path = "/api/v1/canned-replies", tag = "canned-replies",
    responses((status = 200, body = [CannedReply]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<CannedReply>>, Problem> {
    Ok(Json(state.app.canned_replies(&auth.actor).await?))
}

/// Keep a new canned reply (managers), for one team or (no `team_id`) for every agent.
#[utoipa::path(post, path = "/api/v1/canned-replies", tag = "canned-replies",
    request_body = CannedReplyInput,
    responses((status = 201, body = CannedReply), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<CannedReplyInput>,
) -> Result<(StatusCode, Json<CannedReply>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_canned_reply(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/canned-replies/{id}", tag = "canned-replies",
    params(("id" = i64, Path)),
    responses((status = 200, body = CannedReply), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<CannedReply>, Problem> {
    Ok(Json(state.app.get_canned_reply(&auth.actor, id).await?))
}

/// Replace a canned reply (managers).
#[utoipa::path(put, path = "/api/v1/canned-replies/{id}", tag = "canned-replies",
    params(("id" = i64, Path)), request_body = CannedReplyInput,
    responses((status = 200, body = CannedReply), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CannedReplyInput>,
) -> Result<Json<CannedReply>, Problem> {
    Ok(Json(
        state
            .app
            .update_canned_reply(&auth.actor, id, input)
            .await?,
    ))
}
