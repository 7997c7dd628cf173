//! Appending to and reading the hash-chained audit trail.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, StoreError, on};
use std::sync::Mutex;
use steward_domain::foundation::audit::{AuditDraft, AuditEntry, link_hash};
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

/// The head this process last linked on SQLite: a guess at the head row, so that an append
/// usually crosses to the write connection once instead of twice (read the head, then
/// insert). The guess is only ever used in a statement that checks it against the head row
/// and does nothing when they differ (after a rolled-back command, a write by another process
/// such as the command line, or another database in the same process, as in the tests); the
/// append then reads the head and links again. So it can cost a crossing, never a wrong link.
static SQLITE_HEAD: Mutex<Option<(i64, String)>> = Mutex::new(None);

fn guessed_head() -> Option<(i64, String)> {
    SQLITE_HEAD.lock().map(|h| h.clone()).unwrap_or_default()
}

fn remember_head(seq: i64, hash: &str) {
    if let Ok(mut head) = SQLITE_HEAD.lock() {
        *head = Some((seq, hash.to_owned()));
    }
}

async fn append_sqlite(
    c: &mut sqlx::SqliteConnection,
    draft: AuditDraft,
    now: i64,
) -> Result<AuditEntry> {
    let body = draft.hashed_body(now);
    let (seq, prev) = match guessed_head() {
        Some(head) => head,
        None => read_head_sqlite(c).await?,
    };
    let hash = link_hash(&prev, seq + 1, &body);
    let mut entry = draft.linked(seq + 1, now, prev, hash);
    if !insert_linked_sqlite(c, &entry).await? {
        let (seq, prev) = read_head_sqlite(c).await?;
        entry.seq = seq + 1;
        entry.hash = link_hash(&prev, entry.seq, &body);
        entry.prev_hash = prev;
        if !insert_linked_sqlite(c, &entry).await? {
            // The transaction holds SQLite's write lock: nothing else can move the head.
            return Err(StoreError::Corrupt(
                "the audit head moved while an entry was being linked".into(),
            ));
        }
    }
    remember_head(entry.seq, &entry.hash);
    Ok(entry)
}

async fn read_head_sqlite(c: &mut sqlx::SqliteConnection) -> Result<(i64, String)> {
    Ok(
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(c)
            .await?,
    )
}

/// Inserts the entry and moves the head to it, only if the head is still the entry's
/// predecessor; `false` (nothing written) otherwise.
async fn insert_linked_sqlite(c: &mut sqlx::SqliteConnection, entry: &AuditEntry) -> Result<bool> {
    // SQLite has no writes in WITH, but runs both statements of one query text (binding `$n`
    // by number in each): one crossing to the connection's thread instead of two. The UPDATE
    // still sees the old head, so both statements test the same condition.
    let changed = sqlx::query(
        "INSERT INTO audit_log (seq, at, actor_id, actor, record_type, record_id, action,
                                before_json, after_json, prev_hash, hash)
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11 FROM audit_head
         WHERE id = 1 AND seq = $1 - 1 AND hash = $10;
         UPDATE audit_head SET seq = $1, hash = $11 WHERE id = 1 AND seq = $1 - 1 AND hash = $10",
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
    .await?
    .rows_affected();
    match changed {
        0 => Ok(false),
        2 => Ok(true),
        n => Err(StoreError::Corrupt(format!(
            "linking an audit entry changed {n} rows instead of 2"
        ))),
    }
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

#[cfg(test)]
mod tests {
    use super::{append, batch, head};
    use crate::{Db, DbOptions};
    use steward_domain::foundation::audit::{AuditDraft, ChainVerifier};

    async fn migrated(label: &str) -> Db {
        let (_, url) = crate::db::temp_sqlite(&format!("audit-{label}"));
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        db.migrate().await.unwrap();
        db
    }

    fn draft(what: &str) -> AuditDraft {
        AuditDraft {
            actor_id: None,
            actor: "test".into(),
            record_type: "thing".into(),
            record_id: what.into(),
            action: "created".into(),
            before: None,
            after: Some(format!("{{\"name\":\"{what}\"}}")),
        }
    }

    /// Appends in a command of its own; `keep: false` rolls the command back.
    async fn append_one(db: &Db, what: &str, keep: bool) -> i64 {
        let mut tx = db.begin().await.unwrap();
        let entry = append(tx.ex(), draft(what), 1_000).await.unwrap();
        if keep {
            tx.commit().await.unwrap();
        }
        entry.seq
    }

    /// The whole chain verifies and ends at the head row; returns its length.
    async fn verified(db: &Db) -> i64 {
        let mut conn = db.read().await.unwrap();
        let (seq, hash) = head(conn.ex()).await.unwrap();
        let mut verifier = ChainVerifier::new();
        for entry in batch(conn.ex(), 0, 1_000).await.unwrap() {
            verifier.push(&entry).unwrap();
        }
        verifier.finish(Some((seq, &hash))).unwrap()
    }

    /// The remembered head is wrong after a rolled-back append and after another database's
    /// append (the same seq, another hash): each append must still link to the real head.
    #[tokio::test]
    async fn a_stale_remembered_head_never_forks_the_chain() {
        let a = migrated("a").await;
        let b = migrated("b").await;
        assert_eq!(append_one(&a, "a1", true).await, 1);
        assert_eq!(append_one(&b, "b1", true).await, 1);
        assert_eq!(append_one(&a, "a2", true).await, 2);
        assert_eq!(append_one(&a, "a3", false).await, 3);
        assert_eq!(append_one(&a, "a3 again", true).await, 3);
        assert_eq!(append_one(&a, "a4", true).await, 4);
        assert_eq!(append_one(&b, "b2", true).await, 2);
        assert_eq!(verified(&a).await, 4);
        assert_eq!(verified(&b).await, 2);
    }
}
