//! Agreements: underpinning contracts with suppliers and OLAs with internal teams (8.3.4).
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::supplier::{
    Agreement, AgreementInput, AgreementKind, AgreementPatch, AgreementStatus,
};
use steward_domain::foundation::page::Page;
use steward_store::delivery::agreements::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove),
    tags((name = "agreements", description = "Underpinning contracts and OLAs (8.3.4)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/agreements", get(list).post(create))
        .route(
            "/api/v1/agreements/{id}",
            get(show).patch(update).delete(remove),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub kind: Option<AgreementKind>,
    pub supplier_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Agreements that underpin this service.
    pub service_id: Option<i64>,
    pub status: Option<AgreementStatus>,
    /// Case-insensitive part of the title.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Agreements of both kinds (staff).
#[utoipa::path(get, path = "/api/v1/agreements", tag = "agreements", params(ListQuery),
    responses((status = 200, body = Page<Agreement>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Agreement>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        kind: q.kind,
        supplier: q.supplier_id,
        team: q.team_id,
        service: q.service_id,
        status: q.status,
        q: q.q,
    };
    Ok(Json(
        state.app.list_agreements(&auth.actor, filter, page).await?,
    ))
}

/// Create an agreement (admin, manager). An `underpinning_contract` names a supplier, an
/// `ola` a team; references that do not exist → 422 naming the field.
#[utoipa::path(post, path = "/api/v1/agreements", tag = "agreements", request_body = AgreementInput,
    responses((status = 201, body = Agreement), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<AgreementInput>,
) -> Result<(StatusCode, Json<Agreement>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_agreement(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = i64, Path)),
    responses((status = 200, body = Agreement), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Agreement>, Problem> {
    Ok(Json(state.app.get_agreement(&auth.actor, id).await?))
}

/// Change an agreement; only the fields present change, lists (`targets`, `service_ids`)
/// replace, `null` clears.
#[utoipa::path(patch, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = i64, Path)), request_body = AgreementPatch,
    responses((status = 200, body = Agreement), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<AgreementPatch>,
) -> Result<Json<Agreement>, Problem> {
    Ok(Json(
        state.app.update_agreement(&auth.actor, id, patch).await?,
    ))
}

/// Delete an agreement that no dispute names (409 otherwise; terminate it).
#[utoipa::path(delete, path = "/api/v1/agreements/{id}", tag = "agreements", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_agreement(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
