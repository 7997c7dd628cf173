//! Outgoing mail: SMTP settings and a test send, notification templates with preview and
//! test send, the outgoing queue with retry (admins), and each person's own choices.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id, OwnWork};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::{Path, State};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::mail_out::{
    MailPreferences, MailPreview, MailTemplateInput, MailTemplateView, OutboxEntry,
    SmtpSettingsInput, SmtpSettingsView, TestMailInput, TestMailResult,
};
use steward_domain::foundation::page::Page;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(show_settings, replace_settings, test_settings, list_templates, show_template,
        replace_template, reset_template, preview_template, test_template, list_queue,
        show_queued, retry_queued, show_preferences, replace_preferences),
    tags((name = "mail", description = "Outgoing mail: SMTP, templates, queue, preferences"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/mail/settings",
            get(show_settings).put(replace_settings),
        )
        .route("/api/v1/mail/settings/test", post(test_settings))
        .route("/api/v1/mail/templates", get(list_templates))
        .route(
            "/api/v1/mail/templates/{kind}",
            get(show_template)
                .put(replace_template)
                .delete(reset_template),
        )
        .route(
            "/api/v1/mail/templates/{kind}/preview",
            post(preview_template),
        )
        .route("/api/v1/mail/templates/{kind}/test", post(test_template))
        .route("/api/v1/mail/queue", get(list_queue))
        .route("/api/v1/mail/queue/{id}", get(show_queued))
        .route("/api/v1/mail/queue/{id}/retry", post(retry_queued))
        .route(
            "/api/v1/me/mail-preferences",
            get(show_preferences).put(replace_preferences),
        )
}

/// The SMTP settings; the password shows only as whether one is set (admins).
#[utoipa::path(get, path = "/api/v1/mail/settings", tag = "mail",
    responses((status = 200, body = SmtpSettingsView), (status = 403, body = Problem)))]
pub async fn show_settings(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<SmtpSettingsView>, Problem> {
    Ok(Json(state.app.mail_settings(&auth.actor).await?))
}

/// Replace the SMTP settings; leave `password` out to keep it, `""` to clear it (admins).
#[utoipa::path(put, path = "/api/v1/mail/settings", tag = "mail", request_body = SmtpSettingsInput,
    responses((status = 200, body = SmtpSettingsView), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_settings(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<SmtpSettingsInput>,
) -> Result<Json<SmtpSettingsView>, Problem> {
    Ok(Json(state.app.set_mail_settings(&auth.actor, input).await?))
}

/// Send a test mail now with the stored settings; the answer says whether it went (admins).
#[utoipa::path(post, path = "/api/v1/mail/settings/test", tag = "mail", request_body = TestMailInput,
    responses((status = 200, body = TestMailResult), (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn test_settings(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<TestMailInput>,
) -> Result<Json<TestMailResult>, Problem> {
    Ok(Json(state.app.send_test_mail(&auth.actor, input).await?))
}

/// Every kind of notification with the template in force (admins).
#[utoipa::path(get, path = "/api/v1/mail/templates", tag = "mail",
    responses((status = 200, body = Vec<MailTemplateView>), (status = 403, body = Problem)))]
pub async fn list_templates(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<MailTemplateView>>, Problem> {
    Ok(Json(state.app.mail_templates(&auth.actor).await?))
}

#[utoipa::path(get, path = "/api/v1/mail/templates/{kind}", tag = "mail", params(("kind" = String, Path)),
    responses((status = 200, body = MailTemplateView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(kind): Path<String>,
) -> Result<Json<MailTemplateView>, Problem> {
    Ok(Json(state.app.mail_template(&auth.actor, &kind).await?))
}

/// Save a template (minijinja); one that does not render against the sample record is
/// refused with the error on `subject` or `body` (admins).
#[utoipa::path(put, path = "/api/v1/mail/templates/{kind}", tag = "mail", params(("kind" = String, Path)),
    request_body = MailTemplateInput,
    responses((status = 200, body = MailTemplateView), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn replace_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<MailTemplateInput>,
) -> Result<Json<MailTemplateView>, Problem> {
    Ok(Json(
        state
            .app
            .set_mail_template(&auth.actor, &kind, input)
            .await?,
    ))
}

/// Go back to the shipped template (admins).
#[utoipa::path(delete, path = "/api/v1/mail/templates/{kind}", tag = "mail", params(("kind" = String, Path)),
    responses((status = 200, body = MailTemplateView), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn reset_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(kind): Path<String>,
) -> Result<Json<MailTemplateView>, Problem> {
    Ok(Json(
        state.app.reset_mail_template(&auth.actor, &kind).await?,
    ))
}

/// Render a template, saved or not, against the sample record (admins).
#[utoipa::path(post, path = "/api/v1/mail/templates/{kind}/preview", tag = "mail", params(("kind" = String, Path)),
    request_body = MailTemplateInput,
    responses((status = 200, body = MailPreview), (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn preview_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<MailTemplateInput>,
) -> Result<Json<MailPreview>, Problem> {
    Ok(Json(
        state
            .app
            .preview_mail_template(&auth.actor, &kind, input)
            .await?,
    ))
}

/// Send the saved template, rendered against the sample record, to `to` (admins).
#[utoipa::path(post, path = "/api/v1/mail/templates/{kind}/test", tag = "mail", params(("kind" = String, Path)),
    request_body = TestMailInput,
    responses((status = 200, body = TestMailResult), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn test_template(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Path(kind): Path<String>,
    ApiJson(input): ApiJson<TestMailInput>,
) -> Result<Json<TestMailResult>, Problem> {
    Ok(Json(
        state
            .app
            .test_mail_template(&auth.actor, &kind, &input.to)
            .await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// `pending`, `sending`, `sent`, `failed`, `digest` or `digested`.
    pub status: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// The outgoing queue, newest first, with each mail's last error (admins).
#[utoipa::path(get, path = "/api/v1/mail/queue", tag = "mail", params(QueueQuery),
    responses((status = 200, body = Page<OutboxEntry>), (status = 403, body = Problem), (status = 422, body = Problem)))]
pub async fn list_queue(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<Page<OutboxEntry>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    Ok(Json(
        state
            .app
            .mail_queue(&auth.actor, q.status.as_deref(), page)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/mail/queue/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxEntry), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show_queued(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<OutboxEntry>, Problem> {
    Ok(Json(state.app.mail_queue_entry(&auth.actor, id).await?))
}

/// Make a pending or failed mail due now (admins).
#[utoipa::path(post, path = "/api/v1/mail/queue/{id}/retry", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = OutboxEntry), (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn retry_queued(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<OutboxEntry>, Problem> {
    Ok(Json(state.app.retry_mail(&auth.actor, id).await?))
}

/// The caller's notification choices: per kind, `immediate` (default), `digest` or `off`.
#[utoipa::path(get, path = "/api/v1/me/mail-preferences", tag = "mail",
    responses((status = 200, body = MailPreferences), (status = 401, body = Problem)))]
pub async fn show_preferences(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<MailPreferences>, Problem> {
    Ok(Json(state.app.my_mail_preferences(&auth.actor).await?))
}

#[utoipa::path(put, path = "/api/v1/me/mail-preferences", tag = "mail", request_body = MailPreferences,
    responses((status = 200, body = MailPreferences), (status = 422, body = Problem)))]
pub async fn replace_preferences(
    State(state): State<AppState>,
    OwnWork(auth): OwnWork,
    ApiJson(input): ApiJson<MailPreferences>,
) -> Result<Json<MailPreferences>, Problem> {
    Ok(Json(
        state
            .app
            .set_my_mail_preferences(&auth.actor, input)
            .await?,
    ))
}
