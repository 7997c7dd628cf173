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

/// The five endpoints of one statement (scope or policy): the same handlers for each kind,
/// written once, each documented in the OpenAPI document under its own path.
macro_rules! statement {
    ($kind:expr, $what:literal, $base:literal, $approve:literal, $versions:literal,
     $show:ident, $replace:ident, $patch:ident, $approve_fn:ident, $versions_fn:ident) => {
        #[doc = concat!("The newest version of the ", $what, ": the draft being worked on, or the approved one in force (404 before the first).")]
        #[utoipa::path(get, path = $base, tag = "system",
            responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 404, body = Problem)))]
        pub async fn $show(State(state): State<AppState>, Auth(auth): Auth) -> One {
            Ok(Json(state.app.system_document(&auth.actor, $kind).await?))
        }

        #[doc = concat!("Write the whole ", $what, " (`text` required): rewrites the draft, or starts the next version when the newest one is approved.")]
        #[utoipa::path(put, path = $base, tag = "system", request_body = DocumentInput,
            responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
        pub async fn $replace(
            State(state): State<AppState>,
            Auth(auth): Auth,
            ApiJson(input): ApiJson<DocumentInput>,
        ) -> One {
            edit(&state, &auth, $kind, Edit::Replace, input).await
        }

        #[doc = concat!("Change some fields of the ", $what, " (the rest as in the newest version); same versioning.")]
        #[utoipa::path(patch, path = $base, tag = "system", request_body = DocumentInput,
            responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 422, body = Problem)))]
        pub async fn $patch(
            State(state): State<AppState>,
            Auth(auth): Auth,
            ApiJson(input): ApiJson<DocumentInput>,
        ) -> One {
            edit(&state, &auth, $kind, Edit::Merge, input).await
        }

        #[doc = concat!("Approve the draft ", $what, " (it needs an owner and a review date); 409 without a draft.")]
        #[utoipa::path(post, path = $approve, tag = "system",
            responses((status = 200, body = DocumentVersion), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
        pub async fn $approve_fn(State(state): State<AppState>, Auth(auth): Auth) -> One {
            Ok(Json(state.app.approve_system_document(&auth.actor, $kind).await?))
        }

        #[doc = concat!("Every version of the ", $what, ", newest first.")]
        #[utoipa::path(get, path = $versions, tag = "system",
            responses((status = 200, body = [DocumentVersion]), (status = 403, body = Problem)))]
        pub async fn $versions_fn(
            State(state): State<AppState>,
            Auth(auth): Auth,
        ) -> Result<Json<Vec<DocumentVersion>>, Problem> {
            Ok(Json(state.app.system_document_versions(&auth.actor, $kind).await?))
        }
    };
}

statement!(
    DocumentKind::Scope,
    "SMS scope",
    "/api/v1/system/scope",
    "/api/v1/system/scope/approve",
    "/api/v1/system/scope/versions",
    show_scope,
    replace_scope,
    patch_scope,
    approve_scope,
    scope_versions
);

// The policy takes no services, organizations or exclusions (422 naming the field).
statement!(
    DocumentKind::Policy,
    "service management policy",
    "/api/v1/system/policy",
    "/api/v1/system/policy/approve",
    "/api/v1/system/policy/versions",
    show_policy,
    replace_policy,
    patch_policy,
    approve_policy,
    policy_versions
);

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
