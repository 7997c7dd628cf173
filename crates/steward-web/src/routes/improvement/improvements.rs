//! The improvement register and its evaluation criteria.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::improvement::opportunity::{
    ImprovementSettings, MeasureInput, Opportunity, OpportunityInput, OpportunityStatus,
};

#[derive(utoipa::OpenApi)]
#[openapi(paths(list, create, show, update, measure, show_settings, replace_settings))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/improvements", get(list).post(create))
        .route("/api/v1/improvements/{id}", get(show).patch(update))
        .route("/api/v1/improvements/{id}/measure", post(measure))
        .route(
            "/api/v1/settings/improvement",
            get(show_settings).put(replace_settings),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// proposed, approved, rejected, deferred, implemented or closed.
    pub status: Option<OpportunityStatus>,
}

/// The register: open opportunities best score first (their rank), then the rest.
#[utoipa::path(get, path = "/api/v1/improvements", tag = "improvement", params(ListQuery),
    responses((status = 200, body = [Opportunity]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Opportunity>>, Problem> {
    Ok(Json(
        state.app.list_improvements(&auth.actor, q.status).await?,
    ))
}

/// Propose an opportunity (staff): title, source, description, scores on the criteria,
/// objective, metric and target, due date, linked records.
#[utoipa::path(post, path = "/api/v1/improvements", tag = "improvement",
    request_body = OpportunityInput,
    responses((status = 201, body = Opportunity), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<OpportunityInput>,
) -> Result<(StatusCode, Json<Opportunity>), Problem> {
    let made = state.app.propose_improvement(&auth.actor, input).await?;
    Ok((StatusCode::CREATED, Json(made)))
}

#[utoipa::path(get, path = "/api/v1/improvements/{id}", tag = "improvement",
    params(("id" = i64, Path)),
    responses((status = 200, body = Opportunity), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Opportunity>, Problem> {
    Ok(Json(state.app.get_improvement(&auth.actor, id).await?))
}

/// Edit, score, decide (status approved, rejected or deferred with `decision_reason`;
/// managers), or move on (implemented; closed once measured).
#[utoipa::path(patch, path = "/api/v1/improvements/{id}", tag = "improvement",
    params(("id" = i64, Path)), request_body = OpportunityInput,
    responses((status = 200, body = Opportunity), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<OpportunityInput>,
) -> Result<Json<Opportunity>, Problem> {
    Ok(Json(
        state.app.update_improvement(&auth.actor, id, input).await?,
    ))
}

/// Measure the result: the metric (a service's availability, an SLA's resolution compliance)
/// over the period before and the period after, against the target.
#[utoipa::path(post, path = "/api/v1/improvements/{id}/measure", tag = "improvement",
    params(("id" = i64, Path)), request_body = MeasureInput,
    responses((status = 200, body = Opportunity), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn measure(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MeasureInput>,
) -> Result<Json<Opportunity>, Problem> {
    Ok(Json(
        state
            .app
            .measure_improvement(&auth.actor, id, input)
            .await?,
    ))
}

/// The evaluation criteria opportunities are scored on, with their weights.
#[utoipa::path(get, path = "/api/v1/settings/improvement", tag = "improvement",
    responses((status = 200, body = ImprovementSettings), (status = 403, body = Problem)))]
pub async fn show_settings(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<ImprovementSettings>, Problem> {
    Ok(Json(state.app.improvement_settings(&auth.actor).await?))
}

#[utoipa::path(put, path = "/api/v1/settings/improvement", tag = "improvement",
    request_body = ImprovementSettings,
    responses((status = 200, body = ImprovementSettings), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_settings(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(settings): ApiJson<ImprovementSettings>,
) -> Result<Json<ImprovementSettings>, Problem> {
    Ok(Json(
        state
            .app
            .set_improvement_settings(&auth.actor, settings)
            .await?,
    ))
}
