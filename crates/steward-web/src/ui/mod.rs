//! The web interface: server-rendered HTML over the same use cases as the JSON API. Every
//! essential action is a plain form POST (CSRF token in a hidden field, then a 303 redirect
//! with a flash message); the small script only adds shortcuts, live clocks and confirmations.

pub mod assurance;
pub mod delivery;
pub mod foundation;
pub mod improvement;
pub mod reporting;
pub mod resolution;
pub mod service_level;

use crate::AppState;
use crate::extract::{SESSION_COOKIE, cookie};
use askama::Template;
use axum::Router;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use steward_app::AppError;
use steward_app::foundation::auth::Via;
use steward_domain::foundation::actor::Actor;
use steward_domain::foundation::role::Role;

pub use foundation::forms::FormData;

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(foundation::assets::routes())
        .merge(foundation::session::routes())
        .merge(foundation::account::routes())
        .merge(foundation::mail::routes())
        .merge(resolution::console::routes())
        .merge(resolution::incident_new::routes())
        .merge(resolution::search::routes())
        .merge(resolution::record::routes())
        .merge(resolution::record_edit::routes())
        .merge(resolution::desk::routes())
        .merge(resolution::canned::routes())
        .merge(resolution::mailboxes::routes())
        .merge(resolution::problems::routes())
        .merge(resolution::portal::routes())
        .merge(foundation::people::routes())
        .merge(delivery::services::routes())
        .merge(delivery::changes::routes())
        .merge(delivery::releases::routes())
        .merge(delivery::release_environments::routes())
        .merge(delivery::change_blackouts::routes())
        .merge(delivery::change_calendar::routes())
        .merge(delivery::change_config::routes())
        .merge(delivery::change_policy::routes())
        .merge(assurance::outages::routes())
        .merge(assurance::status::routes())
        .merge(assurance::settings::routes())
        .merge(assurance::investigations::routes())
        .merge(assurance::probes::routes())
        .merge(improvement::improvements::routes())
        .merge(improvement::criteria::routes())
        .merge(improvement::reviews::routes())
        .merge(assurance::continuity::routes())
        .merge(improvement::nonconformities::routes())
        .merge(improvement::audits::routes())
        .merge(improvement::conformity::routes())
        .merge(improvement::guided_start::routes())
        .merge(improvement::samples::routes())
        .merge(delivery::catalogue::routes())
        .merge(service_level::calendars::routes())
        .merge(service_level::slas::routes())
        .merge(service_level::notifications::routes())
        .merge(reporting::dashboard::routes())
        .merge(reporting::reports::routes())
        .merge(improvement::satisfaction::routes())
        .merge(improvement::documents::routes())
        .merge(foundation::competence::routes())
        .merge(improvement::system::routes())
        .merge(improvement::objectives::routes())
        .merge(improvement::risks::routes())
        .merge(foundation::webhooks::routes())
}

const FLASH_COOKIE: &str = "steward_flash";

/// What every page's frame shows: who is logged in, the CSRF token for its forms, the flash.
pub struct Layout {
    pub title: String,
    pub user: Option<UserBar>,
    pub csrf: String,
    pub flash: Option<String>,
    /// A flash that reports a refusal rather than a success.
    pub flash_error: bool,
    /// Which navigation entry is current (`console`, `portal`, `manage`, …).
    pub nav: &'static str,
    pub css: &'static str,
    pub js: &'static str,
}

pub struct UserBar {
    pub name: String,
    pub role: &'static str,
    pub staff: bool,
    pub manager: bool,
    /// May draw and read audit samples (auditors too, who get no manager screens).
    pub sampler: bool,
    /// May raise incidents: the "New incident" link is not offered to those who change
    /// nothing (auditors).
    pub raises: bool,
    /// Works records: the console is theirs.
    pub works: bool,
    /// Unread notifications, for the bell.
    pub unread: i64,
    /// The person's own time zone; none shows times in the browser's.
    pub time_zone: Option<String>,
}

/// A logged-in browser session. Pages that need one redirect to the login form without it.
pub struct Ui {
    pub actor: Actor,
    pub csrf: String,
    pub flash: Option<String>,
    pub unread: i64,
    pub time_zone: Option<String>,
}

impl Ui {
    /// The zone times are read and shown in: the person's, else UTC.
    pub fn zone(&self) -> jiff::tz::TimeZone {
        self.time_zone
            .as_deref()
            .and_then(|z| jiff::tz::TimeZone::get(z).ok())
            .unwrap_or(jiff::tz::TimeZone::UTC)
    }

    /// RFC 3339 → "2026-03-02 10:30" in the reader's zone.
    pub fn local(&self, rfc3339: &str) -> String {
        self.local_as(rfc3339, "%Y-%m-%d %H:%M")
    }

    /// RFC 3339 → "2026-03-02 10:30:05" in the reader's zone, for events seconds apart.
    pub fn local_seconds(&self, rfc3339: &str) -> String {
        self.local_as(rfc3339, "%Y-%m-%d %H:%M:%S")
    }

    /// The reader's zone by name, for hints ("a date and time in Europe/Berlin").
    pub fn zone_name(&self) -> String {
        self.time_zone.clone().unwrap_or_else(|| "UTC".into())
    }

    /// "2026-03-02 10:30" in the reader's zone → RFC 3339; the message names the field. A
    /// pasted instant with its offset ("2026-03-02T09:30:00Z") is taken as it is.
    pub fn instant(
        &self,
        field: &str,
        text: &str,
    ) -> Result<String, steward_domain::foundation::validation::FieldError> {
        use steward_domain::foundation::validation::FieldError;
        if let Ok(t) = text.trim().parse::<jiff::Timestamp>() {
            return Ok(t.to_string());
        }
        let civil = text
            .trim()
            .replace('T', " ")
            .parse::<jiff::civil::DateTime>()
            .map_err(|_| FieldError::new(field, "must be a date and time like 2026-03-02 14:30"))?;
        civil
            .to_zoned_datetime(self.zone())
            .map(|z| z.timestamp().to_string())
            .map_err(|_| FieldError::new(field, "is not a time that exists in your time zone"))
    }

    /// Turns the named fields of a read form from the reader's local time into instants;
    /// the refused ones come back as field errors.
    pub fn instants_in(
        &self,
        json: &mut serde_json::Map<String, serde_json::Value>,
        fields: &[&str],
    ) -> Vec<steward_domain::foundation::validation::FieldError> {
        let mut errors = Vec::new();
        for field in fields {
            if let Some(serde_json::Value::String(text)) = json.get(*field) {
                match self.instant(field, text) {
                    Ok(t) => {
                        json.insert((*field).into(), serde_json::Value::String(t));
                    }
                    Err(e) => errors.push(e),
                }
            }
        }
        errors
    }

    fn local_as(&self, rfc3339: &str, format: &str) -> String {
        rfc3339
            .parse::<jiff::Timestamp>()
            .map(|t| {
                t.to_zoned_datetime(self.zone())
                    .strftime(format)
                    .to_string()
            })
            .unwrap_or_else(|_| rfc3339.to_owned())
    }

    pub fn staff(&self) -> bool {
        !matches!(self.actor.role, Role::Customer)
    }

    pub fn manager(&self) -> bool {
        matches!(self.actor.role, Role::Admin | Role::Manager)
    }

    pub fn layout(&self, title: impl Into<String>, nav: &'static str) -> Layout {
        Layout {
            title: title.into(),
            user: Some(UserBar {
                name: self.actor.name.clone(),
                role: self.actor.role.as_str(),
                staff: self.staff(),
                manager: self.manager(),
                sampler: self.actor.can(steward_domain::Permission::DrawSamples),
                raises: self.actor.can(steward_domain::Permission::RaiseTickets),
                works: self.actor.can(steward_domain::Permission::WorkTickets),
                unread: self.unread,
                time_zone: self.time_zone.clone(),
            }),
            csrf: self.csrf.clone(),
            flash: self.flash.clone(),
            flash_error: self.flash.as_deref().is_some_and(is_refusal),
            nav,
            css: foundation::assets::CSS_URL.as_str(),
            js: foundation::assets::JS_URL.as_str(),
        }
    }

    /// Refuses a form whose hidden CSRF field does not match the session's token.
    pub fn check_csrf(&self, form: &FormData) -> Result<(), UiError> {
        if form.get("csrf") == Some(self.csrf.as_str()) {
            Ok(())
        } else {
            Err(UiError::Csrf)
        }
    }

    /// Renders a page; a flash message shown on it is cleared.
    pub fn page(&self, template: &impl Template) -> Response {
        let mut response = html(template);
        if self.flash.is_some() {
            clear_flash(&mut response);
        }
        response
    }
}

impl FromRequestParts<AppState> for Ui {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
            Redirect::to(&format!("/login?next={encoded}")).into_response()
        };
        let Some(secret) = cookie(parts, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let auth = match crate::extract::session_owner(parts, state, secret).await {
            Ok(Some(auth)) => auth,
            Ok(None) => return Err(to_login()),
            Err(e) => return Err(UiError::App(e).into_response()),
        };
        let Via::Session { csrf_token, .. } = auth.via else {
            return Err(to_login());
        };
        let flash = flash_of(parts);
        // One count per page for the bell; a failure shows no count rather than no page.
        let unread = state
            .app
            .unread_notifications(&auth.actor)
            .await
            .unwrap_or(0);
        // Likewise: without the setting, times show in the browser's zone.
        let time_zone = state
            .app
            .my_preferences(&auth.actor)
            .await
            .map(|p| p.time_zone)
            .unwrap_or_default();
        Ok(Ui {
            actor: auth.actor,
            csrf: csrf_token,
            flash,
            unread,
            time_zone,
        })
    }
}

/// Renders a template as an HTML response with the interface's security headers.
pub fn html(template: &impl Template) -> Response {
    match template.render() {
        Ok(body) => {
            let mut response = (StatusCode::OK, body).into_response();
            let h = response.headers_mut();
            h.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            );
            security_headers(h);
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "rendering a page");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the page could not be rendered",
            )
                .into_response()
        }
    }
}

fn security_headers(h: &mut axum::http::HeaderMap) {
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(crate::security_headers::PAGE_CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
}

/// Refusals are carried in the flash with this mark, so the next page shows them as errors.
pub const REFUSAL: &str = "⚠ ";

pub fn is_refusal(flash: &str) -> bool {
    flash.starts_with(REFUSAL)
}

/// The flash message a request carries, if any.
pub fn flash_of(parts: &Parts) -> Option<String> {
    cookie(parts, FLASH_COOKIE)
        .map(|v| {
            percent_encoding::percent_decode_str(v)
                .decode_utf8_lossy()
                .into_owned()
        })
        .filter(|v| !v.is_empty())
}

/// 303 to `to`, carrying a flash message for the next page.
pub fn see_other(to: &str, flash: &str) -> Response {
    let mut response = Redirect::to(to).into_response();
    let encoded = percent_encoding::utf8_percent_encode(flash, percent_encoding::NON_ALPHANUMERIC);
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{FLASH_COOKIE}={encoded}; Path=/; HttpOnly; SameSite=Lax; Max-Age=60"
    )) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

pub fn clear_flash(response: &mut Response) {
    response.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static("steward_flash=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0"),
    );
}

/// Why a page could not be shown; rendered as an HTML error page with the matching status.
pub enum UiError {
    App(AppError),
    Csrf,
    NotFound,
    BadForm(String),
}

impl From<AppError> for UiError {
    fn from(e: AppError) -> Self {
        UiError::App(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    l: Layout,
    status: u16,
    heading: &'static str,
    message: String,
}

impl IntoResponse for UiError {
    fn into_response(self) -> Response {
        let (status, heading, message) = match self {
            UiError::Csrf => (
                StatusCode::FORBIDDEN,
                "Form expired",
                "The form was missing its security token or the token was stale. Go back, reload the page and try again.".to_owned(),
            ),
            UiError::NotFound => (
                StatusCode::NOT_FOUND,
                "Not found",
                "There is no such page or record, or you may not see it.".to_owned(),
            ),
            UiError::BadForm(m) => (StatusCode::BAD_REQUEST, "Bad form", m),
            UiError::App(e) => {
                let problem = crate::Problem::from(e);
                let status = StatusCode::from_u16(problem.status)
                    .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                let heading = match status {
                    StatusCode::NOT_FOUND => "Not found",
                    StatusCode::FORBIDDEN => "Not allowed",
                    StatusCode::CONFLICT => "Not possible now",
                    StatusCode::UNPROCESSABLE_ENTITY => "Please check the input",
                    StatusCode::UNAUTHORIZED => "Please log in",
                    _ => "Something went wrong",
                };
                (status, heading, problem.detail)
            }
        };
        let page = ErrorPage {
            l: Layout {
                title: heading.to_owned(),
                user: None,
                csrf: String::new(),
                flash: None,
                flash_error: false,
                nav: "",
                css: foundation::assets::CSS_URL.as_str(),
                js: foundation::assets::JS_URL.as_str(),
            },
            status: status.as_u16(),
            heading,
            message,
        };
        let mut response = html(&page);
        *response.status_mut() = status;
        response
    }
}

/// An address nothing serves: a browser outside the API gets the error page, with its way back
/// to the start page; API clients (and anything not asking for HTML) the problem document.
pub async fn not_found_fallback(headers: axum::http::HeaderMap, uri: axum::http::Uri) -> Response {
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    if wants_html && !uri.path().starts_with("/api/") {
        UiError::NotFound.into_response()
    } else {
        crate::problem::not_found_fallback(uri)
            .await
            .into_response()
    }
}

pub type UiResult = Result<Response, UiError>;

/// The answer to an action button on a record's page: back to `view` with `done` as the
/// flash on success, or with the refusal (the invalid fields, a conflict, a move not
/// allowed, a missing right or record) so the page shows it; other errors are errors.
pub fn action_outcome<T>(
    view: &str,
    result: Result<T, steward_app::AppError>,
    done: impl FnOnce(&T) -> String,
) -> UiResult {
    use steward_app::AppError;
    match result {
        Ok(record) => Ok(see_other(view, &done(&record))),
        Err(AppError::Invalid(e)) => {
            let messages: Vec<String> =
                e.0.iter()
                    .map(|f| format!("{}: {}", f.field.replace('_', " "), f.message))
                    .collect();
            Ok(see_other(
                view,
                &format!("{REFUSAL}{}", messages.join("; ")),
            ))
        }
        Err(AppError::Conflict { message, .. })
        | Err(AppError::TransitionNotAllowed { message, .. })
        | Err(AppError::Forbidden(message)) => Ok(see_other(view, &format!("{REFUSAL}{message}"))),
        Err(e @ AppError::NotFound { .. }) => Ok(see_other(view, &format!("{REFUSAL}{e}"))),
        Err(e) => Err(e.into()),
    }
}

/// The app's clock (a manual one in tests), as an instant.
pub fn now(state: &AppState) -> jiff::Timestamp {
    jiff::Timestamp::from_microsecond(state.app.settings().clock.now())
        .unwrap_or_else(|_| jiff::Timestamp::now())
}

/// A duration in business seconds as people read it: `2 h 05 min`, `3 d 4 h`.
pub fn human_duration(seconds: i64) -> String {
    let s = seconds.abs();
    let (d, h, m) = (s / 86_400, (s % 86_400) / 3600, (s % 3600) / 60);
    let text = if d > 0 {
        format!("{d} d {h} h")
    } else if h > 0 {
        format!("{h} h {m:02} min")
    } else if m > 0 {
        format!("{m} min")
    } else {
        format!("{s} s")
    };
    if seconds < 0 {
        format!("-{text}")
    } else {
        text
    }
}

/// An RFC 3339 instant shortened for display (`2026-11-25 14:03 UTC`).
pub fn short_time(rfc3339: &str) -> String {
    match rfc3339.parse::<jiff::Timestamp>() {
        Ok(ts) => ts.strftime("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_owned(),
    }
}

/// A status as words (`in_progress` → `In progress`).
pub fn status_label(status: &str) -> String {
    let text = status.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human_duration(45), "45 s");
        assert_eq!(human_duration(7500), "2 h 05 min");
        assert_eq!(human_duration(3 * 86_400 + 4 * 3600 + 59), "3 d 4 h");
        assert_eq!(human_duration(-600), "-10 min");
    }

    #[test]
    fn statuses_read_as_words() {
        assert_eq!(status_label("in_progress"), "In progress");
        assert_eq!(status_label("new"), "New");
    }
}
