//! Mailboxes (where mail comes in) and the inbound log (what became of each message).
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::page_request;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use steward_domain::foundation::page::Page;
use steward_domain::resolution::mail::mailbox::{Mailbox, MailboxInput};
use steward_domain::resolution::mail::message::{InboundMessage, InboundStatus};
use steward_store::resolution::inbound_mail::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, create, show, replace, test, log, entry, original),
    tags((name = "mail", description = "Mailboxes that turn email into records, and the log of received messages"))
)]
pub struct Api;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/mailboxes", get(list).post(create))
        .route("/api/v1/mailboxes/{id}", get(show).put(replace))
        .route("/api/v1/mailboxes/{id}/test", post(test))
        .route("/api/v1/inbound-messages", get(log))
        .route("/api/v1/inbound-messages/{id}", get(entry))
        .route("/api/v1/inbound-messages/{id}/original", get(original))
}

/// The configured mailboxes (administrators and managers).
#[utoipa::path(get, path = "/api/v1/mailboxes", tag = "mail",
    responses((status = 200, body = [Mailbox]), (status = 403, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
) -> Result<Json<Vec<Mailbox>>, Problem> {
    Ok(Json(state.app.mailboxes(&auth.actor).await?))
}

/// Configure a mailbox: the queue its new threads open records in, and optionally the IMAP
/// account the server polls (without one, mail arrives through `steward mailgate`).
#[utoipa::path(post, path = "/api/v1/mailboxes", tag = "mail", request_body = MailboxInput,
    responses((status = 201, body = Mailbox), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiJson(input): ApiJson<MailboxInput>,
) -> Result<(StatusCode, Json<Mailbox>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(state.app.create_mailbox(&auth.actor, input).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/mailboxes/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = Mailbox), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<Mailbox>, Problem> {
    Ok(Json(state.app.get_mailbox(&auth.actor, id).await?))
}

/// Replace a mailbox's settings (an absent `imap_password` keeps the stored one).
#[utoipa::path(put, path = "/api/v1/mailboxes/{id}", tag = "mail", params(("id" = i64, Path)),
    request_body = MailboxInput,
    responses((status = 200, body = Mailbox), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn replace(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
    ApiJson(input): ApiJson<MailboxInput>,
) -> Result<Json<Mailbox>, Problem> {
    Ok(Json(
        state.app.update_mailbox(&auth.actor, id, input).await?,
    ))
}

/// What testing a mailbox's IMAP connection found.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConnectionTest {
    pub ok: bool,
    pub message: String,
}

/// Log in to the mailbox's IMAP account and open its folder, changing nothing.
#[utoipa::path(post, path = "/api/v1/mailboxes/{id}/test", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = ConnectionTest), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn test(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<ConnectionTest>, Problem> {
    Ok(Json(test_connection(&state, &auth.actor, id).await?))
}

/// Shared with the screen's "Test connection" button.
pub(crate) async fn test_connection(
    state: &AppState,
    actor: &steward_domain::Actor,
    id: i64,
) -> Result<ConnectionTest, Problem> {
    let found = state.app.test_mailbox(actor, id).await?;
    Ok(ConnectionTest {
        ok: found.ok,
        message: found.message,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct LogQuery {
    pub mailbox_id: Option<i64>,
    pub status: Option<InboundStatus>,
    pub ticket_id: Option<i64>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Received messages, newest first: what each created or was added to, or why it was ignored
/// (automatic mail) or rejected.
#[utoipa::path(get, path = "/api/v1/inbound-messages", tag = "mail", params(LogQuery),
    responses((status = 200, body = Page<InboundMessage>), (status = 400, body = Problem), (status = 403, body = Problem)))]
pub async fn log(
    State(state): State<AppState>,
    Auth(auth): Auth,
    ApiQuery(q): ApiQuery<LogQuery>,
) -> Result<Json<Page<InboundMessage>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let filter = Filter {
        mailbox_id: q.mailbox_id,
        status: q.status,
        ticket_id: q.ticket_id,
    };
    Ok(Json(
        state
            .app
            .inbound_messages(&auth.actor, &filter, page)
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/inbound-messages/{id}", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, body = InboundMessage), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn entry(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<Json<InboundMessage>, Problem> {
    Ok(Json(state.app.get_inbound_message(&auth.actor, id).await?))
}

/// The original message as received (RFC 5322), served as a download so no browser renders it.
#[utoipa::path(get, path = "/api/v1/inbound-messages/{id}/original", tag = "mail", params(("id" = i64, Path)),
    responses((status = 200, description = "The message as received", content_type = "message/rfc822",
        body = Vec<u8>), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn original(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<axum::response::Response, Problem> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let raw = state.app.inbound_message_raw(&auth.actor, id).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "message/rfc822".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"message-{id}.eml\""),
            ),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_owned()),
            (header::CACHE_CONTROL, "private, no-store".to_owned()),
        ],
        raw,
    )
        .into_response())
}
