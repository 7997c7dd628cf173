//! Internal audits (9.2): audit programmes per period, their audits with scope, criteria
//! and an independent auditor, and the audits' findings.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, LaterJson, OwnWork};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::improvement::audit::{
    Audit, AuditDetail, AuditInput, AuditPatch, AuditProgramme, AuditStatus, Finding, FindingInput,
    ProgrammeInput, ProgrammePatch,
};

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        programmes,
        create_programme,
        programme,
        update_programme,
        list,
        create,
        show,
        update,
        findings,
        record_finding
    ),
    tags((name = "audits", description = "Internal audits: programmes, audits and findings (9.2)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/audit-programmes",
            get(programmes).post(create_programme),
        )
        .route(
            "/api/v1/audit-programmes/{id}",
            get(programme).patch(update_programme),
        )
        .route("/api/v1/audits", get(list).post(create))
        .route("/api/v1/audits/{id}", get(show).patch(update))
        .route(
            "/api/v1/audits/{id}/findings",
            get(findings).post(record_finding),
        )
}

/// Every audit programme, the latest period first.
#[utoipa::path(get, path = "/api/v1/audit-programmes", tag = "audits",
    responses((status = 200, body = [AuditProgramme]), (status = 403, body = Problem)))]
pub async fn programmes(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<AuditProgramme>>, Problem> {
    Ok(Json(state.app.list_audit_programmes(&auth.actor).await?))
}

/// Create a programme for a period (managers).
#[utoipa::path(post, path = "/api/v1/audit-programmes", tag = "audits", request_body = ProgrammeInput,
    responses((status = 201, body = AuditProgramme), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create_programme(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ProgrammeInput>,
) -> Result<(StatusCode, Json<AuditProgramme>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_audit_programme(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/audit-programmes/{id}", tag = "audits", params(("id" = i64, Path)),
    responses((status = 200, body = AuditProgramme), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn programme(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<AuditProgramme>, Problem> {
    Ok(Json(state.app.get_audit_programme(&auth.actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/audit-programmes/{id}", tag = "audits", params(("id" = i64, Path)),
    request_body = ProgrammePatch,
    responses((status = 200, body = AuditProgramme), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update_programme(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ProgrammePatch>,
) -> Result<Json<AuditProgramme>, Problem> {
    Ok(Json(
        state
            .app
            .update_audit_programme(&auth.actor, id, patch)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub programme_id: Option<i64>,
    pub status: Option<AuditStatus>,
}

/// Audits by planned date.
#[utoipa::path(get, path = "/api/v1/audits", tag = "audits", params(ListQuery),
    responses((status = 200, body = [Audit]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Vec<Audit>>, Problem> {
    Ok(Json(
        state
            .app
            .list_audits(&auth.actor, q.programme_id, q.status)
            .await?,
    ))
}

/// Plan an audit (managers). An auditor who owns a service in scope or is a member of a team
/// in scope → 422 naming `auditor_id` and the conflict.
#[utoipa::path(post, path = "/api/v1/audits", tag = "audits", request_body = AuditInput,
    responses((status = 201, body = AuditDetail), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<AuditInput>,
) -> Result<(StatusCode, Json<AuditDetail>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_audit(&auth.actor, input).await?),
    ))
}

/// One audit with its findings.
#[utoipa::path(get, path = "/api/v1/audits/{id}", tag = "audits", params(("id" = i64, Path)),
    responses((status = 200, body = AuditDetail), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<AuditDetail>, Problem> {
    Ok(Json(state.app.get_audit(&auth.actor, id).await?))
}

/// Edit, start or complete an audit (managers; completing needs `report_summary`). A new
/// auditor or scope is checked for independence again.
#[utoipa::path(patch, path = "/api/v1/audits/{id}", tag = "audits", params(("id" = i64, Path)),
    request_body = AuditPatch,
    responses((status = 200, body = AuditDetail), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<AuditPatch>,
) -> Result<Json<AuditDetail>, Problem> {
    Ok(Json(state.app.update_audit(&auth.actor, id, patch).await?))
}

/// The audit's findings in the order recorded.
#[utoipa::path(get, path = "/api/v1/audits/{id}/findings", tag = "audits", params(("id" = i64, Path)),
    responses((status = 200, body = [Finding]), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn findings(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<Finding>>, Problem> {
    Ok(Json(state.app.get_audit(&auth.actor, id).await?.findings))
}

/// Record a finding (the assigned auditor only; 409 once the audit is completed). A minor or
/// major nonconformity raises a nonconformity linked both ways (`nonconformity_id` here,
/// `audit_id` and `finding_id` there).
#[utoipa::path(post, path = "/api/v1/audits/{id}/findings", tag = "audits", params(("id" = i64, Path)),
    request_body = FindingInput,
    responses((status = 201, body = Finding), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_finding(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    Id(id): Id,
    body: LaterJson,
) -> Result<(StatusCode, Json<Finding>), Problem> {
    // Open to auditors, so whether this one may record here is settled before the body.
    state.app.may_record_findings(&auth.actor, id).await?;
    let input: FindingInput = body.parse()?;
    Ok((
        StatusCode::CREATED,
        Json(state.app.record_finding(&auth.actor, id, input).await?),
    ))
}
