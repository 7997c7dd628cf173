//! What only incidents have: raising one, the priority matrix, major incidents, known-error
//! suggestions and problem candidates. The shared endpoints are in `tickets`.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::resolution::major::{
    DeclareInput, MajorCriteria, Notification, NotificationInput, ReviewInput,
};
use steward_domain::resolution::problem::KnownErrorMatch;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{
    IncidentInput, LinkInput, PriorityMatrix, ProblemCandidate,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(create, merge, matrix, set_matrix, criteria, set_criteria, declare, children, notifications,
        notify, review, known_errors, candidates),
    tags((name = "incidents", description = "Incidents: priority from impact × urgency, major incidents, known-error matching"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", post(create))
        .route("/api/v1/incidents/{id}/major", post(declare))
        .route("/api/v1/incidents/{id}/children", post(children))
        .route("/api/v1/incidents/{id}/merge", post(merge))
        .route(
            "/api/v1/incidents/{id}/notifications",
            get(notifications).post(notify),
        )
        .route("/api/v1/incidents/{id}/review", put(review))
        .route("/api/v1/incidents/{id}/known-errors", get(known_errors))
        .route(
            "/api/v1/settings/priority-matrix",
            get(matrix).put(set_matrix),
        )
        .route(
            "/api/v1/settings/major-incident-criteria",
            get(criteria).put(set_criteria),
        )
        .route("/api/v1/problems/candidates", get(candidates))
}

/// Raise an incident; its priority comes from impact × urgency through the priority matrix,
/// and the major-incident criteria may flag it major.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = IncidentInput,
    responses((status = 201, body = Ticket), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<IncidentInput>,
) -> Result<(StatusCode, Json<Ticket>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_incident(&auth.actor, input).await?),
    ))
}

/// The priority matrix: rows are impact high, medium, low; columns urgency high, medium, low.
#[utoipa::path(get, path = "/api/v1/settings/priority-matrix", tag = "incidents",
    responses((status = 200, body = PriorityMatrix)))]
pub async fn matrix(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<PriorityMatrix>, Problem> {
    Ok(Json(state.app.priority_matrix(&auth.actor).await?))
}

/// Replace the priority matrix (admin). New tickets use it; existing ones keep their priority.
#[utoipa::path(put, path = "/api/v1/settings/priority-matrix", tag = "incidents", request_body = PriorityMatrix,
    responses((status = 200, body = PriorityMatrix), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_matrix(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(m): ApiJson<PriorityMatrix>,
) -> Result<Json<PriorityMatrix>, Problem> {
    Ok(Json(state.app.set_priority_matrix(&auth.actor, m).await?))
}

/// The criteria that flag a new incident major.
#[utoipa::path(get, path = "/api/v1/settings/major-incident-criteria", tag = "incidents",
    responses((status = 200, body = MajorCriteria)))]
pub async fn criteria(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<MajorCriteria>, Problem> {
    Ok(Json(state.app.major_criteria(&auth.actor).await?))
}

/// Replace the major-incident criteria (admin).
#[utoipa::path(put, path = "/api/v1/settings/major-incident-criteria", tag = "incidents", request_body = MajorCriteria,
    responses((status = 200, body = MajorCriteria), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_criteria(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(c): ApiJson<MajorCriteria>,
) -> Result<Json<MajorCriteria>, Problem> {
    Ok(Json(state.app.set_major_criteria(&auth.actor, c).await?))
}

/// Declare an incident major, naming its owner (or hand a major incident to a new owner).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/major", tag = "incidents", params(("id" = i64, Path)),
    request_body = DeclareInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn declare(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DeclareInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(state.app.declare_major(&auth.actor, id, input).await?))
}

/// Attach child incidents to a major incident; they are resolved with it.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/children", tag = "incidents", params(("id" = i64, Path)),
    request_body = LinkInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn children(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<LinkInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(state.app.add_children(&auth.actor, id, input).await?))
}

/// The management notifications logged for a major incident (staff).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/notifications", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Notification>), (status = 404, body = Problem)))]
pub async fn notifications(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Notification>>, Problem> {
    Ok(Json(state.app.major_notifications(&auth.actor, id).await?))
}

/// Log a management notification sent about a major incident.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notifications", tag = "incidents", params(("id" = i64, Path)),
    request_body = NotificationInput,
    responses((status = 201, body = Notification), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn notify(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<NotificationInput>,
) -> Result<(StatusCode, Json<Notification>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.notify_major(&auth.actor, id, input).await?),
    ))
}

/// Record the post-incident review (what happened, cause, actions) a major incident needs
/// before it may close.
#[utoipa::path(put, path = "/api/v1/incidents/{id}/review", tag = "incidents", params(("id" = i64, Path)),
    request_body = ReviewInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn review(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ReviewInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(state.app.record_review(&auth.actor, id, input).await?))
}

/// Known errors that look like this incident, best first, each with its workaround and why
/// it matched (staff).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/known-errors", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<KnownErrorMatch>), (status = 404, body = Problem)))]
pub async fn known_errors(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<KnownErrorMatch>>, Problem> {
    Ok(Json(
        state.app.incident_known_errors(&auth.actor, id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CandidateQuery {
    /// Days to look back (1–366, default 30).
    pub window_days: Option<i64>,
    /// Least number of similar incidents (2–10000, default 5).
    pub min: Option<i64>,
}

/// Problem candidates: services, CIs and categories with at least `min` incidents in the last
/// `window_days` days (staff).
#[utoipa::path(get, path = "/api/v1/problems/candidates", tag = "incidents", params(CandidateQuery),
    responses((status = 200, body = Vec<ProblemCandidate>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn candidates(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> Result<Json<Vec<ProblemCandidate>>, Problem> {
    Ok(Json(
        state
            .app
            .problem_candidates(&auth.actor, q.window_days.unwrap_or(30), q.min.unwrap_or(5))
            .await?,
    ))
}

/// Body of `POST /api/v1/incidents/{id}/merge`.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeInput {
    /// The incident the work continues on.
    pub into: i64,
}

/// Merge a duplicate into another open incident (staff): the duplicate is cancelled with a
/// public reply naming the other, and both timelines record the merge. Answers the incident
/// merged into.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/merge", tag = "incidents", params(("id" = i64, Path)),
    request_body = MergeInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn merge(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MergeInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state
            .app
            .merge_incident(&auth.actor, id, input.into)
            .await?,
    ))
}
