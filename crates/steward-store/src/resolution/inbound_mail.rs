//! The inbound log: every received message with its original bytes and what became of it,
//! and the look-ups that place a message (its thread, its sender).
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::resolution::mail::message::{InboundAction, InboundMessage, InboundStatus};

/// A log entry to write.
pub struct NewInbound<'a> {
    pub mailbox_id: Option<i64>,
    pub status: InboundStatus,
    pub reason: Option<&'a str>,
    pub action: Option<InboundAction>,
    pub sender: Option<&'a str>,
    pub subject: Option<&'a str>,
    pub message_id: Option<&'a str>,
    pub dedupe_key: &'a str,
    pub ticket_id: Option<i64>,
    pub comment_id: Option<i64>,
    pub size_bytes: i64,
    pub truncated: bool,
    pub raw: &'a [u8],
}

/// Writes a log entry; none when a message with the same key is logged already.
pub async fn insert(ex: Ex<'_>, m: &NewInbound<'_>, now: i64) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO inbound_messages (mailbox_id, received_at, status, reason, action, sender,
            subject, message_id, dedupe_key, ticket_id, comment_id, size_bytes, truncated, raw)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
         ON CONFLICT (dedupe_key) DO NOTHING RETURNING id")
        .bind(m.mailbox_id).bind(now).bind(m.status.as_str()).bind(m.reason)
        .bind(m.action.map(InboundAction::as_str)).bind(m.sender).bind(m.subject)
        .bind(m.message_id).bind(m.dedupe_key).bind(m.ticket_id).bind(m.comment_id)
        .bind(m.size_bytes).bind(m.truncated).bind(m.raw)
        .fetch_optional(c).await)?)
}

/// The log entry holding this dedupe key, if any.
pub async fn by_key(ex: Ex<'_>, key: &str) -> Result<Option<InboundMessage>> {
    let sql = format!("{SELECT} WHERE m.dedupe_key = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(key).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The record of the latest stored message among `ids` that went onto one.
pub async fn ticket_of_messages(ex: Ex<'_>, ids: &[String]) -> Result<Option<i64>> {
    if ids.is_empty() {
        return Ok(None);
    }
    let mut sql = Sql::new(
        "SELECT ticket_id FROM inbound_messages WHERE ticket_id IS NOT NULL AND message_id IN ",
    );
    sql.push("(");
    for (i, id) in ids.iter().take(100).enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.bind(id.as_str());
    }
    sql.push(") ORDER BY id DESC LIMIT 1");
    let found: Option<i64> = on!(ex, c => crate::sql::bind_args!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text.clone())), &sql.args)
        .fetch_optional(c).await)?;
    Ok(found)
}

/// The id of the active user with this address (lower case), staff first.
pub async fn user_by_email(ex: Ex<'_>, address: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM users WHERE lower(email) = $1 AND active
         ORDER BY CASE WHEN role = 'customer' THEN 1 ELSE 0 END, id LIMIT 1")
        .bind(address).fetch_optional(c).await)?)
}

/// The active organization whose mail domain this is.
pub async fn organization_by_domain(ex: Ex<'_>, domain: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM organizations WHERE email_domain = $1 AND active ORDER BY id LIMIT 1")
        .bind(domain).fetch_optional(c).await)?)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    mailbox_id: Option<i64>,
    received_at: i64,
    status: String,
    reason: Option<String>,
    action: Option<String>,
    sender: Option<String>,
    subject: Option<String>,
    message_id: Option<String>,
    ticket_id: Option<i64>,
    ticket_number: Option<String>,
    comment_id: Option<i64>,
    size_bytes: i64,
    truncated: bool,
}

impl From<Row> for InboundMessage {
    fn from(r: Row) -> Self {
        InboundMessage {
            id: r.id,
            mailbox_id: r.mailbox_id,
            received_at: rfc3339_micros(r.received_at),
            status: InboundStatus::parse(&r.status).unwrap_or(InboundStatus::Rejected),
            reason: r.reason,
            action: r.action.as_deref().and_then(InboundAction::parse),
            sender: r.sender,
            subject: r.subject,
            message_id: r.message_id,
            ticket_id: r.ticket_id,
            ticket_number: r.ticket_number,
            comment_id: r.comment_id,
            size_bytes: r.size_bytes,
            truncated: r.truncated,
        }
    }
}

const SELECT: &str = "SELECT m.id, m.mailbox_id, m.received_at, m.status, m.reason, m.action,
    m.sender, m.subject, m.message_id, m.ticket_id, t.number AS ticket_number, m.comment_id,
    m.size_bytes, m.truncated
    FROM inbound_messages m LEFT JOIN tickets t ON t.id = m.ticket_id";

/// Filters of the inbound log.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub mailbox_id: Option<i64>,
    pub status: Option<InboundStatus>,
    pub ticket_id: Option<i64>,
}

/// The log, newest first.
pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<InboundMessage>, i64)> {
    let mut filter = Sql::new(" WHERE 1 = 1");
    filter.and_opt("m.mailbox_id =", f.mailbox_id);
    filter.and_opt("m.status =", f.status.map(InboundStatus::as_str));
    filter.and_opt("m.ticket_id =", f.ticket_id);
    let listing = Listing::new(
        SELECT,
        "FROM inbound_messages m",
        filter,
        "m.received_at DESC, m.id DESC",
        page,
    );
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<InboundMessage>> {
    let sql = format!("{SELECT} WHERE m.id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The original bytes of a logged message (as much as was kept).
pub async fn raw(ex: Ex<'_>, id: i64) -> Result<Option<Vec<u8>>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT raw FROM inbound_messages WHERE id = $1")
        .bind(id).fetch_optional(c).await)?,
    )
}
