//! Business calendars: the working hours, time zone and holidays SLA clocks count in.
use crate::AppState;
use crate::extract::{ApiJson, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use steward_domain::service_level::calendar::{CalendarSpec, StoredCalendar};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, replace, import_holidays),
    tags((name = "calendars", description = "Business calendars for SLA clocks"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/calendars", get(list).post(create))
        .route("/api/v1/calendars/{id}", get(show).put(replace))
        .route("/api/v1/calendars/{id}/holidays", post(import_holidays))
}

#[utoipa::path(get, path = "/api/v1/calendars", tag = "calendars",
    responses((status = 200, body = Vec<StoredCalendar>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<StoredCalendar>>, Problem> {
    Ok(Json(state.app.list_calendars(&auth.actor).await?))
}

/// Define a calendar: an IANA time zone, working intervals per weekday in local time
/// (`"24:00"` is the next midnight), holidays as local dates.
#[utoipa::path(post, path = "/api/v1/calendars", tag = "calendars", request_body = CalendarSpec,
    responses((status = 201, body = StoredCalendar), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(spec): ApiJson<CalendarSpec>,
) -> Result<(StatusCode, Json<StoredCalendar>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_calendar(&auth.actor, spec).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/calendars/{id}", tag = "calendars", params(("id" = i64, Path)),
    responses((status = 200, body = StoredCalendar), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<StoredCalendar>, Problem> {
    Ok(Json(state.app.get_calendar(&auth.actor, id).await?))
}

/// Replace a calendar; open clocks that count in it are recomputed from their events. The
/// breach scan's deadlines follow in the same request when few tickets are open under it,
/// else in the background: `recomputes` in the answer shows how far.
#[utoipa::path(put, path = "/api/v1/calendars/{id}", tag = "calendars", params(("id" = i64, Path)),
    request_body = CalendarSpec,
    responses((status = 200, body = StoredCalendar), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(spec): ApiJson<CalendarSpec>,
) -> Result<Json<StoredCalendar>, Problem> {
    Ok(Json(
        state.app.update_calendar(&auth.actor, id, spec).await?,
    ))
}

/// Add holidays from an iCalendar file (the request body, `text/calendar`): each all-day
/// event's dates become holidays.
#[utoipa::path(post, path = "/api/v1/calendars/{id}/holidays", tag = "calendars", params(("id" = i64, Path)),
    request_body(content = String, content_type = "text/calendar"),
    responses((status = 200, body = StoredCalendar), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn import_holidays(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    body: String,
) -> Result<Json<StoredCalendar>, Problem> {
    Ok(Json(
        state.app.import_holidays(&auth.actor, id, &body).await?,
    ))
}
