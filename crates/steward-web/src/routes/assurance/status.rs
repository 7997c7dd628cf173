//! The public status page as JSON: no sign-in, only services marked for it.
use crate::AppState;
use crate::problem::Problem;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::assurance::status::StatusPage;

#[derive(utoipa::OpenApi)]
#[openapi(paths(status))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new().route("/status.json", get(status))
}

/// Public, without sign-in: each live service marked for the status page with its state now
/// (outage, degraded, maintenance, operational), open outages, maintenance under way or in
/// the next 30 days, and the last 90 UTC days of availability. Names, states, instants and
/// figures only.
#[utoipa::path(get, path = "/status.json", tag = "availability",
    responses((status = 200, body = StatusPage)))]
pub async fn status(State(state): State<AppState>) -> Result<Json<StatusPage>, Problem> {
    Ok(Json(state.app.status_page().await?))
}
