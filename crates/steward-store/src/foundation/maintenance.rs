//! What the operator's maintenance commands (backup, restore, doctor) ask of the database:
//! its tables, its schema version, whether it holds records, and SQLite file snapshots.
use crate::{Ex, Result, StoreError, on};
use sqlx::Connection;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The database file of a `sqlite:` URL; `None` for other URLs and in-memory databases.
pub fn sqlite_path(url: &str) -> Result<Option<PathBuf>> {
    if !url.starts_with("sqlite:") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url).map_err(|e| StoreError::BadUrl {
        url: url.to_owned(),
        reason: e.to_string(),
    })?;
    let file = options.get_filename();
    if file.as_os_str().is_empty() || file == Path::new(":memory:") {
        return Ok(None);
    }
    Ok(Some(file.to_path_buf()))
}

/// The database's own tables (not the engine's catalogue), sorted.
pub async fn tables(ex: Ex<'_>) -> Result<Vec<String>> {
    let mut names: Vec<String> =
        match ex {
            Ex::Sqlite(c) => sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
            )
            .fetch_all(c)
            .await?,
            Ex::Postgres(c) => {
                sqlx::query_scalar(
                    "SELECT table_name::text FROM information_schema.tables
                 WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
                )
                .fetch_all(c)
                .await?
            }
        };
    names.sort();
    Ok(names)
}

/// Versions of the migrations applied to this database, ascending; empty when it was never
/// migrated.
pub async fn applied_migrations(mut ex: Ex<'_>) -> Result<Vec<i64>> {
    if !tables(ex.by_ref())
        .await?
        .iter()
        .any(|t| t == "_sqlx_migrations")
    {
        return Ok(Vec::new());
    }
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version"
    )
    .fetch_all(c)
    .await)?)
}

/// Whether a restore would destroy something: users or audit entries, or tables that are not
/// Steward's. A migrated database nobody has used yet holds only seeded counters.
pub async fn holds_records(mut ex: Ex<'_>) -> Result<bool> {
    let tables = tables(ex.by_ref()).await?;
    if tables.is_empty() {
        return Ok(false);
    }
    let ours = ["users", "audit_log"]
        .iter()
        .all(|t| tables.iter().any(|n| n == t));
    if !ours {
        return Ok(true);
    }
    let found: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM users LIMIT 1) u)
              + (SELECT COUNT(*) FROM (SELECT 1 FROM audit_log LIMIT 1) a)"
    )
    .fetch_one(c)
    .await)?;
    Ok(found > 0)
}

/// Opens a SQLite file read-only, without creating it or changing its journal mode.
async fn open_read_only(path: &Path) -> Result<SqliteConnection> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .busy_timeout(Duration::from_secs(10));
    Ok(SqliteConnection::connect_with(&options).await?)
}

/// Writes a consistent snapshot of the SQLite database at `source` to the new file `target`
/// with `VACUUM INTO`. It reads inside one read transaction, so under WAL it neither blocks nor
/// is blocked by a running server's writes, and sees exactly the commits before it began.
pub async fn sqlite_snapshot(source: &Path, target: &Path) -> Result<()> {
    let target_name = target.to_str().ok_or_else(|| {
        StoreError::Io(std::io::Error::other(format!(
            "the backup path {} is not valid UTF-8",
            target.display()
        )))
    })?;
    let mut conn = open_read_only(source).await?;
    sqlx::query("VACUUM INTO $1")
        .bind(target_name)
        .execute(&mut conn)
        .await?;
    conn.close().await?;
    // The copy keeps the source's WAL flag; a backup is a single self-contained file.
    let options = SqliteConnectOptions::new().filename(target);
    let mut copy = SqliteConnection::connect_with(&options).await?;
    sqlx::query("PRAGMA journal_mode = DELETE")
        .execute(&mut copy)
        .await?;
    copy.close().await?;
    Ok(())
}

/// What a SQLite file holds, read without changing it.
#[derive(Debug, Clone)]
pub struct SqliteFile {
    /// `PRAGMA quick_check` found nothing wrong.
    pub intact: bool,
    /// The first problem `quick_check` reported, when not intact.
    pub problem: Option<String>,
    pub migrations: Vec<i64>,
    pub holds_records: bool,
}

/// Inspects a SQLite file: its integrity, schema version and whether it holds records.
pub async fn inspect_sqlite_file(path: &Path, check_integrity: bool) -> Result<SqliteFile> {
    let mut conn = open_read_only(path).await?;
    let (intact, problem) = if check_integrity {
        let report: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_all(&mut conn)
            .await?;
        let intact = report.len() == 1 && report[0] == "ok";
        (intact, (!intact).then(|| report.join("; ")))
    } else {
        (true, None)
    };
    let migrations = applied_migrations(Ex::Sqlite(&mut conn)).await?;
    let holds_records = holds_records(Ex::Sqlite(&mut conn)).await?;
    conn.close().await?;
    Ok(SqliteFile {
        intact,
        problem,
        migrations,
        holds_records,
    })
}
