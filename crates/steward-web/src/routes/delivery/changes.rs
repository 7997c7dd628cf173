//! Change records (ISO/IEC 20000-1 8.5.1, 8.5.2): the record, its lifecycle actions, board
//! decisions, the design and transition record and the incidents a change caused.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::change::{
    Change, ChangeInput, ChangePatch, ChangeStatus, ChangeType, CompleteInput, DecisionInput,
    Design, IncidentLinkInput, ReviewInput, ScheduleInput,
};
use steward_domain::delivery::change_policy::RiskLevel;
use steward_domain::foundation::page::Page;
use steward_store::delivery::changes::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, submit, assess, decide, schedule, start, complete,
        review, close, cancel, design, link_incident),
    tags((name = "changes", description = "Change records, approvals and reviews (8.5.1, 8.5.2)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/changes", get(list).post(create))
        .route("/api/v1/changes/{id}", get(show).patch(update))
        .route("/api/v1/changes/{id}/submit", post(submit))
        .route("/api/v1/changes/{id}/assess", post(assess))
        .route("/api/v1/changes/{id}/decisions", post(decide))
        .route("/api/v1/changes/{id}/schedule", post(schedule))
        .route("/api/v1/changes/{id}/start", post(start))
        .route("/api/v1/changes/{id}/complete", post(complete))
        .route("/api/v1/changes/{id}/review", post(review))
        .route("/api/v1/changes/{id}/close", post(close))
        .route("/api/v1/changes/{id}/cancel", post(cancel))
        .route("/api/v1/changes/{id}/design", put(design))
        .route("/api/v1/changes/{id}/incidents", post(link_incident))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<ChangeStatus>,
    pub change_type: Option<ChangeType>,
    pub risk_level: Option<RiskLevel>,
    /// Changes affecting this service directly.
    pub service_id: Option<i64>,
    /// Case-insensitive part of the title.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Changes, newest first (staff).
#[utoipa::path(get, path = "/api/v1/changes", tag = "changes", params(ListQuery),
    responses((status = 200, body = Page<Change>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Change>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        status: q.status,
        change_type: q.change_type,
        risk_level: q.risk_level,
        service: q.service_id,
        q: q.q,
    };
    Ok(Json(
        state.app.list_changes(&auth.actor, filter, page).await?,
    ))
}

/// Raise a change in `draft` (agents, managers, admins). A standard change names its
/// template.
#[utoipa::path(post, path = "/api/v1/changes", tag = "changes", request_body = ChangeInput,
    responses((status = 201, body = Change), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ChangeInput>,
) -> Result<(StatusCode, Json<Change>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_change(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/changes/{id}", tag = "changes", params(("id" = i64, Path)),
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.get_change(&auth.actor, id).await?))
}

/// Edit a draft or a change in assessment (which then needs assessing again).
#[utoipa::path(patch, path = "/api/v1/changes/{id}", tag = "changes", params(("id" = i64, Path)), request_body = ChangePatch,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ChangePatch>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.update_change(&auth.actor, id, patch).await?))
}

/// Draft → assessment; 422 names each missing plan, the window and unanswered risk questions.
#[utoipa::path(post, path = "/api/v1/changes/{id}/submit", tag = "changes", params(("id" = i64, Path)),
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn submit(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.submit_change(&auth.actor, id).await?))
}

/// Apply the change policy: authorizes at once when no approval is needed, else asks the
/// board; 409 naming `design` for a major change without its design and transition record.
#[utoipa::path(post, path = "/api/v1/changes/{id}/assess", tag = "changes", params(("id" = i64, Path)),
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn assess(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.assess_change(&auth.actor, id).await?))
}

/// A board member approves or rejects (a rejection needs a comment). A rejection cancels the
/// change; reaching the board's rule authorizes it.
#[utoipa::path(post, path = "/api/v1/changes/{id}/decisions", tag = "changes", params(("id" = i64, Path)), request_body = DecisionInput,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn decide(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DecisionInput>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.decide_change(&auth.actor, id, input).await?))
}

/// Authorized → scheduled, optionally moving the planned window.
#[utoipa::path(post, path = "/api/v1/changes/{id}/schedule", tag = "changes", params(("id" = i64, Path)), request_body = ScheduleInput,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn schedule(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ScheduleInput>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(
        state.app.schedule_change(&auth.actor, id, input).await?,
    ))
}

/// Scheduled → implementing.
#[utoipa::path(post, path = "/api/v1/changes/{id}/start", tag = "changes", params(("id" = i64, Path)),
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn start(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.start_change(&auth.actor, id).await?))
}

/// Implementing → review, as successful, failed or backed out.
#[utoipa::path(post, path = "/api/v1/changes/{id}/complete", tag = "changes", params(("id" = i64, Path)), request_body = CompleteInput,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn complete(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CompleteInput>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(
        state.app.complete_change(&auth.actor, id, input).await?,
    ))
}

/// Record the post-implementation review of a change in review.
#[utoipa::path(post, path = "/api/v1/changes/{id}/review", tag = "changes", params(("id" = i64, Path)), request_body = ReviewInput,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.review_change(&auth.actor, id, input).await?))
}

/// Review → closed; 409 naming `review` for a failed, backed-out or emergency change without
/// its post-implementation review.
#[utoipa::path(post, path = "/api/v1/changes/{id}/close", tag = "changes", params(("id" = i64, Path)),
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn close(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.close_change(&auth.actor, id).await?))
}

/// Cancel a change not yet implementing.
#[utoipa::path(post, path = "/api/v1/changes/{id}/cancel", tag = "changes", params(("id" = i64, Path)),
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Change>, Problem> {
    Ok(Json(state.app.cancel_change(&auth.actor, id).await?))
}

/// Write the service design and transition record (8.5.2) before authorization.
#[utoipa::path(put, path = "/api/v1/changes/{id}/design", tag = "changes", params(("id" = i64, Path)), request_body = Design,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn design(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<Design>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(
        state.app.put_change_design(&auth.actor, id, input).await?,
    ))
}

/// Record an incident as caused by this change.
#[utoipa::path(post, path = "/api/v1/changes/{id}/incidents", tag = "changes", params(("id" = i64, Path)), request_body = IncidentLinkInput,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn link_incident(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<IncidentLinkInput>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(
        state
            .app
            .link_change_incident(&auth.actor, id, input)
            .await?,
    ))
}
