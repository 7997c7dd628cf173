//! The evidence map: which ISO/IEC 20000-1 clauses the live records evidence, and its history.
use crate::AppState;
use crate::extract::Auth;
use crate::problem::Problem;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use steward_domain::improvement::evidence::{EvidenceMap, HistoryDay};

#[derive(utoipa::OpenApi)]
#[openapi(paths(map, history))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/conformity", get(map))
        .route("/api/v1/conformity/history", get(history))
}

/// The evidence map as of now: each clause 4–10 with its checks, each green, amber or red
/// with its reason, the records concerned and the next step (staff and auditors).
#[utoipa::path(get, path = "/api/v1/conformity", tag = "improvement",
    responses((status = 200, body = EvidenceMap), (status = 403, body = Problem)))]
pub async fn map(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<EvidenceMap>, Problem> {
    Ok(Json(state.app.conformity_map(&auth.actor).await?))
}

/// The map's daily history, newest first (the last 90 days).
#[utoipa::path(get, path = "/api/v1/conformity/history", tag = "improvement",
    responses((status = 200, body = [HistoryDay]), (status = 403, body = Problem)))]
pub async fn history(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<HistoryDay>>, Problem> {
    Ok(Json(state.app.conformity_history(&auth.actor).await?))
}
