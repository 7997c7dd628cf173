//! Risks and opportunities of the SMS, `/api/v1/system/risks`.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::improvement::risk::{Risk, RiskInput, RiskLevel, RiskSort};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/system/risks", get(list).post(create))
        .route("/api/v1/system/risks/{id}", get(show).patch(update))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// low, medium or high.
    pub level: Option<RiskLevel>,
    /// score (highest first, the default), newest or review (earliest review date first).
    #[param(inline)]
    pub sort: Option<RiskSort>,
}

/// The risk register, filtered by level and sorted; score and level computed from likelihood
/// and impact.
#[utoipa::path(get, path = "/api/v1/system/risks", tag = "system", params(ListQuery),
    responses((status = 200, body = [Risk]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Risk>>, Problem> {
    Ok(Json(
        state
            .app
            .list_risks(&auth.actor, q.level, q.sort.unwrap_or_default())
            .await?,
    ))
}

/// Record a risk or an opportunity (managers): title, kind, likelihood and impact 1–5,
/// treatment, owner, review date, services.
#[utoipa::path(post, path = "/api/v1/system/risks", tag = "system",
    request_body = RiskInput,
    responses((status = 201, body = Risk), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<RiskInput>,
) -> Result<(StatusCode, Json<Risk>), Problem> {
    let made = state.app.create_risk(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/system/risks/{id}", tag = "system",
    params(("id" = i64, Path)),
    responses((status = 200, body = Risk), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Risk>, Problem> {
    Ok(Json(state.app.get_risk(&auth.actor, id).await?))
}

/// Change a risk (what is given; `null` clears), its status and treatment included.
#[utoipa::path(patch, path = "/api/v1/system/risks/{id}", tag = "system",
    params(("id" = i64, Path)), request_body = RiskInput,
    responses((status = 200, body = Risk), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RiskInput>,
) -> Result<Json<Risk>, Problem> {
    Ok(Json(state.app.update_risk(&auth.actor, id, input).await?))
}
