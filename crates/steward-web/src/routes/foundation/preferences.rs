//! The caller's own settings.
use crate::AppState;
use crate::extract::{ApiJson, Auth, OwnWork};
use crate::problem::Problem;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::foundation::people::Preferences;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(show, replace),
    tags((name = "me", description = "The caller's own settings"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/me/preferences", get(show).put(replace))
}

#[utoipa::path(get, path = "/api/v1/me/preferences", tag = "me",
    responses((status = 200, body = Preferences), (status = 401, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Preferences>, Problem> {
    Ok(Json(state.app.my_preferences(&auth.actor).await?))
}

/// Replace the caller's settings; `time_zone` is an IANA name, or null for the browser's.
#[utoipa::path(put, path = "/api/v1/me/preferences", tag = "me", request_body = Preferences,
    responses((status = 200, body = Preferences), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    ApiJson(input): ApiJson<Preferences>,
) -> Result<Json<Preferences>, Problem> {
    Ok(Json(
        state.app.set_my_preferences(&auth.actor, input).await?,
    ))
}
