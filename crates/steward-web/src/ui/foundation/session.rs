//! Login and logout with the foundation's sessions, and the start page chosen by role.
use crate::AppState;
use crate::extract::{ClientInfo, SESSION_COOKIE, cookie};
use crate::ui::{FormData, Layout, Ui, UiError, UiResult, foundation::assets, html, see_other};
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use steward_app::AppError;
use steward_app::foundation::auth::Via;
use steward_domain::foundation::access::LoginInput;
use steward_domain::foundation::role::Role;

/// Before there is a session, the login form is protected by a token that must match a cookie.
const LOGIN_CSRF_COOKIE: &str = "steward_login_csrf";

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(start))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
}

/// Where a role starts.
pub fn home(role: Role) -> &'static str {
    match role {
        Role::Customer => "/portal",
        Role::Manager => "/manage",
        Role::Admin | Role::Agent => "/console",
        // The console is for working records; auditors start from their samples.
        Role::Auditor => "/manage/conformity/samples",
    }
}

async fn start(ui: Ui) -> Response {
    Redirect::to(home(ui.actor.role)).into_response()
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    username: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
}

/// Only a path on this site: never another origin (`//host`, `https://…`).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_owned(),
        _ => String::new(),
    }
}

fn login_page(
    username: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    login_page_with(username, next, error, status, None)
}

fn login_page_with(
    username: String,
    next: String,
    error: Option<String>,
    status: StatusCode,
    flash: Option<String>,
) -> Response {
    let token = steward_app::foundation::secrets::random_hex(16).unwrap_or_default();
    let page = LoginPage {
        l: Layout {
            title: "Log in".into(),
            user: None,
            csrf: token.clone(),
            flash_error: flash.as_deref().is_some_and(crate::ui::is_refusal),
            flash,
            nav: "login",
            css: assets::CSS_URL.as_str(),
            js: assets::JS_URL.as_str(),
        },
        username,
        next,
        error,
    };
    let mut response = html(&page);
    *response.status_mut() = status;
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

async fn login_form(Query(q): Query<LoginQuery>, parts: Parts) -> Response {
    let flash = crate::ui::flash_of(&parts);
    let shown = flash.is_some();
    let mut response = login_page_with(
        String::new(),
        safe_next(q.next.as_deref()),
        None,
        StatusCode::OK,
        flash,
    );
    if shown {
        crate::ui::clear_flash(&mut response);
    }
    response
}

async fn login(
    State(state): State<AppState>,
    client: ClientInfo,
    parts: Parts,
    form: FormData,
) -> Response {
    let username = form.value("username");
    let next = safe_next(form.get("next"));
    let expected = cookie(&parts, LOGIN_CSRF_COOKIE);
    if expected.is_none() || expected != form.get("csrf") {
        return login_page(
            username,
            next,
            Some("The login form had expired (or cookies are blocked). Please try again.".into()),
            StatusCode::FORBIDDEN,
        );
    }
    let input = LoginInput {
        username: username.clone(),
        password: form.value("password"),
    };
    let logged_in = match state
        .app
        .login(input, &client.address, client.user_agent.as_deref())
        .await
    {
        Ok(l) => l,
        Err(AppError::Throttled { retry_after }) => {
            let minutes = (retry_after + 59) / 60;
            return login_page(
                username,
                next,
                Some(format!(
                    "Too many failed attempts: logging in is locked for this account or address. Try again in {minutes} minute{}.",
                    if minutes == 1 { "" } else { "s" }
                )),
                StatusCode::TOO_MANY_REQUESTS,
            );
        }
        Err(AppError::Busy { .. }) => {
            return login_page(
                username,
                next,
                Some(
                    "The server is busy checking other logins. Please try again in a moment."
                        .into(),
                ),
                StatusCode::SERVICE_UNAVAILABLE,
            );
        }
        Err(AppError::Unauthenticated(_)) | Err(AppError::Invalid(_)) => {
            return login_page(
                username,
                next,
                Some("Wrong username or password.".into()),
                StatusCode::UNAUTHORIZED,
            );
        }
        Err(e) => return UiError::App(e).into_response(),
    };
    let to = if next.is_empty() {
        home(logged_in.user.role).to_owned()
    } else {
        next
    };
    let mut response = Redirect::to(&to).into_response();
    let max_age = state.app.settings().session_ttl.as_secs();
    let secure = if state.options.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let session = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}",
        logged_in.session_token
    );
    let h = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&session) {
        h.append(header::SET_COOKIE, v);
    }
    h.append(
        header::SET_COOKIE,
        HeaderValue::from_static("steward_login_csrf=; Path=/login; HttpOnly; Max-Age=0"),
    );
    response
}

async fn logout(State(state): State<AppState>, parts: Parts, form: FormData) -> UiResult {
    let mut parts = parts;
    let ui = match <Ui as axum::extract::FromRequestParts<AppState>>::from_request_parts(
        &mut parts, &state,
    )
    .await
    {
        Ok(ui) => ui,
        // Already logged out: nothing to end.
        Err(_) => return Ok(Redirect::to("/login").into_response()),
    };
    ui.check_csrf(&form)?;
    if let Some(secret) = cookie(&parts, SESSION_COOKIE)
        && let Ok(Some(auth)) = crate::extract::session_owner(&parts, &state, secret).await
        && let Via::Session { id, .. } = auth.via
    {
        state.app.revoke_session(&auth.actor, id).await?;
    }
    let mut response = see_other("/login", "You are logged out.");
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("steward_session=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_local_paths_are_followed_after_login() {
        assert_eq!(super::safe_next(Some("/tickets/3")), "/tickets/3");
        assert_eq!(super::safe_next(Some("//evil.example")), "");
        assert_eq!(super::safe_next(Some("https://evil.example")), "");
        assert_eq!(super::safe_next(Some("/\\evil.example")), "");
    }
}
