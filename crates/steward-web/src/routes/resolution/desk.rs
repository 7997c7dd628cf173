//! The desk settings: what customers may set on their records, and whether their replies
//! resume records pending on them.
use crate::AppState;
use crate::extract::{ApiJson, Auth};
use crate::problem::Problem;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::resolution::desk::DeskSettings;

#[derive(utoipa::OpenApi)]
#[openapi(paths(show, replace))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/settings/desk", get(show).put(replace))
}

/// The desk settings (staff).
#[utoipa::path(get, path = "/api/v1/settings/desk", tag = "tickets",
    responses((status = 200, body = DeskSettings), (status = 403, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<DeskSettings>, Problem> {
    Ok(Json(state.app.desk_settings(&auth.actor).await?))
}

/// Replace the desk settings (admin).
#[utoipa::path(put, path = "/api/v1/settings/desk", tag = "tickets", request_body = DeskSettings,
    responses((status = 200, body = DeskSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(settings): ApiJson<DeskSettings>,
) -> Result<Json<DeskSettings>, Problem> {
    Ok(Json(
        state.app.set_desk_settings(&auth.actor, settings).await?,
    ))
}
