//! The change calendar (8.5.1.3): the changes planned in a window, a change's assigned team,
//! the caller's iCalendar feed secret, and the feed itself, read with the secret alone.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, OwnWork};
use crate::problem::Problem;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::change::{Change, ChangeStatus};
use steward_domain::delivery::change_calendar::Calendar;
use steward_domain::delivery::change_calendar::{FeedSecret, FeedStatus};
use steward_store::delivery::change_calendar::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(calendar, assign_team, feed_status, issue_feed, revoke_feed),
    tags((name = "changes", description = "Change records, approvals and reviews (8.5.1, 8.5.2)"))
)]
pub struct Api;

/// Where a person's feed is read, followed by its secret.
pub const FEED_PATH: &str = "/feeds/changes";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/changes/calendar", get(calendar))
        .route("/api/v1/changes/{id}/team", put(assign_team))
        .route(
            "/api/v1/me/change-feed",
            get(feed_status).post(issue_feed).delete(revoke_feed),
        )
        .route("/feeds/changes/{token}", get(feed))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct CalendarQuery {
    /// Start of the window, RFC 3339.
    pub from: String,
    /// End of the window (not included), RFC 3339; at most 400 days after `from`.
    pub to: String,
    /// Changes affecting this service directly.
    pub service_id: Option<i64>,
    /// Changes assigned to this team.
    pub team_id: Option<i64>,
    pub status: Option<ChangeStatus>,
}

/// Changes whose planned window overlaps `[from, to)`, by planned start (staff).
#[utoipa::path(get, path = "/api/v1/changes/calendar", tag = "changes", params(CalendarQuery),
    responses((status = 200, body = Calendar), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn calendar(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<CalendarQuery>,
) -> Result<Json<Calendar>, Problem> {
    let filter = Filter {
        service: q.service_id,
        team: q.team_id,
        status: q.status,
    };
    Ok(Json(
        state
            .app
            .change_calendar(&auth.actor, &q.from, &q.to, filter)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeTeamInput {
    /// The assigned team, or null for none.
    pub team_id: Option<i64>,
}

/// Assign the change to a team (its assignment group), or to none; 409 once closed or
/// cancelled.
#[utoipa::path(put, path = "/api/v1/changes/{id}/team", tag = "changes", params(("id" = i64, Path)), request_body = ChangeTeamInput,
    responses((status = 200, body = Change), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign_team(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ChangeTeamInput>,
) -> Result<Json<Change>, Problem> {
    Ok(Json(
        state
            .app
            .assign_change_team(&auth.actor, id, input.team_id)
            .await?,
    ))
}

/// Whether the caller has a change-calendar feed (staff).
#[utoipa::path(get, path = "/api/v1/me/change-feed", tag = "me",
    responses((status = 200, body = FeedStatus), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn feed_status(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<FeedStatus>, Problem> {
    Ok(Json(state.app.change_feed_status(&auth.actor).await?))
}

/// Create the caller's feed secret, or replace it (the old URL stops working). The secret
/// is shown this once; the feed is `GET /feeds/changes/{token}` (`?team_id=` or
/// `?service_id=` to narrow it).
#[utoipa::path(post, path = "/api/v1/me/change-feed", tag = "me",
    responses((status = 201, body = FeedSecret), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub async fn issue_feed(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
) -> Result<(StatusCode, Json<FeedSecret>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.issue_change_feed(&auth.actor).await?),
    ))
}

/// Revoke the caller's feed; its URL answers 404 from then on.
#[utoipa::path(delete, path = "/api/v1/me/change-feed", tag = "me",
    responses((status = 204), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn revoke_feed(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
) -> Result<StatusCode, Problem> {
    state.app.revoke_change_feed(&auth.actor).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeedQuery {
    pub team_id: Option<i64>,
    pub service_id: Option<i64>,
}

/// The address of Steward: the configured one (mail settings), else the request's host.
pub async fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    if let Ok(Some(url)) = state.app.public_url().await {
        return url.trim_end_matches('/').to_owned();
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
        })
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .filter(|p| *p == "https")
        .unwrap_or("http");
    format!("{scheme}://{host}")
}

/// The feed (RFC 5545), without a session: the secret in the path is the credential. An
/// unknown or revoked secret, or one whose owner may no longer read changes, is a 404.
async fn feed(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ApiQuery(q): ApiQuery<FeedQuery>,
    headers: HeaderMap,
) -> Result<Response, Problem> {
    let token = token.strip_suffix(".ics").unwrap_or(&token);
    let base = base_url(&state, &headers).await;
    let filter = Filter {
        team: q.team_id,
        service: q.service_id,
        status: None,
    };
    match state.app.change_feed(token, filter, &base).await? {
        Some(body) => Ok((
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, no-store"),
            ],
            body,
        )
            .into_response()),
        None => Err(Problem::from(steward_app::AppError::not_found(
            "change feed",
            "with this address",
        ))),
    }
}
