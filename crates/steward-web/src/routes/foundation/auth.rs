use crate::AppState;
use crate::extract::{ApiJson, Auth, ClientInfo, Id, OwnWork, SESSION_COOKIE};
use crate::problem::Problem;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use serde::Serialize;
use steward_app::foundation::auth::Via;
use steward_domain::foundation::access::{LoginInput, SessionInfo};
use steward_domain::foundation::people::User;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/auth/login", post(login))
        .route("/api/v1/auth/logout", post(logout))
        .route("/api/v1/auth/me", get(me))
        .route("/api/v1/auth/sessions", get(sessions))
        .route("/api/v1/auth/sessions/{id}", delete(revoke_session))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    pub user: User,
    /// Echo this in the `X-CSRF-Token` header on every write made with the session cookie.
    pub csrf_token: String,
    pub session: SessionInfo,
}

/// Log in with username and password; sets the HttpOnly session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "access", request_body = LoginInput,
    security(()),
    responses((status = 200, body = LoginResponse), (status = 401, body = Problem), (status = 429, body = Problem)))]
pub async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    ApiJson(input): ApiJson<LoginInput>,
) -> Result<Response, Problem> {
    let logged_in = state
        .app
        .login(input, &client.address, client.user_agent.as_deref())
        .await?;
    let max_age = state.app.settings().session_ttl.as_secs();
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{}",
        logged_in.session_token,
        if state.options.secure_cookies {
            "; Secure"
        } else {
            ""
        }
    );
    let mut response = Json(LoginResponse {
        user: logged_in.user,
        csrf_token: logged_in.csrf_token,
        session: logged_in.session,
    })
    .into_response();
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

/// End the current session and clear its cookie.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "access",
    responses((status = 204), (status = 401, body = Problem)))]
pub async fn logout(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
) -> Result<Response, Problem> {
    if let Via::Session { id, .. } = auth.via {
        state.app.revoke_session(&auth.actor, id).await?;
    }
    let clear = format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    let mut response = StatusCode::NO_CONTENT.into_response();
    if let Ok(v) = HeaderValue::from_str(&clear) {
        response.headers_mut().insert(header::SET_COOKIE, v);
    }
    Ok(response)
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    pub user: User,
    /// `session` or `token`.
    pub authenticated_by: String,
    /// For session callers: the CSRF token to echo on writes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
}

/// The caller's own account.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "access",
    responses((status = 200, body = MeResponse), (status = 401, body = Problem)))]
pub async fn me(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<MeResponse>, Problem> {
    let user = state.app.me(&auth.actor).await?;
    let (by, csrf) = match auth.via {
        Via::Session { csrf_token, .. } => ("session", Some(csrf_token)),
        Via::Token { .. } => ("token", None),
    };
    Ok(Json(MeResponse {
        user,
        authenticated_by: by.into(),
        csrf_token: csrf,
    }))
}

/// The caller's live sessions.
#[utoipa::path(get, path = "/api/v1/auth/sessions", tag = "access",
    responses((status = 200, body = Vec<SessionInfo>), (status = 401, body = Problem)))]
pub async fn sessions(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<SessionInfo>>, Problem> {
    Ok(Json(state.app.list_sessions(&auth.actor).await?))
}

/// End one of the caller's sessions (admins: anyone's).
#[utoipa::path(delete, path = "/api/v1/auth/sessions/{id}", tag = "access",
    params(("id" = i64, Path)), responses((status = 204), (status = 404, body = Problem)))]
pub async fn revoke_session(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    Id(id): Id,
) -> Result<StatusCode, Problem> {
    state.app.revoke_session(&auth.actor, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
