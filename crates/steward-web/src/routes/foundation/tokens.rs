use crate::AppState;
use crate::extract::{ApiJson, Auth, Id, OwnWork};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde::Serialize;
use steward_domain::foundation::access::{ApiToken, TokenInput};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/tokens", get(list).post(create))
        .route("/api/v1/tokens/{id}", delete(revoke))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct CreatedToken {
    pub id: i64,
    pub token: ApiToken,
    /// The bearer secret. Shown only now; only its hash is stored.
    pub secret: String,
}

/// The caller's live API tokens (never their secrets).
#[utoipa::path(get, path = "/api/v1/tokens", tag = "access", responses((status = 200, body = Vec<ApiToken>)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<ApiToken>>, Problem> {
    Ok(Json(state.app.list_tokens(&auth.actor).await?))
}

/// Create an API token for the caller.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "access", request_body = TokenInput,
    responses((status = 201, body = CreatedToken), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    ApiJson(input): ApiJson<TokenInput>,
) -> Result<(StatusCode, Json<CreatedToken>), Problem> {
    let (token, secret) = state.app.create_token(&auth.actor, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            id: token.id,
            token,
            secret,
        }),
    ))
}

/// Revoke one of the caller's tokens (admins: anyone's).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "access", params(("id" = i64, Path)),
    responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.revoke_token(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
