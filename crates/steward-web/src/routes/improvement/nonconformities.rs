//! Nonconformities and corrective actions (10.1): raised from audits, complaints, incident
//! reviews or monitoring; closed only after the cause analysis, every action done and an
//! effectiveness check that found the actions effective.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::page::Page;
use steward_domain::improvement::nonconformity::{
    ActionInput, ActionPatch, CorrectiveAction, EffectivenessCheck, EffectivenessCheckInput,
    NcSource, NcStatus, Nonconformity, NonconformityInput, NonconformityPatch, Severity,
};
use steward_store::improvement::nonconformities::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, check, actions, add_action, update_action),
    components(schemas(EffectivenessCheck)),
    tags((name = "nonconformities", description = "Nonconformities and corrective actions (10.1)"))
)]
pub struct Api;

const BASE: &str = "/api/v1/nonconformities";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(BASE, get(list).post(create))
        .route(&format!("{BASE}/{{id}}"), get(show).patch(update))
        .route(&format!("{BASE}/{{id}}/effectiveness-check"), put(check))
        .route(
            &format!("{BASE}/{{id}}/actions"),
            get(actions).post(add_action),
        )
        .route(
            &format!("{BASE}/{{id}}/actions/{{action}}"),
            patch(update_action),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<NcStatus>,
    pub source: Option<NcSource>,
    pub severity: Option<Severity>,
    /// `true`: only records with an action open past its due date; `false`: only without.
    pub overdue: Option<bool>,
    pub owner_id: Option<i64>,
    pub audit_id: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Nonconformities, newest first, each with its corrective actions and overdue flag.
#[utoipa::path(get, path = "/api/v1/nonconformities", tag = "nonconformities", params(ListQuery),
    responses((status = 200, body = Page<Nonconformity>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Nonconformity>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        status: q.status,
        source: q.source,
        severity: q.severity,
        overdue: q.overdue,
        owner: q.owner_id,
        audit: q.audit_id,
    };
    Ok(Json(
        state
            .app
            .list_nonconformities(&auth.actor, filter, page)
            .await?,
    ))
}

/// Raise a nonconformity (managers); a link (`finding_id`, `complaint_id`, `incident_id`)
/// must match the source and exist.
#[utoipa::path(post, path = "/api/v1/nonconformities", tag = "nonconformities", request_body = NonconformityInput,
    responses((status = 201, body = Nonconformity), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<NonconformityInput>,
) -> Result<(StatusCode, Json<Nonconformity>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_nonconformity(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/nonconformities/{id}", tag = "nonconformities", params(("id" = i64, Path)),
    responses((status = 200, body = Nonconformity), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Nonconformity>, Problem> {
    Ok(Json(state.app.get_nonconformity(&auth.actor, id).await?))
}

/// Edit or move the record (open → action_planned → verifying → closed). Closing without
/// the cause analysis, with an open action, or without an effective check → 422 naming
/// `cause_analysis`, `actions` or `effectiveness_check`.
#[utoipa::path(patch, path = "/api/v1/nonconformities/{id}", tag = "nonconformities", params(("id" = i64, Path)),
    request_body = NonconformityPatch,
    responses((status = 200, body = Nonconformity), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<NonconformityPatch>,
) -> Result<Json<Nonconformity>, Problem> {
    Ok(Json(
        state
            .app
            .update_nonconformity(&auth.actor, id, patch)
            .await?,
    ))
}

/// Record the effectiveness check (replacing an earlier one) once every action is done; one
/// that finds the actions not effective sends a verifying record back to `action_planned`.
#[utoipa::path(put, path = "/api/v1/nonconformities/{id}/effectiveness-check", tag = "nonconformities",
    params(("id" = i64, Path)), request_body = EffectivenessCheckInput,
    responses((status = 200, body = Nonconformity), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn check(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<EffectivenessCheckInput>,
) -> Result<Json<Nonconformity>, Problem> {
    Ok(Json(
        state
            .app
            .record_effectiveness_check(&auth.actor, id, input)
            .await?,
    ))
}

/// The record's corrective actions, oldest first, each with its `overdue` flag.
#[utoipa::path(get, path = "/api/v1/nonconformities/{id}/actions", tag = "nonconformities", params(("id" = i64, Path)),
    responses((status = 200, body = [CorrectiveAction]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn actions(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<CorrectiveAction>>, Problem> {
    Ok(Json(
        state.app.list_corrective_actions(&auth.actor, id).await?,
    ))
}

/// Plan a corrective action (managers); an open record becomes `action_planned`.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/actions", tag = "nonconformities", params(("id" = i64, Path)),
    request_body = ActionInput,
    responses((status = 201, body = CorrectiveAction), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_action(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ActionInput>,
) -> Result<(StatusCode, Json<CorrectiveAction>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .add_corrective_action(&auth.actor, id, input)
                .await?,
        ),
    ))
}

/// Change an action (managers), or mark it done or open again (its owner).
#[utoipa::path(patch, path = "/api/v1/nonconformities/{id}/actions/{action}", tag = "nonconformities",
    params(("id" = i64, Path), ("action" = i64, Path)), request_body = ActionPatch,
    responses((status = 200, body = CorrectiveAction), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_action(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, action): Ids,
    ApiJson(patch): ApiJson<ActionPatch>,
) -> Result<Json<CorrectiveAction>, Problem> {
    Ok(Json(
        state
            .app
            .update_corrective_action(&auth.actor, id, action, patch)
            .await?,
    ))
}
