//! Change blackout windows and change conflicts (ISO/IEC 20000-1 8.5.1.3): blackouts kept by
//! managers and admins, and the conflicts of a change or of every change in a period.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::instant_param;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::change_blackout::{Blackout, BlackoutInput};
use steward_domain::delivery::change_conflict::{ChangeConflicts, Conflict};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, replace, remove, of_change, between),
    tags((name = "change conflicts", description = "Blackout windows and change conflicts (8.5.1.3)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/change-blackouts", get(list).post(create))
        .route(
            "/api/v1/change-blackouts/{id}",
            get(show).put(replace).delete(remove),
        )
        .route("/api/v1/changes/{id}/conflicts", get(of_change))
        .route("/api/v1/change-conflicts", get(between))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct Period {
    /// RFC 3339.
    pub from: Option<String>,
    /// RFC 3339, not included.
    pub to: Option<String>,
}

fn required(field: &str, v: Option<i64>) -> Result<i64, Problem> {
    v.ok_or_else(|| {
        Problem::bad_request("bad-query", format!("{field}: is required (RFC 3339)"))
            .with_field(field.to_owned())
    })
}

/// Blackout windows, earliest first; with `from`/`to`, those overlapping that period (staff).
#[utoipa::path(get, path = "/api/v1/change-blackouts", tag = "change conflicts", params(Period),
    responses((status = 200, body = [Blackout]), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Json<Vec<Blackout>>, Problem> {
    let from = instant_param("from", q.from)?;
    let to = instant_param("to", q.to)?;
    Ok(Json(
        state.app.change_blackouts(&auth.actor, from, to).await?,
    ))
}

/// Record a blackout window (managers, admins): no services listed covers every service.
#[utoipa::path(post, path = "/api/v1/change-blackouts", tag = "change conflicts", request_body = BlackoutInput,
    responses((status = 201, body = Blackout), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<BlackoutInput>,
) -> Result<(StatusCode, Json<Blackout>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_change_blackout(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/change-blackouts/{id}", tag = "change conflicts", params(("id" = i64, Path)),
    responses((status = 200, body = Blackout), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Blackout>, Problem> {
    Ok(Json(state.app.change_blackout(&auth.actor, id).await?))
}

/// Replace a blackout window (managers, admins).
#[utoipa::path(put, path = "/api/v1/change-blackouts/{id}", tag = "change conflicts", params(("id" = i64, Path)), request_body = BlackoutInput,
    responses((status = 200, body = Blackout), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<BlackoutInput>,
) -> Result<Json<Blackout>, Problem> {
    Ok(Json(
        state
            .app
            .update_change_blackout(&auth.actor, id, input)
            .await?,
    ))
}

/// Delete a blackout window (managers, admins).
#[utoipa::path(delete, path = "/api/v1/change-blackouts/{id}", tag = "change conflicts", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_change_blackout(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What the change conflicts with now: other changes overlapping on the same CI or on CIs
/// that depend on each other (with the CI chain), blackout windows, and maintenance windows
/// of an affected service it leaves.
#[utoipa::path(get, path = "/api/v1/changes/{id}/conflicts", tag = "change conflicts", params(("id" = i64, Path)),
    responses((status = 200, body = [Conflict]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn of_change(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Conflict>>, Problem> {
    Ok(Json(state.app.change_conflicts(&auth.actor, id).await?))
}

/// The changes (draft to implementing) planned in `[from, to)` that have conflicts, each
/// with them; at most 366 days.
#[utoipa::path(get, path = "/api/v1/change-conflicts", tag = "change conflicts", params(Period),
    responses((status = 200, body = [ChangeConflicts]), (status = 400, body = Problem), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn between(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<Period>,
) -> Result<Json<Vec<ChangeConflicts>>, Problem> {
    let from = required("from", instant_param("from", q.from)?)?;
    let to = required("to", instant_param("to", q.to)?)?;
    Ok(Json(
        state
            .app
            .change_conflicts_between(&auth.actor, from, to)
            .await?,
    ))
}
