//! How availability follows the incident record.
use crate::AppState;
use crate::extract::{ApiJson, Auth};
use crate::problem::Problem;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::assurance::settings::AssuranceSettings;

#[derive(utoipa::OpenApi)]
#[openapi(paths(show, replace))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new().route("/api/v1/settings/assurance", get(show).put(replace))
}

/// Whether a major incident on a service opens an outage of it (staff).
#[utoipa::path(get, path = "/api/v1/settings/assurance", tag = "availability",
    responses((status = 200, body = AssuranceSettings), (status = 403, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<AssuranceSettings>, Problem> {
    Ok(Json(state.app.assurance_settings(&auth.actor).await?))
}

/// Replace the availability settings (those who manage services).
#[utoipa::path(put, path = "/api/v1/settings/assurance", tag = "availability",
    request_body = AssuranceSettings,
    responses((status = 200, body = AssuranceSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(settings): ApiJson<AssuranceSettings>,
) -> Result<Json<AssuranceSettings>, Problem> {
    Ok(Json(
        state
            .app
            .set_assurance_settings(&auth.actor, settings)
            .await?,
    ))
}
