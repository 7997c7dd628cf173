//! The caller's notifications: SLA warnings, breaches and escalations addressed to them or
//! to their teams.
use crate::AppState;
use crate::extract::{Auth, Id, OwnWork};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use steward_domain::service_level::sla::Notice;

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, read), tags((name = "notifications", description = "Notifications for the caller and their teams")))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/notifications", get(list))
        .route("/api/v1/notifications/{id}/read", post(read))
}

/// The caller's notifications, newest first (at most 200).
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    responses((status = 200, body = Vec<Notice>)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Notice>>, Problem> {
    Ok(Json(state.app.my_notifications(&auth.actor).await?))
}

/// Mark one read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn read(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.read_notification(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
