//! The agent console's API: work queues paged in the database, saved views, bulk actions.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::resolution::console::{
    BulkInput, BulkOutcome, ConsoleQuery, ConsoleView, SavedView,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(queue, views, save_view, delete_view, bulk),
    tags((name = "console", description = "Work queues over open records, saved views and bulk actions"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/console", get(queue))
        .route("/api/v1/console/views", get(views).post(save_view))
        .route("/api/v1/console/views/{id}", delete(delete_view))
        .route("/api/v1/console/bulk", post(bulk))
}

/// A console question from query-string pairs; a bad value is a 422 naming the parameter.
pub fn console_query(pairs: &[(String, String)]) -> Result<ConsoleQuery, Problem> {
    Ok(
        ConsoleQuery::parse(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .map_err(steward_app::AppError::from)?,
    )
}

/// One page (50 records) of a work queue of open records, with every queue's size. Counts stop
/// at 1000 (`capped`).
#[utoipa::path(get, path = "/api/v1/console", tag = "console",
    params(
        ("queue" = Option<String>, Query, description = "mine (default), team, unassigned, breaching, major, problems, all"),
        ("kind" = Option<String>, Query), ("status" = Option<String>, Query, description = "an open status"),
        ("priority" = Option<u8>, Query), ("team" = Option<i64>, Query), ("assignee" = Option<i64>, Query),
        ("service" = Option<i64>, Query),
        ("sort" = Option<String>, Query, description = "newest (default), oldest, priority, sla_due, updated"),
        ("page" = Option<u32>, Query, description = "from 1")),
    responses((status = 200, body = ConsoleView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn queue(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Query(pairs): Query<Vec<(String, String)>>,
) -> Result<Json<ConsoleView>, Problem> {
    let q = console_query(&pairs)?;
    Ok(Json(state.app.console(&auth.actor, &q).await?))
}

/// The caller's saved console views.
#[utoipa::path(get, path = "/api/v1/console/views", tag = "console",
    responses((status = 200, body = [SavedView]), (status = 403, body = Problem)))]
pub async fn views(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<SavedView>>, Problem> {
    Ok(Json(state.app.saved_views(&auth.actor).await?))
}

/// Body of `POST /api/v1/console/views`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ViewInput {
    pub name: String,
    /// A console query string, e.g. `queue=team&priority=1&sort=sla_due`.
    pub query: String,
}

/// Save a console view under a name; saving the same name again replaces its query.
#[utoipa::path(post, path = "/api/v1/console/views", tag = "console", request_body = ViewInput,
    responses((status = 201, body = SavedView), (status = 422, body = Problem)))]
pub async fn save_view(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ViewInput>,
) -> Result<(StatusCode, Json<SavedView>), Problem> {
    let view = state
        .app
        .save_view(&auth.actor, &input.name, &input.query)
        .await?;
    Ok((StatusCode::CREATED, Json(view)))
}

#[utoipa::path(delete, path = "/api/v1/console/views/{id}", tag = "console",
    params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn delete_view(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_view(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Assign or move up to 200 records at once. Each record changes in its own transaction with
/// its own rules; the answer says, record by record, what changed and why the rest did not.
#[utoipa::path(post, path = "/api/v1/console/bulk", tag = "console", request_body = BulkInput,
    responses((status = 200, body = [BulkOutcome]), (status = 422, body = Problem)))]
pub async fn bulk(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<BulkInput>,
) -> Result<Json<Vec<BulkOutcome>>, Problem> {
    Ok(Json(state.app.bulk_update(&auth.actor, input).await?))
}
