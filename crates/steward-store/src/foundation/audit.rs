//! Appending to and reading the hash-chained audit trail.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::foundation::audit::{AuditDraft, AuditEntry};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    seq: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: String,
    record_type: String,
    record_id: String,
    action: String,
    before_json: Option<String>,
    after_json: Option<String>,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            at_micros: r.at,
            at: rfc3339_micros(r.at),
            actor_id: r.actor_id,
            actor: r.actor,
            record_type: r.record_type,
            record_id: r.record_id,
            action: r.action,
            before: r.before_json,
            after: r.after_json,
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const SELECT: &str = "SELECT seq, at, actor_id, actor, record_type, record_id, action,
    before_json, after_json, prev_hash, hash FROM audit_log";

/// Appends an entry inside the caller's write transaction. The head row is locked first
/// (PostgreSQL: `FOR UPDATE`; SQLite: the transaction already holds the write lock), so
/// concurrent writers on several nodes extend the chain one at a time.
pub async fn append(ex: Ex<'_>, draft: AuditDraft, now: i64) -> Result<AuditEntry> {
    match ex {
        Ex::Postgres(c) => append_postgres(c, draft, now).await,
        Ex::Sqlite(c) => append_sqlite(c, draft, now).await,
    }
}

/// On PostgreSQL the head stays locked until commit, and every write of every node queues on
/// it, so the head is read, the entry linked and the head moved in one statement: the link's
/// hash is computed in SQL over the same layout as `link_hash`, followed by the body hashed
/// here.
async fn append_postgres(
    c: &mut sqlx::PgConnection,
    draft: AuditDraft,
    now: i64,
) -> Result<AuditEntry> {
    let body = draft.hashed_body(now);
    let (seq, prev_hash, hash): (i64, String, String) = sqlx::query_as(
        "WITH head AS (SELECT seq + 1 AS seq, hash AS prev FROM audit_head WHERE id = 1 FOR UPDATE),
         linked AS (
             SELECT seq, prev, encode(sha256(convert_to(
                 octet_length(prev) || ':' || prev || ';' || octet_length(seq::text) || ':' || seq || ';',
                 'UTF8') || $9), 'hex') AS hash
             FROM head),
         entry AS (
             INSERT INTO audit_log (seq, at, actor_id, actor, record_type, record_id, action,
                                    before_json, after_json, prev_hash, hash)
             SELECT seq, $1, $2, $3, $4, $5, $6, $7, $8, prev, hash FROM linked
             RETURNING seq, prev_hash, hash)
         UPDATE audit_head SET seq = entry.seq, hash = entry.hash FROM entry WHERE audit_head.id = 1
         RETURNING entry.seq, entry.prev_hash, entry.hash",
    )
    .bind(now)
    .bind(draft.actor_id)
    .bind(&draft.actor)
    .bind(&draft.record_type)
    .bind(&draft.record_id)
    .bind(&draft.action)
    .bind(&draft.before)
    .bind(&draft.after)
    .bind(&body)
    .fetch_one(c)
    .await?;
    Ok(draft.linked(seq, now, prev_hash, hash))
}

async fn append_sqlite(
    c: &mut sqlx::SqliteConnection,
    draft: AuditDraft,
    now: i64,
) -> Result<AuditEntry> {
    let (seq, prev): (i64, String) =
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(&mut *c)
            .await?;
    let entry = draft.seal(seq + 1, now, &prev);
    // SQLite has no writes in WITH, but runs both statements of one query text (binding `$n`
    // by number in each): one crossing to the connection's thread instead of two.
    sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, record_type, record_id, action,
                                before_json, after_json, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);
         UPDATE audit_head SET seq = $1, hash = $11 WHERE id = 1",
    )
    .bind(entry.seq)
    .bind(entry.at_micros)
    .bind(entry.actor_id)
    .bind(&entry.actor)
    .bind(&entry.record_type)
    .bind(&entry.record_id)
    .bind(&entry.action)
    .bind(&entry.before)
    .bind(&entry.after)
    .bind(&entry.prev_hash)
    .bind(&entry.hash)
    .execute(c)
    .await?;
    Ok(entry)
}

/// The newest link as recorded in the head row.
pub async fn head(ex: Ex<'_>) -> Result<(i64, String)> {
    Ok(
        on!(ex, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await)?,
    )
}

/// Up to `limit` entries after `after_seq`, in chain order: for verifying in batches.
pub async fn batch(ex: Ex<'_>, after_seq: i64, limit: i64) -> Result<Vec<AuditEntry>> {
    let sql = format!("{SELECT} WHERE seq > $1 ORDER BY seq LIMIT $2");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(after_seq).bind(limit).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub actor_id: Option<i64>,
    pub action: Option<String>,
    /// Microseconds, inclusive.
    pub from: Option<i64>,
    /// Microseconds, exclusive.
    pub to: Option<i64>,
}

/// Entries matching the filter, newest first.
pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<AuditEntry>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("record_type =", f.record_type.clone());
    filter.and_opt("record_id =", f.record_id.clone());
    filter.and_opt("actor_id =", f.actor_id);
    filter.and_opt("action =", f.action.clone());
    filter.and_opt("at >=", f.from);
    filter.and_opt("at <", f.to);
    let listing = Listing::new(SELECT, "FROM audit_log", filter, "seq DESC", page);
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}
