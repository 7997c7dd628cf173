//! Suppliers (ISO/IEC 20000-1 8.3.4.1).
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::supplier::{Supplier, SupplierInput, SupplierPatch, SupplierStatus};
use steward_domain::foundation::page::Page;
use steward_store::delivery::suppliers::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove),
    tags((name = "suppliers", description = "Suppliers and their owners (8.3.4)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/suppliers", get(list).post(create))
        .route(
            "/api/v1/suppliers/{id}",
            get(show).patch(update).delete(remove),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<SupplierStatus>,
    pub owner_id: Option<i64>,
    /// Case-insensitive part of the name.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Suppliers (staff).
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "suppliers", params(ListQuery),
    responses((status = 200, body = Page<Supplier>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Supplier>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        status: q.status,
        owner: q.owner_id,
        q: q.q,
    };
    Ok(Json(
        state.app.list_suppliers(&auth.actor, filter, page).await?,
    ))
}

/// Create a supplier (admin, manager).
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "suppliers", request_body = SupplierInput,
    responses((status = 201, body = Supplier), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<SupplierInput>,
) -> Result<(StatusCode, Json<Supplier>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_supplier(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "suppliers", params(("id" = i64, Path)),
    responses((status = 200, body = Supplier), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Supplier>, Problem> {
    Ok(Json(state.app.get_supplier(&auth.actor, id).await?))
}

/// Change a supplier; only the fields present change, `null` clears.
#[utoipa::path(patch, path = "/api/v1/suppliers/{id}", tag = "suppliers", params(("id" = i64, Path)), request_body = SupplierPatch,
    responses((status = 200, body = Supplier), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<SupplierPatch>,
) -> Result<Json<Supplier>, Problem> {
    Ok(Json(
        state.app.update_supplier(&auth.actor, id, patch).await?,
    ))
}

/// Delete a supplier that no agreement or dispute names (409 otherwise; make it inactive).
#[utoipa::path(delete, path = "/api/v1/suppliers/{id}", tag = "suppliers", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_supplier(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
