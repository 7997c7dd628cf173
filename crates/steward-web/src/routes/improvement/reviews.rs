//! Management reviews, their input packs and their decisions and actions.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use steward_domain::improvement::review::{
    Review, ReviewInput, ReviewItem, ReviewItemInput, ReviewItemStatus, ReviewPack,
};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update, pack, add_item, update_item))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reviews", get(list).post(create))
        .route("/api/v1/reviews/{id}", get(show).patch(update))
        .route("/api/v1/reviews/{id}/pack", get(pack))
        .route("/api/v1/reviews/{id}/items", post(add_item))
        .route("/api/v1/reviews/{id}/items/{item_id}", patch(update_item))
}

/// A review with its decisions and actions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReviewDetail {
    #[serde(flatten)]
    pub review: Review,
    pub items: Vec<ReviewItem>,
}

#[utoipa::path(get, path = "/api/v1/reviews", tag = "improvement",
    responses((status = 200, body = [Review]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Review>>, Problem> {
    Ok(Json(state.app.list_reviews(&auth.actor).await?))
}

/// Plan a management review of a period (managers).
#[utoipa::path(post, path = "/api/v1/reviews", tag = "improvement", request_body = ReviewInput,
    responses((status = 201, body = Review), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<(StatusCode, Json<Review>), Problem> {
    let made = state.app.create_review(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "improvement",
    params(("id" = i64, Path)),
    responses((status = 200, body = ReviewDetail), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<ReviewDetail>, Problem> {
    let (review, items) = state.app.get_review(&auth.actor, id).await?;
    Ok(Json(ReviewDetail { review, items }))
}

/// Change the title, period, chair or minutes; `"freeze": true` freezes the input pack for
/// good (409 when it already is; a frozen review's period cannot change).
#[utoipa::path(patch, path = "/api/v1/reviews/{id}", tag = "improvement",
    params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 200, body = Review), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Json<Review>, Problem> {
    Ok(Json(state.app.update_review(&auth.actor, id, input).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PackFormat {
    /// json (default) or html (one self-contained document).
    pub format: Option<String>,
}

/// The input pack: the frozen one (checked against its SHA-256), else compiled now from the
/// live records — the reports for the period, actions of earlier reviews, complaints, the
/// improvement register, and what it does not hold.
#[utoipa::path(get, path = "/api/v1/reviews/{id}/pack", tag = "improvement",
    params(("id" = i64, Path), PackFormat),
    responses((status = 200, description = "The pack as `format` asks",
        content((ReviewPack = "application/json"), (String = "text/html"))), (status = 404, body = Problem)))]
pub async fn pack(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<PackFormat>,
) -> Result<Response, Problem> {
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "html") {
        return Err(
            Problem::bad_request("bad-query", "format: one of json, html").with_field("format"),
        );
    }
    let (review, _) = state.app.get_review(&auth.actor, id).await?;
    let pack = state.app.review_pack(&auth.actor, id).await?;
    if format == "json" {
        return Ok(Json(pack).into_response());
    }
    let frozen = review
        .frozen_at
        .as_deref()
        .zip(review.pack_sha256.as_deref());
    let body = steward_reports::review_page(&pack, frozen);
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

/// Record a decision, or an action with its owner and due date (managers).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/items", tag = "improvement",
    params(("id" = i64, Path)), request_body = ReviewItemInput,
    responses((status = 201, body = ReviewItem), (status = 422, body = Problem)))]
pub async fn add_item(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ReviewItemInput>,
) -> Result<(StatusCode, Json<ReviewItem>), Problem> {
    let made = state.app.add_review_item(&auth.actor, id, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ItemStatus {
    pub status: ReviewItemStatus,
}

/// Mark an action done or open again (its owner, or a manager).
#[utoipa::path(patch, path = "/api/v1/reviews/{id}/items/{item_id}", tag = "improvement",
    params(("id" = i64, Path), ("item_id" = i64, Path)), request_body = ItemStatus,
    responses((status = 200, body = ReviewItem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn update_item(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, item): Ids,
    ApiJson(body): ApiJson<ItemStatus>,
) -> Result<Json<ReviewItem>, Problem> {
    Ok(Json(
        state
            .app
            .set_review_item_status(&auth.actor, id, item, body.status)
            .await?,
    ))
}
