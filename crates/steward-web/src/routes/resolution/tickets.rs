//! The endpoints incidents, service requests and problems share, mounted under each of
//! `/api/v1/incidents`, `/api/v1/requests` and `/api/v1/problems`: list, read, transition,
//! assign, work log and attachments.
use crate::AppState;
use crate::extract::{ApiJson, ApiQuery, Auth, Id};
use crate::problem::Problem;
use crate::routes::{instant_param, page_request};
use axum::extract::{FromRequestParts, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use steward_domain::foundation::page::Page;
use steward_domain::resolution::attachment::Attachment;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::{
    AssignInput, Comment, CommentInput, Priority, TicketKind, TicketPatch, TicketSort,
};
use steward_domain::resolution::workflow::{Status, TransitionInput};
use steward_store::resolution::tickets::Filter;

#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list, show, update, transition, assign, comments, add_comment, attachments, attach, download),
    tags((name = "tickets", description = "What incidents, requests and problems share: `{kind}` is `incidents`, `requests` or `problems`"))
)]
pub struct Api;

/// The collections that hold tickets, by their path segment.
const COLLECTIONS: [(&str, TicketKind); 3] = [
    ("incidents", TicketKind::Incident),
    ("requests", TicketKind::Request),
    ("problems", TicketKind::Problem),
];

pub fn routes() -> Router<AppState> {
    let mut router = Router::new().route("/api/v1/attachments/{id}", get(download));
    for (collection, _) in COLLECTIONS {
        let base = format!("/api/v1/{collection}");
        router = router
            .route(&base, get(list))
            .route(
                &format!("{base}/{{id}}"),
                // A problem's PATCH records its analysis (see problems).
                if collection == "problems" {
                    get(show)
                } else {
                    get(show).patch(update)
                },
            )
            .route(&format!("{base}/{{id}}/transition"), post(transition))
            .route(&format!("{base}/{{id}}/assign"), post(assign))
            .route(
                &format!("{base}/{{id}}/comments"),
                get(comments).post(add_comment),
            )
            .route(
                &format!("{base}/{{id}}/attachments"),
                get(attachments).post(attach),
            );
    }
    router
}

/// The kind of ticket a request addresses, from its collection's path segment.
pub struct Kind(pub TicketKind);

impl<S: Send + Sync> FromRequestParts<S> for Kind {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Problem> {
        let segment = parts.uri.path().split('/').nth(3).unwrap_or_default();
        COLLECTIONS
            .iter()
            .find(|(c, _)| *c == segment)
            .map(|(_, kind)| Kind(*kind))
            .ok_or_else(|| Problem::new(StatusCode::NOT_FOUND, "not-found", "no such collection"))
    }
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    pub status: Option<Status>,
    /// `P1`–`P5`.
    #[param(value_type = Option<String>)]
    pub priority: Option<Priority>,
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub service_id: Option<i64>,
    /// RFC 3339, inclusive.
    pub opened_from: Option<String>,
    /// RFC 3339, exclusive.
    pub opened_to: Option<String>,
    /// `opened_at` (default, newest first), `priority`, `updated_at` or `number`; prefix `-` for descending.
    pub sort: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

const KIND_PARAM: &str = "incidents, requests or problems";

/// Tickets of a kind, filtered, sorted and paginated. Customers see only their
/// organization's; problems are for staff.
#[utoipa::path(get, path = "/api/v1/{kind}", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ListQuery),
    responses((status = 200, body = Page<Ticket>), (status = 400, body = Problem)))]
pub async fn list(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    ApiQuery(q): ApiQuery<ListQuery>,
) -> Result<Json<Page<Ticket>>, Problem> {
    let page = page_request(q.limit, q.offset)?;
    let sort = match q.sort.as_deref() {
        Some(v) => TicketSort::parse(v).map_err(|e| {
            Problem::bad_request("bad-query", e.message.clone()).with_field(e.field)
        })?,
        None => TicketSort::default(),
    };
    let filter = Filter {
        status: q.status.map(|s| s.as_str().to_owned()),
        priority: q.priority.map(|p| i64::from(p.level())),
        organization: q.organization_id,
        team: q.team_id,
        assignee: q.assignee_id,
        service: q.service_id,
        opened_from: instant_param("opened_from", q.opened_from)?,
        opened_to: instant_param("opened_to", q.opened_to)?,
    };
    Ok(Json(
        state
            .app
            .list_tickets(&auth.actor, kind, filter, sort, page)
            .await?,
    ))
}

/// One ticket with its timeline (and a major incident's children, a problem's incidents, a
/// request's approvals).
#[utoipa::path(get, path = "/api/v1/{kind}/{id}", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path)),
    responses((status = 200, body = Ticket), (status = 404, body = Problem)))]
pub async fn show(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(state.app.get_ticket(&auth.actor, kind, id).await?))
}

/// Edit an incident or request: title, description, impact and urgency (the priority
/// follows the matrix), service, category, CI. Absent fields stay; `null` clears. Staff edit
/// open records; a customer only the fields the desk settings allow, on its own open records.
/// A new service or priority re-evaluates the SLA; the clocks keep the time counted so far.
/// The timeline names each field's old and new value.
#[utoipa::path(patch, path = "/api/v1/{kind}/{id}", tag = "tickets",
    params(("kind" = String, Path, description = "incidents or requests"), ("id" = i64, Path)),
    request_body = TicketPatch,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn update(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiJson(patch): ApiJson<TicketPatch>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state
            .app
            .update_ticket(&auth.actor, kind, id, patch)
            .await?,
    ))
}

/// Move a ticket to another status (`{"to": …}` plus what that status needs). A move the
/// lifecycle does not allow answers 409 with `allowed`, the statuses it may go to.
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/transition", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path)),
    request_body = TransitionInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn transition(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiJson(input): ApiJson<TransitionInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state
            .app
            .transition_ticket(&auth.actor, kind, id, input)
            .await?,
    ))
}

/// Assign a team and/or agent (replacing the current ones); changing an existing assignment
/// counts as a reassignment.
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/assign", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path)),
    request_body = AssignInput,
    responses((status = 200, body = Ticket), (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn assign(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiJson(input): ApiJson<AssignInput>,
) -> Result<Json<Ticket>, Problem> {
    Ok(Json(
        state
            .app
            .assign_ticket(&auth.actor, kind, id, input)
            .await?,
    ))
}

/// The work log. Customers see public replies only.
#[utoipa::path(get, path = "/api/v1/{kind}/{id}/comments", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path)),
    responses((status = 200, body = Vec<Comment>), (status = 404, body = Problem)))]
pub async fn comments(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
) -> Result<Json<Vec<Comment>>, Problem> {
    Ok(Json(
        state.app.ticket_comments(&auth.actor, kind, id).await?,
    ))
}

/// Add a public reply or an internal note, with the time spent.
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/comments", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path)),
    request_body = CommentInput,
    responses((status = 201, body = Comment), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn add_comment(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiJson(input): ApiJson<CommentInput>,
) -> Result<(StatusCode, Json<Comment>), Problem> {
    Ok((
        StatusCode::CREATED,
        Json(
            state
                .app
                .comment_ticket(&auth.actor, kind, id, input)
                .await?,
        ),
    ))
}

/// A ticket's attachments (customers: public ones only).
#[utoipa::path(get, path = "/api/v1/{kind}/{id}/attachments", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path)),
    responses((status = 200, body = Vec<Attachment>), (status = 404, body = Problem)))]
pub async fn attachments(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
) -> Result<Json<Vec<Attachment>>, Problem> {
    Ok(Json(
        state.app.ticket_attachments(&auth.actor, kind, id).await?,
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AttachQuery {
    /// The file's name; any path is dropped.
    pub name: String,
    /// Shown to the customer (default true; customers always attach publicly).
    pub public: Option<bool>,
}

/// Upload an attachment: the request body is the file, its name is in `?name=`. The content
/// type is sniffed from the bytes; the size limit is configurable (413 beyond it).
#[utoipa::path(post, path = "/api/v1/{kind}/{id}/attachments", tag = "tickets",
    params(("kind" = String, Path, description = KIND_PARAM), ("id" = i64, Path), AttachQuery),
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses((status = 201, body = Attachment), (status = 404, body = Problem), (status = 413, body = Problem), (status = 422, body = Problem)))]
pub async fn attach(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Kind(kind): Kind,
    Id(id): Id,
    ApiQuery(q): ApiQuery<AttachQuery>,
    body: axum::body::Body,
) -> Result<(StatusCode, Json<Attachment>), Problem> {
    let max = state.app.settings().attachment_max_bytes;
    let content = axum::body::to_bytes(body, max).await.map_err(|_| {
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too-large",
            format!("attachments may be at most {max} bytes"),
        )
        .with_field("content")
    })?;
    let attachment = state
        .app
        .attach(
            &auth.actor,
            kind,
            id,
            &q.name,
            q.public.unwrap_or(true),
            &content,
        )
        .await?;
    Ok((StatusCode::CREATED, Json(attachment)))
}

/// Download an attachment. It is always served as a download (`Content-Disposition:
/// attachment`) with its sniffed type and `nosniff`, so a browser never renders it inline.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "tickets", params(("id" = i64, Path)),
    responses((status = 200, description = "The file, with the media type it was uploaded with",
        content_type = "*/*", body = Vec<u8>), (status = 404, body = Problem)))]
pub async fn download(
    State(state): State<AppState>,
    Auth(auth): Auth,
    Id(id): Id,
) -> Result<axum::response::Response, Problem> {
    use axum::http::header;
    let (attachment, content) = state.app.attachment_content(&auth.actor, id).await?;
    let disposition = content_disposition(&attachment.file_name);
    let response = axum::response::Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, attachment.content_type)
        .header(header::CONTENT_DISPOSITION, disposition)
        .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
        .header(header::CACHE_CONTROL, "private, no-store")
        .body(axum::body::Body::from(content))
        .map_err(|e| {
            tracing::error!(error = %e, "building a download");
            Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the download could not be prepared",
            )
        })?;
    Ok(response)
}

/// `attachment; filename="ascii"; filename*=UTF-8''percent-encoded` (RFC 6266): old clients
/// read the ASCII fallback, others the exact name.
pub(crate) fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    // RFC 5987 attr-char stays as is; everything else is percent-encoded.
    const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'!')
        .remove(b'#')
        .remove(b'$')
        .remove(b'&')
        .remove(b'+')
        .remove(b'-')
        .remove(b'.')
        .remove(b'^')
        .remove(b'_')
        .remove(b'`')
        .remove(b'|')
        .remove(b'~');
    let encoded = percent_encoding::utf8_percent_encode(name, ATTR_CHAR);
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn content_disposition_keeps_an_ascii_fallback_and_the_exact_name() {
        assert_eq!(
            super::content_disposition("Bericht ü.pdf"),
            "attachment; filename=\"Bericht _.pdf\"; filename*=UTF-8''Bericht%20%C3%BC.pdf"
        );
    }
}
