use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::page::Page;
use steward_domain::foundation::people::{Organization, OrganizationInput, OrganizationPatch};
use steward_store::foundation::orgs::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/organizations", get(list).post(create))
        .route(
            "/api/v1/organizations/{id}",
            get(show).patch(update).delete(remove),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Case-insensitive part of the name.
    pub q: Option<String>,
    pub active: Option<bool>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Organizations (customers). Customers see only their own.
#[utoipa::path(get, path = "/api/v1/organizations", tag = "people", params(ListQuery),
    responses((status = 200, body = Page<Organization>), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Organization>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        only: None,
        active: q.active,
        q: q.q,
    };
    Ok(Json(
        state
            .app
            .list_organizations(&auth.actor, filter, page)
            .await?,
    ))
}

/// Create an organization (admin, manager).
#[utoipa::path(post, path = "/api/v1/organizations", tag = "people", request_body = OrganizationInput,
    responses((status = 201, body = Organization), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<OrganizationInput>,
) -> Result<(StatusCode, Json<Organization>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_organization(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/organizations/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Organization), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Organization>, Problem> {
    Ok(Json(state.app.get_organization(&auth.actor, id).await?))
}

/// Change an organization; only the fields present change.
#[utoipa::path(patch, path = "/api/v1/organizations/{id}", tag = "people", params(("id" = i64, Path)),
    request_body = OrganizationPatch,
    responses((status = 200, body = Organization), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<OrganizationPatch>,
) -> Result<Json<Organization>, Problem> {
    Ok(Json(
        state
            .app
            .update_organization(&auth.actor, id, patch)
            .await?,
    ))
}

/// Delete an organization that has no users.
#[utoipa::path(delete, path = "/api/v1/organizations/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_organization(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
