//! Mailboxes: where inbound mail comes from and which queue it feeds.
use crate::{Ex, Result, on};
use std::collections::HashMap;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::mail::mailbox::{
    ImapSecurity, MailQueue, Mailbox, MailboxDraft, UnknownSenders,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    queue: String,
    service_id: Option<i64>,
    team_id: Option<i64>,
    imap_host: Option<String>,
    imap_port: Option<i64>,
    imap_security: String,
    imap_user: Option<String>,
    imap_folder: String,
    imap_trusted_certificate: Option<String>,
    has_password: bool,
    internal_domains: String,
    unknown_senders: String,
    active: bool,
    last_polled_at: Option<i64>,
    last_error: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for Mailbox {
    fn from(r: Row) -> Self {
        Mailbox {
            id: r.id,
            name: r.name,
            queue: MailQueue::parse(&r.queue).unwrap_or_default(),
            service_id: r.service_id,
            team_id: r.team_id,
            imap_host: r.imap_host,
            imap_port: r.imap_port,
            imap_security: ImapSecurity::parse(&r.imap_security).unwrap_or(ImapSecurity::Tls),
            imap_user: r.imap_user,
            imap_folder: r.imap_folder,
            imap_trusted_certificate: r.imap_trusted_certificate,
            has_password: r.has_password,
            internal_domains: r
                .internal_domains
                .split_whitespace()
                .map(str::to_owned)
                .collect(),
            unknown_senders: UnknownSenders::parse(&r.unknown_senders)
                .unwrap_or(UnknownSenders::Reject),
            active: r.active,
            last_polled_at: r.last_polled_at.map(rfc3339_micros),
            last_error: r.last_error,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

const SELECT: &str = "SELECT id, name, queue, service_id, team_id, imap_host, imap_port,
    imap_security, imap_user, imap_folder, imap_trusted_certificate,
    (imap_password_sealed IS NOT NULL OR imap_password_plain IS NOT NULL) AS has_password,
    internal_domains, unknown_senders, active, last_polled_at, last_error, created_at,
    updated_at FROM mailboxes";

/// What to do with a mailbox's stored password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordChange {
    Keep,
    Clear,
    /// The password encrypted by the caller (this layer never sees it in plain text).
    Set(String),
}

/// Inserts a mailbox with its password, sealed by the caller; returns its id.
pub async fn insert(ex: Ex<'_>, d: &MailboxDraft, sealed: Option<&str>, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO mailboxes (name, queue, service_id, team_id, imap_host, imap_port,
            imap_security, imap_user, imap_password_sealed, imap_folder, internal_domains,
            unknown_senders, active, created_at, updated_at, imap_trusted_certificate)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $15)
         RETURNING id")
        .bind(&d.name).bind(d.queue.as_str()).bind(d.service_id).bind(d.team_id)
        .bind(&d.imap_host).bind(d.imap_port).bind(d.imap_security.as_str()).bind(&d.imap_user)
        .bind(sealed).bind(&d.imap_folder).bind(d.internal_domains.join(" "))
        .bind(d.unknown_senders.as_str()).bind(d.active).bind(now)
        .bind(&d.imap_trusted_certificate)
        .fetch_one(c).await)?)
}

/// Replaces a mailbox's settings, and its password as `password` says (a new or cleared
/// password also clears a plain-text one left from before encryption). Returns whether the
/// mailbox exists.
pub async fn update(
    ex: Ex<'_>,
    id: i64,
    d: &MailboxDraft,
    password: &PasswordChange,
    now: i64,
) -> Result<bool> {
    let (change, sealed) = match password {
        PasswordChange::Keep => (false, None),
        PasswordChange::Clear => (true, None),
        PasswordChange::Set(s) => (true, Some(s.as_str())),
    };
    let n = on!(ex, c => sqlx::query(
        "UPDATE mailboxes SET name = $2, queue = $3, service_id = $4, team_id = $5,
            imap_host = $6, imap_port = $7, imap_security = $8, imap_user = $9,
            imap_password_sealed = CASE WHEN $10 THEN $11 ELSE imap_password_sealed END,
            imap_password_plain = CASE WHEN $10 THEN NULL ELSE imap_password_plain END,
            imap_folder = $12, internal_domains = $13, unknown_senders = $14, active = $15,
            updated_at = $16, imap_trusted_certificate = $17
         WHERE id = $1")
        .bind(id).bind(&d.name).bind(d.queue.as_str()).bind(d.service_id).bind(d.team_id)
        .bind(&d.imap_host).bind(d.imap_port).bind(d.imap_security.as_str()).bind(&d.imap_user)
        .bind(change).bind(sealed)
        .bind(&d.imap_folder).bind(d.internal_domains.join(" "))
        .bind(d.unknown_senders.as_str()).bind(d.active).bind(now)
        .bind(&d.imap_trusted_certificate)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Mailbox>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

pub async fn by_name(ex: Ex<'_>, name: &str) -> Result<Option<Mailbox>> {
    let sql = format!("{SELECT} WHERE lower(name) = lower($1)");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(name).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// Every mailbox, by name.
pub async fn list(ex: Ex<'_>) -> Result<Vec<Mailbox>> {
    let sql = format!("{SELECT} ORDER BY lower(name), id");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

/// A mailbox's stored IMAP password: sealed (encrypted), or in plain text when it was
/// stored before encryption and not yet moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoredPassword {
    Sealed(String),
    Plain(String),
}

fn stored_password(sealed: Option<String>, plain: Option<String>) -> Option<StoredPassword> {
    match (sealed, plain) {
        (Some(sealed), _) => Some(StoredPassword::Sealed(sealed)),
        (None, Some(plain)) => Some(StoredPassword::Plain(plain)),
        (None, None) => None,
    }
}

/// The stored IMAP password of a mailbox, for logging in.
pub async fn imap_password(ex: Ex<'_>, id: i64) -> Result<Option<StoredPassword>> {
    let row: Option<(Option<String>, Option<String>)> = on!(ex, c => sqlx::query_as(
        "SELECT imap_password_sealed, imap_password_plain FROM mailboxes WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(row.and_then(|(sealed, plain)| stored_password(sealed, plain)))
}

/// The stored IMAP password of every mailbox that has one, by mailbox id (one statement
/// for the poller's round over all mailboxes).
pub async fn imap_passwords(ex: Ex<'_>) -> Result<HashMap<i64, StoredPassword>> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = on!(ex, c => sqlx::query_as(
        "SELECT id, imap_password_sealed, imap_password_plain FROM mailboxes
         WHERE imap_password_sealed IS NOT NULL OR imap_password_plain IS NOT NULL")
        .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, sealed, plain)| stored_password(sealed, plain).map(|p| (id, p)))
        .collect())
}

/// The mailboxes whose password is still in plain text, with it (for sealing at start-up).
pub async fn plain_passwords(ex: Ex<'_>) -> Result<Vec<(i64, String)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, imap_password_plain FROM mailboxes WHERE imap_password_plain IS NOT NULL
         ORDER BY id")
        .fetch_all(c).await)?)
}

/// Replaces a plain-text password by its sealed form, if it is still the same plain text
/// (another node may have sealed it meanwhile). Returns whether it did.
pub async fn seal_password(ex: Ex<'_>, id: i64, plain: &str, sealed: &str) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE mailboxes SET imap_password_sealed = $3, imap_password_plain = NULL
         WHERE id = $1 AND imap_password_plain = $2")
        .bind(id).bind(plain).bind(sealed)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Notes the outcome of a poll (an error, or none when it went well).
pub async fn polled(ex: Ex<'_>, id: i64, now: i64, error: Option<&str>) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE mailboxes SET last_polled_at = $2, last_error = $3 WHERE id = $1")
        .bind(id).bind(now).bind(error).execute(c).await.map(|_| ()))?;
    Ok(())
}
