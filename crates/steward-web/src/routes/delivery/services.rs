use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::service::{
    RequirementInput, Service, ServiceInput, ServicePatch, ServiceStatus,
};
use steward_domain::foundation::page::Page;
use steward_store::delivery::services::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, remove, add_requirement, remove_requirement),
    tags((name = "services", description = "Services: owners, criticality, customers, dependencies, requirements"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/services", get(list).post(create))
        .route(
            "/api/v1/services/{id}",
            get(show).patch(update).delete(remove),
        )
        .route("/api/v1/services/{id}/requirements", post(add_requirement))
        .route(
            "/api/v1/services/{id}/requirements/{requirement_id}",
            delete(remove_requirement),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<ServiceStatus>,
    /// Services delivered to this organization.
    pub customer_id: Option<i64>,
    pub owner_id: Option<i64>,
    pub criticality: Option<i64>,
    /// Case-insensitive part of the name.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Services (staff).
#[utoipa::path(get, path = "/api/v1/services", tag = "services", params(ListQuery),
    responses((status = 200, body = Page<Service>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Service>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        status: q.status,
        customer: q.customer_id,
        owner: q.owner_id,
        criticality: q.criticality,
        q: q.q,
    };
    Ok(Json(
        state.app.list_services(&auth.actor, filter, page).await?,
    ))
}

/// Create a service (admin, manager). Its configuration item is created with it.
#[utoipa::path(post, path = "/api/v1/services", tag = "services", request_body = ServiceInput,
    responses((status = 201, body = Service), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ServiceInput>,
) -> Result<(StatusCode, Json<Service>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_service(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/services/{id}", tag = "services", params(("id" = i64, Path)),
    responses((status = 200, body = Service), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Service>, Problem> {
    Ok(Json(state.app.get_service(&auth.actor, id).await?))
}

/// Change a service; lists (`customer_ids`, `depends_on`) replace. A dependency that would close
/// a cycle is refused with 409 naming the cycle.
#[utoipa::path(patch, path = "/api/v1/services/{id}", tag = "services", params(("id" = i64, Path)), request_body = ServicePatch,
    responses((status = 200, body = Service), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<ServicePatch>,
) -> Result<Json<Service>, Problem> {
    Ok(Json(
        state.app.update_service(&auth.actor, id, patch).await?,
    ))
}

/// Delete a service still in the pipeline that nothing depends on.
#[utoipa::path(delete, path = "/api/v1/services/{id}", tag = "services", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_service(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record a documented requirement of the service.
#[utoipa::path(post, path = "/api/v1/services/{id}/requirements", tag = "services", params(("id" = i64, Path)),
    request_body = RequirementInput,
    responses((status = 201, body = Service), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_requirement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<RequirementInput>,
) -> Result<(StatusCode, Json<Service>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .add_service_requirement(&auth.actor, id, input)
                .await?,
        ),
    ))
}

#[utoipa::path(delete, path = "/api/v1/services/{id}/requirements/{requirement_id}", tag = "services",
    params(("id" = i64, Path), ("requirement_id" = i64, Path)),
    responses((status = 200, body = Service), (status = 404, body = Problem)))]
pub async fn remove_requirement(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, requirement): Ids,
) -> Result<Json<Service>, Problem> {
    Ok(Json(
        state
            .app
            .delete_service_requirement(&auth.actor, id, requirement)
            .await?,
    ))
}
