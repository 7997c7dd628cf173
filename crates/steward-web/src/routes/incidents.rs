use super::{instant_param, page_request};
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_app::incidents::TransitionRefused;
use steward_domain::page::Page;
use steward_domain::ticket::TicketSort;
use steward_domain::ticket::{
    AssignInput, Comment, CommentInput, IncidentInput, IncidentStatus, Priority, PriorityMatrix,
    Ticket, TransitionInput,
};
use steward_store::tickets::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, transition, assign, comments, add_comment, matrix, set_matrix, candidates),
    tags((name = "incidents", description = "Incidents: priority from impact × urgency, lifecycle, assignment, timeline"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/incidents", get(list).post(create))
        .route("/api/v1/incidents/{id}", get(show))
        .route("/api/v1/incidents/{id}/transition", post(transition))
        .route("/api/v1/incidents/{id}/assign", post(assign))
        .route(
            "/api/v1/incidents/{id}/comments",
            get(comments).post(add_comment),
        )
        .route(
            "/api/v1/settings/priority-matrix",
            get(matrix).put(set_matrix),
        )
        .route("/api/v1/problems/candidates", get(candidates))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<IncidentStatus>,
    /// `P1`–`P5`.
    #[param(value_type = Option<String>)]
    pub priority: Option<Priority>,
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub service_id: Option<i64>,
    /// RFC 3339, inclusive.
    pub opened_from: Option<String>,
    /// RFC 3339, exclusive.
    pub opened_to: Option<String>,
    /// `opened_at` (default, newest first), `priority`, `updated_at` or `number`; prefix `-` for descending.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Incidents, filtered, sorted and paginated. Customers see only their organization's.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListQuery),
    responses((status = 200, body = Page<Ticket>), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Ticket>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let sort = match q.sort.as_deref() {
        Some(v) => TicketSort::parse(v).map_err(|e| {
            Problem::bad_request("bad-query", e.message.clone()).with_field(e.field)
        })?,
        None => TicketSort::default(),
    };
    let filter = Filter {
        status: q.status.map(|s| s.as_str().to_owned()),
        priority: q.priority.map(|p| i64::from(p.level())),
        organization: q.organization_id,
        team: q.team_id,
        assignee: q.assignee_id,
        service: q.service_id,
        opened_from: instant_param("opened_from", q.opened_from)?,
        opened_to: instant_param("opened_to", q.opened_to)?,
    };
    Ok(Json(
        state
            .app
            .list_incidents(&auth.actor, filter, sort, page)
            .await?,
    ))
}

/// Raise an incident; its priority comes from impact × urgency through the priority matrix.
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

/// One incident with its timeline.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(state.app.get_incident(&auth.actor, id).await?))
}

/// Move an incident to another status (`{"to": …}` plus what that status needs). A move the
/// lifecycle does not allow answers 409 with `allowed`, the statuses it may go to.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/transition", tag = "incidents", params(("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<Ticket>, Problem> {
    match state.app.transition_incident(&auth.actor, id, input).await {
        Ok(ticket) => Ok(Json(ticket)),
        Err(TransitionRefused::App(e)) => Err(e.into()),
        Err(TransitionRefused::NotAllowed { message, allowed }) => {
            Err(Problem::transition_not_allowed(
                message,
                allowed.into_iter().map(str::to_owned).collect(),
            ))
        }
    }
}

/// Assign a team and/or agent (replacing the current ones); changing an existing assignment
/// counts as a reassignment.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/assign", tag = "incidents", params(("id" = i64, Path)),
    request_body = AssignInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state.app.assign_incident(&auth.actor, id, input).await?,
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

/// Replace the priority matrix (admin). New incidents use it; existing ones keep their priority.
#[utoipa::path(put, path = "/api/v1/settings/priority-matrix", tag = "incidents", request_body = PriorityMatrix,
    responses((status = 200, body = PriorityMatrix), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn set_matrix(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(m): ApiJson<PriorityMatrix>,
) -> Result<Json<PriorityMatrix>, Problem> {
    Ok(Json(state.app.set_priority_matrix(&auth.actor, m).await?))
}

/// The work log. Customers see public replies only.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/comments", tag = "incidents", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<Comment>), (status = 404, body = Problem)))]
pub async fn comments(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Comment>>, Problem> {
    Ok(Json(state.app.incident_comments(&auth.actor, id).await?))
}

/// Add a public reply or an internal note, with the time spent.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/comments", tag = "incidents", params(("id" = i64, Path)),
    request_body = CommentInput,
    responses((status = 201, body = Comment), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CommentInput>,
) -> Result<(StatusCode, Json<Comment>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.comment_incident(&auth.actor, id, input).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
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
    responses((status = 200, body = Vec<steward_domain::ticket::ProblemCandidate>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn candidates(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<CandidateQuery>,
) -> Result<Json<Vec<steward_domain::ticket::ProblemCandidate>>, Problem> {
    Ok(Json(
        state
            .app
            .problem_candidates(&auth.actor, q.window_days.unwrap_or(30), q.min.unwrap_or(5))
            .await?,
    ))
}
