use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, put};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::page::Page;
use steward_domain::foundation::people::{Team, TeamInput, TeamPatch};
use steward_store::foundation::teams::Filter;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/teams", get(list).post(create))
        .route("/api/v1/teams/{id}", get(show).patch(update).delete(remove))
        .route(
            "/api/v1/teams/{id}/members/{user_id}",
            put(add_member).delete(remove_member),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Only teams this user belongs to.
    pub member: Option<i64>,
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Teams (resolver groups) with their members. Staff only.
#[utoipa::path(get, path = "/api/v1/teams", tag = "people", params(ListQuery),
    responses((status = 200, body = Page<Team>), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Team>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        member: q.member,
        q: q.q,
    };
    Ok(Json(state.app.list_teams(&auth.actor, filter, page).await?))
}

/// Create a team (admin, manager).
#[utoipa::path(post, path = "/api/v1/teams", tag = "people", request_body = TeamInput,
    responses((status = 201, body = Team), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<TeamInput>,
) -> Result<(StatusCode, Json<Team>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_team(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 200, body = Team), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Team>, Problem> {
    Ok(Json(state.app.get_team(&auth.actor, id).await?))
}

/// Change a team; `member_ids`, when present, replaces the member list.
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "people", params(("id" = i64, Path)),
    request_body = TeamPatch,
    responses((status = 200, body = Team), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(patch): ApiJson<TeamPatch>,
) -> Result<Json<Team>, Problem> {
    Ok(Json(state.app.update_team(&auth.actor, id, patch).await?))
}

#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "people", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.delete_team(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Add a staff user to a team.
#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{user_id}", tag = "people",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = Team), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_member(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, user): Ids,
) -> Result<Json<Team>, Problem> {
    Ok(Json(
        state
            .app
            .set_team_membership(&auth.actor, id, user, true)
            .await?,
    ))
}

/// Remove a user from a team.
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", tag = "people",
    params(("id" = i64, Path), ("user_id" = i64, Path)),
    responses((status = 200, body = Team), (status = 404, body = Problem)))]
pub async fn remove_member(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, user): Ids,
) -> Result<Json<Team>, Problem> {
    Ok(Json(
        state
            .app
            .set_team_membership(&auth.actor, id, user, false)
            .await?,
    ))
}
