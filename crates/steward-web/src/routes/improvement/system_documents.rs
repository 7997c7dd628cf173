//! The SMS scope (`/api/v1/system/scope`) and the service management policy
//! (`/api/v1/system/policy`): the newest version, its edits, approval and the history.
use crate::AppState;
use crate::extract::{ApiJson, Auth};
use crate::problem::Problem;
use axum::extract::State;
use axum::routing::{get, post};
use axum::{Json, Router};
use steward_app::improvement::system_documents::Edit;
use steward_domain::improvement::system_document::{
    DocumentInput, DocumentKind, DocumentVersion, SystemFigures,
};

#[derive(utoipa::OpenApi)]
#[openapi(paths(
    show_scope,
    replace_scope,
    patch_scope,
    approve_scope,
    scope_versions,
    show_policy,
    replace_policy,
    patch_policy,
    approve_policy,
    policy_versions,
    figures
))]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/system/scope",
            get(show_scope).put(replace_scope).patch(patch_scope),
        )
        .route("/api/v1/system/scope/approve", post(approve_scope))
        .route("/api/v1/system/scope/versions", get(scope_versions))
        .route(
            "/api/v1/system/policy",
            get(show_policy).put(replace_policy).patch(patch_policy),
        )
        .route("/api/v1/system/policy/approve", post(approve_policy))
        .route("/api/v1/system/policy/versions", get(policy_versions))
        .route("/api/v1/system/figures", get(figures))
}

type One = Result<Json<DocumentVersion>, Problem>;

async fn edit(
    state: &AppState,
    auth: &steward_app::foundation::auth::Authenticated,
    kind: DocumentKind,
    how: Edit,
    input: DocumentInput,
) -> One {
    Ok(Json(
        state
            .app
            .edit_system_document(&auth.actor, kind, how, input)
            .await?,
    ))
}

/// The newest version of the SMS scope: the draft being worked on, or the approved one in
/// force (404 before the first).
#[utoipa::path(get, path = "/api/v1/system/scope", tag = "system",
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show_scope(State(state): State<AppState>, Auth(auth): Auth) -> One {
    Ok(Json(
        state
            .app
            .system_document(&auth.actor, DocumentKind::Scope)
            .await?,
    ))
}

/// Write the whole scope (`text` required): rewrites the draft, or starts the next version
/// when the newest one is approved.
#[utoipa::path(put, path = "/api/v1/system/scope", tag = "system", request_body = DocumentInput,
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_scope(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<DocumentInput>,
) -> One {
    edit(&state, &auth, DocumentKind::Scope, Edit::Replace, input).await
}

/// Change some fields of the scope (the rest as in the newest version); same versioning.
#[utoipa::path(patch, path = "/api/v1/system/scope", tag = "system", request_body = DocumentInput,
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn patch_scope(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<DocumentInput>,
) -> One {
    edit(&state, &auth, DocumentKind::Scope, Edit::Merge, input).await
}

/// Approve the draft scope (it needs an owner and a review date); 409 without a draft.
#[utoipa::path(post, path = "/api/v1/system/scope/approve", tag = "system",
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve_scope(State(state): State<AppState>, Auth(auth): Auth) -> One {
    Ok(Json(
        state
            .app
            .approve_system_document(&auth.actor, DocumentKind::Scope)
            .await?,
    ))
}

/// Every version of the scope, newest first.
#[utoipa::path(get, path = "/api/v1/system/scope/versions", tag = "system",
    responses((status = 200, body = [DocumentVersion]), (status = 403, body = Problem)))]
pub async fn scope_versions(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<DocumentVersion>>, Problem> {
    Ok(Json(
        state
            .app
            .system_document_versions(&auth.actor, DocumentKind::Scope)
            .await?,
    ))
}

/// The newest version of the service management policy (404 before the first).
#[utoipa::path(get, path = "/api/v1/system/policy", tag = "system",
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show_policy(State(state): State<AppState>, Auth(auth): Auth) -> One {
    Ok(Json(
        state
            .app
            .system_document(&auth.actor, DocumentKind::Policy)
            .await?,
    ))
}

/// Write the whole policy (`text` required; no services, organizations or exclusions).
#[utoipa::path(put, path = "/api/v1/system/policy", tag = "system", request_body = DocumentInput,
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_policy(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<DocumentInput>,
) -> One {
    edit(&state, &auth, DocumentKind::Policy, Edit::Replace, input).await
}

#[utoipa::path(patch, path = "/api/v1/system/policy", tag = "system", request_body = DocumentInput,
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn patch_policy(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<DocumentInput>,
) -> One {
    edit(&state, &auth, DocumentKind::Policy, Edit::Merge, input).await
}

#[utoipa::path(post, path = "/api/v1/system/policy/approve", tag = "system",
    responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn approve_policy(State(state): State<AppState>, Auth(auth): Auth) -> One {
    Ok(Json(
        state
            .app
            .approve_system_document(&auth.actor, DocumentKind::Policy)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/system/policy/versions", tag = "system",
    responses((status = 200, body = [DocumentVersion]), (status = 403, body = Problem)))]
pub async fn policy_versions(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<DocumentVersion>>, Problem> {
    Ok(Json(
        state
            .app
            .system_document_versions(&auth.actor, DocumentKind::Policy)
            .await?,
    ))
}

/// The management-system records at a glance: scope and policy state, overdue objectives
/// and risk reviews, high risks without treatment.
#[utoipa::path(get, path = "/api/v1/system/figures", tag = "system",
    responses((status = 200, body = SystemFigures), (status = 403, body = Problem)))]
pub async fn figures(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<SystemFigures>, Problem> {
    Ok(Json(state.app.system_figures(&auth.actor).await?))
}
