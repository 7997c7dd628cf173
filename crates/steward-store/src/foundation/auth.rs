//! Sessions, API tokens and failed logins. Only SHA-256 hashes of secrets are stored.
use crate::{Ex, Result, on};
use steward_domain::foundation::access::{ApiToken, SessionInfo};
use steward_domain::foundation::login::RecentFailures;
use steward_domain::foundation::page::rfc3339_micros;

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    user_id: i64,
    created_at: i64,
    expires_at: i64,
    revoked_at: Option<i64>,
    address: Option<String>,
    user_agent: Option<String>,
}

impl From<SessionRow> for SessionInfo {
    fn from(r: SessionRow) -> Self {
        SessionInfo {
            id: r.id,
            user_id: r.user_id,
            created_at: rfc3339_micros(r.created_at),
            expires_at: rfc3339_micros(r.expires_at),
            revoked_at: r.revoked_at.map(rfc3339_micros),
            address: r.address,
            user_agent: r.user_agent,
        }
    }
}

pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: i64,
    pub csrf_token: &'a str,
    pub now: i64,
    pub expires_at: i64,
    pub address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

pub async fn insert_session(ex: Ex<'_>, s: &NewSession<'_>) -> Result<SessionInfo> {
    let row: SessionRow = on!(ex, c => sqlx::query_as(
        "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at, address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         RETURNING id, user_id, created_at, expires_at, revoked_at, address, user_agent")
        .bind(s.token_hash).bind(s.user_id).bind(s.csrf_token).bind(s.now).bind(s.expires_at)
        .bind(s.address).bind(s.user_agent)
        .fetch_one(c).await)?;
    Ok(row.into())
}

/// A live session: not revoked, not expired, its user active.
pub struct LiveSession {
    pub session_id: i64,
    pub user_id: i64,
    pub csrf_token: String,
}

pub async fn live_session(ex: Ex<'_>, token_hash: &str, now: i64) -> Result<Option<LiveSession>> {
    let row: Option<(i64, i64, String)> = on!(ex, c => sqlx::query_as(
        "SELECT s.id, s.user_id, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.active")
        .bind(token_hash).bind(now).fetch_optional(c).await)?;
    Ok(row.map(|(session_id, user_id, csrf_token)| LiveSession {
        session_id,
        user_id,
        csrf_token,
    }))
}

pub async fn get_session(ex: Ex<'_>, id: i64) -> Result<Option<SessionInfo>> {
    let row: Option<SessionRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, user_id, created_at, expires_at, revoked_at, address, user_agent FROM sessions WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The user's sessions that are still usable, newest first.
pub async fn list_sessions(ex: Ex<'_>, user_id: i64, now: i64) -> Result<Vec<SessionInfo>> {
    let rows: Vec<SessionRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, user_id, created_at, expires_at, revoked_at, address, user_agent FROM sessions
         WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2 ORDER BY id DESC")
        .bind(user_id).bind(now).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn revoke_session(ex: Ex<'_>, id: i64, now: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Ends every session of a user; returns how many were live.
pub async fn revoke_user_sessions(ex: Ex<'_>, user_id: i64, now: i64) -> Result<u64> {
    Ok(on!(ex, c => sqlx::query(
        "UPDATE sessions SET revoked_at = $2 WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2")
        .bind(user_id).bind(now).execute(c).await.map(|r| r.rows_affected()))?)
}

#[derive(sqlx::FromRow)]
struct TokenRow {
    id: i64,
    user_id: i64,
    label: String,
    created_at: i64,
    last_used_at: Option<i64>,
    revoked_at: Option<i64>,
}

impl From<TokenRow> for ApiToken {
    fn from(r: TokenRow) -> Self {
        ApiToken {
            id: r.id,
            user_id: r.user_id,
            label: r.label,
            created_at: rfc3339_micros(r.created_at),
            last_used_at: r.last_used_at.map(rfc3339_micros),
            revoked_at: r.revoked_at.map(rfc3339_micros),
        }
    }
}

const TOKEN_COLUMNS: &str = "id, user_id, label, created_at, last_used_at, revoked_at";

pub async fn insert_token(
    ex: Ex<'_>,
    token_hash: &str,
    user_id: i64,
    label: &str,
    now: i64,
) -> Result<ApiToken> {
    let sql = format!(
        "INSERT INTO api_tokens (token_hash, user_id, label, created_at) VALUES ($1, $2, $3, $4) RETURNING {TOKEN_COLUMNS}"
    );
    let row: TokenRow = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(token_hash).bind(user_id).bind(label).bind(now).fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn touch_token(ex: Ex<'_>, id: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get_token(ex: Ex<'_>, id: i64) -> Result<Option<ApiToken>> {
    let sql = format!("SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE id = $1");
    let row: Option<TokenRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

pub async fn list_tokens(ex: Ex<'_>, user_id: i64) -> Result<Vec<ApiToken>> {
    let sql = format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE user_id = $1 AND revoked_at IS NULL ORDER BY id DESC"
    );
    let rows: Vec<TokenRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user_id).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn revoke_token(ex: Ex<'_>, id: i64, now: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// Makes the caller's transaction the only one counting and recording attempts for this
/// username and this address until it ends, on every node: the count it reads then stays
/// true until its own attempt is recorded. On SQLite the write transaction already holds the
/// database's single write lock; on PostgreSQL, transaction-scoped advisory locks, always
/// taken account first and address second so that two attempts never wait on each other
/// in a circle.
pub async fn serialize_attempts(ex: Ex<'_>, username: &str, address: &str) -> Result<()> {
    match ex {
        Ex::Sqlite(_) => Ok(()),
        Ex::Postgres(c) => {
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtext('steward.login.account'), hashtext($1))",
            )
            .bind(username)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "SELECT pg_advisory_xact_lock(hashtext('steward.login.address'), hashtext($1))",
            )
            .bind(address)
            .execute(&mut *c)
            .await?;
            Ok(())
        }
    }
}

/// Records a failed (or not yet checked) attempt; returns its id.
pub async fn record_failure(ex: Ex<'_>, username: &str, address: &str, now: i64) -> Result<i64> {
    let (id,): (i64,) = on!(ex, c => sqlx::query_as(
        "INSERT INTO login_failures (username, address, at) VALUES ($1, $2, $3) RETURNING id")
        .bind(username).bind(address).bind(now).fetch_one(c).await)?;
    Ok(id)
}

/// Forgets one recorded attempt, e.g. one whose password was never checked.
pub async fn forget_failure(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM login_failures WHERE id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn clear_failures(ex: Ex<'_>, username: &str) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM login_failures WHERE username = $1")
        .bind(username).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn recent_failures(
    ex: Ex<'_>,
    username: &str,
    address: &str,
    since: i64,
) -> Result<RecentFailures> {
    let (account, address, oldest): (i64, i64, Option<i64>) = on!(ex, c => sqlx::query_as(
        "SELECT
            (SELECT COUNT(*) FROM login_failures WHERE username = $1 AND at >= $3),
            (SELECT COUNT(*) FROM login_failures WHERE address = $2 AND at >= $3),
            (SELECT MIN(at) FROM login_failures WHERE (username = $1 OR address = $2) AND at >= $3)")
        .bind(username).bind(address).bind(since).fetch_one(c).await)?;
    Ok(RecentFailures {
        account,
        address,
        oldest_micros: oldest,
    })
}

/// Removes login failures older than `before` and sessions that ended before it.
pub async fn purge(ex: Ex<'_>, before: i64) -> Result<u64> {
    on!(ex, c => {
        let a = sqlx::query("DELETE FROM login_failures WHERE at < $1").bind(before).execute(&mut *c).await?.rows_affected();
        let b = sqlx::query("DELETE FROM sessions WHERE expires_at < $1 OR revoked_at < $1").bind(before).execute(&mut *c).await?.rows_affected();
        Ok(a + b)
    })
}
