use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use steward_domain::Role;
use steward_domain::foundation::page::Page;
use steward_domain::foundation::people::{User, UserInput, UserPatch};
use steward_store::foundation::users::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/users", get(list).post(create))
        .route("/api/v1/users/{id}", get(show).patch(update))
        .route("/api/v1/users/{id}/sessions", delete(revoke_sessions))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub organization_id: Option<i64>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Case-insensitive part of the username or display name.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Users. Customers see only the users of their own organization.
#[utoipa::path(get, path = "/api/v1/users", tag = "people", params(ListQuery),
    responses((status = 200, body = Page<User>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<User>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        organization_id: q.organization_id,
        role: q.role,
        active: q.active,
        q: q.q,
    };
    Ok(Json(state.app.list_users(&auth.actor, filter, page).await?))
}

/// Create a user (admin).
#[utoipa::path(post, path = "/api/v1/users", tag = "people", request_body = UserInput,
    responses((status = 201, body = User), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<UserInput>,
) -> Result<(StatusCode, Json<User>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_user(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/users/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = User), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<User>, Problem> {
    Ok(Json(state.app.get_user(&auth.actor, id).await?))
}

/// Change a user (admin). Deactivating or setting a password ends the user's sessions.
#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "people", params(("id" = i64, Path)),
    request_body = UserPatch,
    responses((status = 200, body = User), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<User>, Problem> {
    Ok(Json(state.app.update_user(&auth.actor, id, patch).await?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct Revoked {
    pub sessions_revoked: u64,
}

/// End every session of a user (admin).
#[utoipa::path(delete, path = "/api/v1/users/{id}/sessions", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Revoked), (status = 404, body = Problem)))]
pub async fn revoke_sessions(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Revoked>, Problem> {
    let n = state.app.revoke_user_sessions(&auth.actor, id).await?;
    Ok(Json(Revoked {
        sessions_revoked: n,
    }))
}
