//! Releases and deployments (ISO/IEC 20000-1 8.5.3): the record, its lifecycle, the changes it
//! groups, its acceptance criteria, and one deployment per environment with its approval.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, Ids};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, patch, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::delivery::release::{
    CriterionInput, CriterionPatch, DeploymentInput, DeploymentPatch, Environment,
    EnvironmentInput, Release, ReleaseChangeInput, ReleaseInput, ReleasePatch, ReleaseStatus,
    ReleaseType, TransitionInput,
};
use steward_domain::foundation::page::Page;
use steward_store::delivery::releases::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, update, move_release, add_change, remove_change, add_criterion,
        update_criterion, add_deployment, update_deployment, approve_deployment, environments,
        create_environment, show_environment, update_environment),
    tags((name = "releases", description = "Releases and deployments (8.5.3)"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/releases", get(list).post(create))
        .route("/api/v1/releases/{id}", get(show).patch(update))
        .route("/api/v1/releases/{id}/transition", post(move_release))
        .route("/api/v1/releases/{id}/changes", post(add_change))
        .route(
            "/api/v1/releases/{id}/changes/{change_id}",
            delete(remove_change),
        )
        .route("/api/v1/releases/{id}/criteria", post(add_criterion))
        .route(
            "/api/v1/releases/{id}/criteria/{criterion_id}",
            patch(update_criterion),
        )
        .route("/api/v1/releases/{id}/deployments", post(add_deployment))
        .route(
            "/api/v1/releases/{id}/deployments/{deployment_id}",
            patch(update_deployment),
        )
        .route(
            "/api/v1/releases/{id}/deployments/{deployment_id}/approve",
            post(approve_deployment),
        )
        .route(
            "/api/v1/release-environments",
            get(environments).post(create_environment),
        )
        .route(
            "/api/v1/release-environments/{id}",
            get(show_environment).put(update_environment),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<ReleaseStatus>,
    pub release_type: Option<ReleaseType>,
    /// Releases grouping this change.
    pub change_id: Option<i64>,
    /// Case-insensitive part of the title.
    pub q: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

type Answer = Result<Json<Release>, Problem>;

/// Releases, newest first (staff).
#[utoipa::path(get, path = "/api/v1/releases", tag = "releases", params(ListQuery),
    responses((status = 200, body = Page<Release>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Release>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        status: q.status,
        release_type: q.release_type,
        change: q.change_id,
        q: q.q,
    };
    Ok(Json(
        state.app.list_releases(&auth.actor, filter, page).await?,
    ))
}

/// Plan a release (agents, managers, admins), optionally with its changes and criteria.
#[utoipa::path(post, path = "/api/v1/releases", tag = "releases", request_body = ReleaseInput,
    responses((status = 201, body = Release), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<ReleaseInput>,
) -> Result<(StatusCode, Json<Release>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_release(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/releases/{id}", tag = "releases", params(("id" = i64, Path)),
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(State(state): State<AppState>, Auth(auth): Auth, Id(id): Id) -> Answer {
    Ok(Json(state.app.get_release(&auth.actor, id).await?))
}

/// Edit the title, description, type or planned date.
#[utoipa::path(patch, path = "/api/v1/releases/{id}", tag = "releases", params(("id" = i64, Path)), request_body = ReleasePatch,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(p): ApiJson<ReleasePatch>,
) -> Answer {
    Ok(Json(state.app.update_release(&auth.actor, id, p).await?))
}

/// One lifecycle move (409 with `allowed` otherwise); accepting needs every criterion met,
/// `deployed` a successful production deployment.
#[utoipa::path(post, path = "/api/v1/releases/{id}/transition", tag = "releases", params(("id" = i64, Path)), request_body = TransitionInput,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn move_release(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Answer {
    Ok(Json(
        state.app.transition_release(&auth.actor, id, input).await?,
    ))
}

/// Group a change, by `change_id` or `change_number`.
#[utoipa::path(post, path = "/api/v1/releases/{id}/changes", tag = "releases", params(("id" = i64, Path)), request_body = ReleaseChangeInput,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_change(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<ReleaseChangeInput>,
) -> Answer {
    Ok(Json(
        state.app.add_release_change(&auth.actor, id, input).await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/releases/{id}/changes/{change_id}", tag = "releases",
    params(("id" = i64, Path), ("change_id" = i64, Path)),
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_change(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, change): Ids,
) -> Answer {
    Ok(Json(
        state
            .app
            .remove_release_change(&auth.actor, id, change)
            .await?,
    ))
}

#[utoipa::path(post, path = "/api/v1/releases/{id}/criteria", tag = "releases", params(("id" = i64, Path)), request_body = CriterionInput,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_criterion(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<CriterionInput>,
) -> Answer {
    Ok(Json(
        state
            .app
            .add_release_criterion(&auth.actor, id, input)
            .await?,
    ))
}

/// Mark a criterion met or not met (who and when are recorded), or reword it.
#[utoipa::path(patch, path = "/api/v1/releases/{id}/criteria/{criterion_id}", tag = "releases",
    params(("id" = i64, Path), ("criterion_id" = i64, Path)), request_body = CriterionPatch,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_criterion(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, criterion): Ids,
    ApiJson(p): ApiJson<CriterionPatch>,
) -> Answer {
    Ok(Json(
        state
            .app
            .update_release_criterion(&auth.actor, id, criterion, p)
            .await?,
    ))
}

/// Plan the deployment to one environment (one per environment).
#[utoipa::path(post, path = "/api/v1/releases/{id}/deployments", tag = "releases", params(("id" = i64, Path)), request_body = DeploymentInput,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_deployment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<DeploymentInput>,
) -> Answer {
    Ok(Json(
        state.app.add_deployment(&auth.actor, id, input).await?,
    ))
}

/// Record times, notes and the result; a production result needs the release accepted and
/// the deployment approved (409 naming `status` or `approval`).
#[utoipa::path(patch, path = "/api/v1/releases/{id}/deployments/{deployment_id}", tag = "releases",
    params(("id" = i64, Path), ("deployment_id" = i64, Path)), request_body = DeploymentPatch,
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_deployment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, deployment): Ids,
    ApiJson(p): ApiJson<DeploymentPatch>,
) -> Answer {
    Ok(Json(
        state
            .app
            .update_deployment(&auth.actor, id, deployment, p)
            .await?,
    ))
}

/// Approve a deployment (managers and admins; a production one once the release is
/// accepted).
#[utoipa::path(post, path = "/api/v1/releases/{id}/deployments/{deployment_id}/approve", tag = "releases",
    params(("id" = i64, Path), ("deployment_id" = i64, Path)),
    responses((status = 200, body = Release), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn approve_deployment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Ids(id, deployment): Ids,
) -> Answer {
    Ok(Json(
        state
            .app
            .approve_deployment(&auth.actor, id, deployment)
            .await?,
    ))
}

/// The environments releases are deployed to, in order (staff).
#[utoipa::path(get, path = "/api/v1/release-environments", tag = "releases",
    responses((status = 200, body = Vec<Environment>), (status = 403, body = Problem)))]
pub async fn environments(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Environment>>, Problem> {
    Ok(Json(state.app.release_environments(&auth.actor).await?))
}

/// Add an environment (managers and admins).
#[utoipa::path(post, path = "/api/v1/release-environments", tag = "releases", request_body = EnvironmentInput,
    responses((status = 201, body = Environment), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create_environment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<EnvironmentInput>,
) -> Result<(StatusCode, Json<Environment>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .create_release_environment(&auth.actor, input)
                .await?,
        ),
    ))
}

/// One environment (staff).
#[utoipa::path(get, path = "/api/v1/release-environments/{id}", tag = "releases", params(("id" = i64, Path)),
    responses((status = 200, body = Environment), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show_environment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Environment>, Problem> {
    Ok(Json(state.app.release_environment(&auth.actor, id).await?))
}

/// Rename, reorder or (un)mark an environment as production (managers and admins); an absent
/// `position` keeps the order.
#[utoipa::path(put, path = "/api/v1/release-environments/{id}", tag = "releases", params(("id" = i64, Path)),
    request_body = EnvironmentInput,
    responses((status = 200, body = Environment), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update_environment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<EnvironmentInput>,
) -> Result<Json<Environment>, Problem> {
    Ok(Json(
        state
            .app
            .update_release_environment(&auth.actor, id, input)
            .await?,
    ))
}
