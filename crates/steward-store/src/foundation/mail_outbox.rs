//! The outgoing mail queue and the dispatcher's cursors. A sender claims due rows by
//! switching them to `sending` until a deadline (PostgreSQL skips rows another node has
//! locked; SQLite has one writer), so two nodes never send the same row.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::foundation::mail_out::{MailStatus, OutboxEntry};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    user_id: Option<i64>,
    to_address: String,
    record_number: Option<String>,
    subject: String,
    body: String,
    message_id: String,
    in_reply_to: Option<String>,
    references_ids: Option<String>,
    status: String,
    attempts: i64,
    next_attempt_at: i64,
    last_error: Option<String>,
    created_at: i64,
    sent_at: Option<i64>,
}

impl From<Row> for OutboxEntry {
    fn from(r: Row) -> Self {
        OutboxEntry {
            id: r.id,
            kind: r.kind,
            user_id: r.user_id,
            to_address: r.to_address,
            record_number: r.record_number,
            subject: r.subject,
            body: r.body,
            message_id: r.message_id,
            in_reply_to: r.in_reply_to,
            references: r.references_ids,
            status: MailStatus::parse(&r.status).unwrap_or(MailStatus::Failed),
            attempts: r.attempts,
            next_attempt_at: rfc3339_micros(r.next_attempt_at),
            last_error: r.last_error,
            created_at: rfc3339_micros(r.created_at),
            sent_at: r.sent_at.map(rfc3339_micros),
        }
    }
}

const COLS: &str = "id, kind, user_id, to_address, record_number, subject, body, message_id,
    in_reply_to, references_ids, status, attempts, next_attempt_at, last_error, created_at, sent_at";

/// A mail to queue.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub kind: String,
    pub user_id: Option<i64>,
    pub to_address: String,
    pub record_number: Option<String>,
    pub subject: String,
    pub body: String,
    pub message_id: String,
    pub in_reply_to: Option<String>,
    pub references: Option<String>,
    /// `pending` or `digest`.
    pub status: MailStatus,
}

pub async fn enqueue(ex: Ex<'_>, m: &NewMail, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO mail_outbox (kind, user_id, to_address, record_number, subject, body,
         message_id, in_reply_to, references_ids, status, attempts, next_attempt_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 0, $11, $11) RETURNING id")
        .bind(&m.kind).bind(m.user_id).bind(&m.to_address).bind(&m.record_number)
        .bind(&m.subject).bind(&m.body).bind(&m.message_id).bind(&m.in_reply_to)
        .bind(&m.references).bind(m.status.as_str()).bind(now)
        .fetch_one(c).await)?)
}

/// The Message-IDs already sent or queued about `record`, oldest first: its thread.
pub async fn thread(ex: Ex<'_>, record: &str) -> Result<Vec<String>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT message_id FROM mail_outbox WHERE record_number = $1 ORDER BY id")
        .bind(record).fetch_all(c).await)?)
}

/// Claims up to `limit` due rows for sending until `until`: pending ones whose time has
/// come, and ones left `sending` by a node that died (their claim has run out).
pub async fn claim(ex: Ex<'_>, now: i64, until: i64, limit: i64) -> Result<Vec<OutboxEntry>> {
    let rows: Vec<Row> = match ex {
        Ex::Sqlite(c) => sqlx::query_as(
            "UPDATE mail_outbox SET status = 'sending', claimed_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM mail_outbox
                   WHERE (status = 'pending' AND next_attempt_at <= $1)
                      OR (status = 'sending' AND claimed_until <= $1)
                   ORDER BY id LIMIT $3)
                 RETURNING id, kind, user_id, to_address, record_number, subject, body, message_id,
                   in_reply_to, references_ids, status, attempts, next_attempt_at, last_error,
                   created_at, sent_at",
        )
        .bind(now)
        .bind(until)
        .bind(limit)
        .fetch_all(c)
        .await?,
        Ex::Postgres(c) => sqlx::query_as(
            "UPDATE mail_outbox SET status = 'sending', claimed_until = $2, attempts = attempts + 1
                 WHERE id IN (SELECT id FROM mail_outbox
                   WHERE (status = 'pending' AND next_attempt_at <= $1)
                      OR (status = 'sending' AND claimed_until <= $1)
                   ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
                 RETURNING id, kind, user_id, to_address, record_number, subject, body, message_id,
                   in_reply_to, references_ids, status, attempts, next_attempt_at, last_error,
                   created_at, sent_at",
        )
        .bind(now)
        .bind(until)
        .bind(limit)
        .fetch_all(c)
        .await?,
    };
    let mut rows: Vec<OutboxEntry> = rows.into_iter().map(Into::into).collect();
    rows.sort_by_key(|r| r.id);
    Ok(rows)
}

/// Marks a claimed row sent.
pub async fn mark_sent(ex: Ex<'_>, id: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE mail_outbox SET status = 'sent', sent_at = $2, claimed_until = NULL, last_error = NULL
         WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Records a failed attempt: back to `pending` until `next_at`, or `failed` for good.
pub async fn mark_failed(
    ex: Ex<'_>,
    id: i64,
    error: &str,
    next_at: i64,
    give_up: bool,
) -> Result<()> {
    let status = if give_up { "failed" } else { "pending" };
    on!(ex, c => sqlx::query(
        "UPDATE mail_outbox SET status = $2, last_error = $3, next_attempt_at = $4, claimed_until = NULL
         WHERE id = $1")
        .bind(id).bind(status).bind(error).bind(next_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Makes a pending or failed row due now (an admin's retry); whether it was one.
pub async fn retry(ex: Ex<'_>, id: i64, now: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE mail_outbox SET status = 'pending', next_attempt_at = $2
         WHERE id = $1 AND status IN ('pending', 'failed')")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<OutboxEntry>> {
    let sql = format!("SELECT {COLS} FROM mail_outbox WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The queue, newest first, optionally of one status.
pub async fn list(
    ex: Ex<'_>,
    status: Option<MailStatus>,
    page: PageRequest,
) -> Result<(Vec<OutboxEntry>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("status =", status.map(|s| s.as_str().to_string()));
    let select = format!("SELECT {COLS} FROM mail_outbox");
    let listing = Listing::new(&select, "FROM mail_outbox", filter, "id DESC", page);
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// Rows waiting for a digest, by recipient then age.
pub async fn digest_waiting(ex: Ex<'_>) -> Result<Vec<OutboxEntry>> {
    let sql = format!(
        "SELECT {COLS} FROM mail_outbox WHERE status = 'digest' ORDER BY user_id, to_address, id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// Marks a row as gone out in a digest.
pub async fn mark_digested(ex: Ex<'_>, id: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE mail_outbox SET status = 'digested', sent_at = $2 WHERE id = $1 AND status = 'digest'")
        .bind(id).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Where the dispatcher named `name` stands.
pub async fn cursor(ex: Ex<'_>, name: &str) -> Result<i64> {
    let pos: Option<i64> = on!(ex, c => sqlx::query_scalar(
        "SELECT position FROM mail_cursors WHERE name = $1").bind(name).fetch_optional(c).await)?;
    Ok(pos.unwrap_or(0))
}

pub async fn set_cursor(ex: Ex<'_>, name: &str, position: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO mail_cursors (name, position) VALUES ($1, $2)
         ON CONFLICT (name) DO UPDATE SET position = excluded.position")
        .bind(name).bind(position).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// An SLA (or other) notification raised for a user or a team.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Notification {
    pub id: i64,
    pub recipient_user_id: Option<i64>,
    pub recipient_team_id: Option<i64>,
    pub ticket_id: Option<i64>,
    pub topic: String,
    pub subject: String,
    pub body: String,
}

/// Notifications after `after`, in order.
pub async fn notifications_after(ex: Ex<'_>, after: i64, limit: i64) -> Result<Vec<Notification>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, recipient_user_id, recipient_team_id, ticket_id, topic, subject, body
         FROM notifications WHERE id > $1 ORDER BY id LIMIT $2")
        .bind(after).bind(limit).fetch_all(c).await)?)
}

/// The members of a team.
pub async fn team_members(ex: Ex<'_>, team: i64) -> Result<Vec<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
        .bind(team).fetch_all(c).await)?)
}
