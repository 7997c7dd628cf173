use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use bytes::Bytes;
use serde::Deserialize;
use steward_domain::delivery::ci::{
    AuditResult, Ci, CiInput, CiPatch, CiStatus, CiType, CiView, HistoryEntry, ImpactReport,
    Relation, RelationInput, parse_discovered,
};
use steward_domain::foundation::page::Page;
use steward_store::delivery::cis::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove, history, add_relation, remove_relation, impact, audit),
    tags((name = "configuration", description = "Configuration items, relations, impact analysis and configuration audits"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/cis", get(list).post(create))
        .route("/api/v1/cis/audit", post(audit))
        .route("/api/v1/cis/{id}", get(show).patch(update).delete(remove))
        .route("/api/v1/cis/{id}/history", get(history))
        .route("/api/v1/cis/{id}/relations", post(add_relation))
        .route(
            "/api/v1/cis/{id}/relations/{relation_id}",
            delete(remove_relation),
        )
        .route("/api/v1/cis/{id}/impact", get(impact))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub ci_type: Option<CiType>,
    pub status: Option<CiStatus>,
    pub owner_id: Option<i64>,
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Configuration items (staff).
#[utoipa::path(get, path = "/api/v1/cis", tag = "configuration", params(ListQuery),
    responses((status = 200, body = Page<Ci>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Ci>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        ci_type: q.ci_type,
        status: q.status,
        owner: q.owner_id,
        q: q.q,
    };
    Ok(Json(state.app.list_cis(&auth.actor, filter, page).await?))
}

/// Create a CI (admin, manager). Service CIs come with their service.
#[utoipa::path(post, path = "/api/v1/cis", tag = "configuration", request_body = CiInput,
    responses((status = 201, body = Ci), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<CiInput>,
) -> Result<(StatusCode, Json<Ci>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_ci(&auth.actor, input).await?),
    ))
}

/// A CI with its relations.
#[utoipa::path(get, path = "/api/v1/cis/{id}", tag = "configuration", params(("id" = i64, Path)),
    responses((status = 200, body = CiView), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<CiView>, Problem> {
    Ok(Json(state.app.get_ci(&auth.actor, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/cis/{id}", tag = "configuration", params(("id" = i64, Path)), request_body = CiPatch,
    responses((status = 200, body = Ci), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<CiPatch>,
) -> Result<Json<Ci>, Problem> {
    Ok(Json(state.app.update_ci(&auth.actor, id, patch).await?))
}

/// Delete a CI that takes part in no relation.
#[utoipa::path(delete, path = "/api/v1/cis/{id}", tag = "configuration", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_ci(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every change of the CI: who, when, before and after.
#[utoipa::path(get, path = "/api/v1/cis/{id}/history", tag = "configuration", params(("id" = i64, Path)),
    responses((status = 200, body = Vec<HistoryEntry>), (status = 404, body = Problem)))]
pub async fn history(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Vec<HistoryEntry>>, Problem> {
    Ok(Json(state.app.ci_history(&auth.actor, id).await?))
}

/// Relate this CI to another: `this <kind> target`.
#[utoipa::path(post, path = "/api/v1/cis/{id}/relations", tag = "configuration", params(("id" = i64, Path)),
    request_body = RelationInput,
    responses((status = 201, body = Relation), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_relation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RelationInput>,
) -> Result<(StatusCode, Json<Relation>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.add_relation(&auth.actor, id, input).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/cis/{id}/relations/{relation_id}", tag = "configuration",
    params(("id" = i64, Path), ("relation_id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_relation(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, relation): Ids,
) -> Result<StatusCode, Problem> {
    state.app.delete_relation(&auth.actor, id, relation).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ImpactQuery {
    /// How many relations deep to follow (1–64, default 64).
    pub max_depth: Option<i64>,
}

/// Impact analysis: every CI and service that depends on this CI, transitively, each with a
/// shortest path of CI ids from this CI.
#[utoipa::path(get, path = "/api/v1/cis/{id}/impact", tag = "configuration", params(("id" = i64, Path), ImpactQuery),
    responses((status = 200, body = ImpactReport), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn impact(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiQuery(q): ApiQuery<ImpactQuery>,
) -> Result<Json<ImpactReport>, Problem> {
    Ok(Json(
        state.app.ci_impact(&auth.actor, id, q.max_depth).await?,
    ))
}

/// Configuration audit: compare a discovered snapshot (JSON array, or `text/csv` with a
/// `name,ci_type[,status][,attributes…]` header) with the records and list the discrepancies.
#[utoipa::path(post, path = "/api/v1/cis/audit", tag = "configuration",
    request_body(content = Vec<steward_domain::delivery::ci::DiscoveredCi>, description = "JSON array, or text/csv"),
    responses((status = 200, body = AuditResult), (status = 422, body = Problem)))]
pub async fn audit(
    State(state): State<AppState>,
    Auth(auth): Auth,
    headers: HeaderMap,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Json<AuditResult>, Problem> {
    let body = body.map_err(|r| Problem::new(r.status(), "unreadable-body", r.body_text()))?;
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default();
    let csv = match media.as_str() {
        "text/csv" => true,
        "application/json" => false,
        _ => {
            return Err(Problem::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-media-type",
                "send the snapshot as application/json or text/csv",
            ));
        }
    };
    let discovered = parse_discovered(&body, csv).map_err(|e| Problem::invalid(e.0))?;
    Ok(Json(
        state
            .app
            .configuration_audit(&auth.actor, discovered)
            .await?,
    ))
}
