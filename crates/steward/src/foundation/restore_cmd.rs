//! `steward restore`: puts a backup back as the configured database, then verifies its audit
//! chain. It refuses to replace a database that holds records unless told to (`--force`), and
//! on SQLite refuses while a server holds the database's lock (and holds it meanwhile, so no
//! server starts half-way through).
use crate::config::Config;
use crate::database::redact;
use crate::foundation::files::{PG_ARCHIVE_MAGIC, SQLITE_MAGIC, commit, magic, partial_path};
use crate::foundation::postgres_tools;
use anyhow::{Context, bail};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steward_app::{App, Settings};
use steward_store::foundation::maintenance;
use steward_store::{Db, DbOptions, SqliteLock};

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// A file written by `steward backup`.
    pub file: PathBuf,
    /// Replace the database even though it holds records.
    #[arg(long)]
    pub force: bool,
}

pub async fn run(config: &Config, args: RestoreArgs) -> anyhow::Result<ExitCode> {
    let url = config.database_url();
    let head = magic(&args.file)?;
    let _lock = match maintenance::sqlite_path(&url)? {
        Some(database) => {
            let lock = SqliteLock::for_url(&url).map_err(|e| {
                anyhow::anyhow!("refusing to restore while the database is in use: {e}")
            })?;
            if !head.starts_with(SQLITE_MAGIC) {
                bail!("{} is not a SQLite backup", args.file.display());
            }
            restore_sqlite(&url, &database, &args).await?;
            lock
        }
        None => {
            if !head.starts_with(PG_ARCHIVE_MAGIC) {
                bail!(
                    "{} is not a PostgreSQL backup (a pg_dump custom-format archive)",
                    args.file.display()
                );
            }
            restore_postgres(&url, &args).await?;
            None
        }
    };
    println!("restored {} into {}", args.file.display(), redact(&url));
    verify(&url).await
}

async fn restore_sqlite(url: &str, database: &Path, args: &RestoreArgs) -> anyhow::Result<()> {
    let backup = maintenance::inspect_sqlite_file(&args.file, true)
        .await
        .with_context(|| format!("reading {}", args.file.display()))?;
    if !backup.intact {
        bail!(
            "{} failed its integrity check: {}",
            args.file.display(),
            backup.problem.unwrap_or_default()
        );
    }
    refuse_newer_schema(url, &backup.migrations)?;
    if database.exists() && !args.force {
        let current = maintenance::inspect_sqlite_file(database, false)
            .await
            .with_context(|| {
                format!(
                    "cannot read the existing database {}; pass --force to replace it",
                    database.display()
                )
            })?;
        if current.holds_records {
            bail!(
                "refusing to restore: {} already holds records; pass --force to replace them",
                database.display()
            );
        }
    }
    let partial = partial_path(database);
    std::fs::copy(&args.file, &partial)
        .with_context(|| format!("copying {} to {}", args.file.display(), partial.display()))?;
    // The old database's write-ahead log belongs to the old file: left beside the new one,
    // SQLite would replay it into the restored database.
    for suffix in ["-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).context("removing the old write-ahead log"),
        }
    }
    commit(&partial, database)
}

async fn restore_postgres(url: &str, args: &RestoreArgs) -> anyhow::Result<()> {
    let db = Db::connect(
        url,
        &DbOptions {
            max_connections: 1,
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("opening the database {}", redact(url)))?;
    let mut conn = db.read().await?;
    let tables = maintenance::tables(conn.ex()).await?;
    let holds_records = maintenance::holds_records(conn.ex()).await?;
    drop(conn);
    db.close().await;
    if holds_records && !args.force {
        bail!(
            "refusing to restore: {} already holds records; pass --force to replace them",
            redact(url)
        );
    }
    postgres_tools::restore(url, &args.file, !tables.is_empty())
}

/// A backup taken by a newer Steward has migrations this binary cannot undo or understand.
fn refuse_newer_schema(url: &str, migrations: &[i64]) -> anyhow::Result<()> {
    let known = Db::migration_versions(url);
    if let Some(unknown) = migrations.iter().find(|v| !known.contains(v)) {
        bail!(
            "the backup has migration {unknown}, which this steward does not know: \
             restore it with the version that wrote it"
        );
    }
    Ok(())
}

/// Walks the restored audit chain; exit 2 when it is broken, as `steward audit verify`.
async fn verify(url: &str) -> anyhow::Result<ExitCode> {
    let db = Db::connect(
        url,
        &DbOptions {
            max_connections: 2,
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("opening the restored database {}", redact(url)))?;
    let mut conn = db.read().await?;
    let applied = maintenance::applied_migrations(conn.ex()).await?;
    drop(conn);
    let app = App::new(db.clone(), Settings::default());
    let verdict = app.verify_audit().await.map_err(|e| anyhow::anyhow!("{e}"));
    db.close().await;
    let known = Db::migration_versions(url);
    if applied.last() < known.last() {
        println!(
            "schema version {}: `steward migrate` (or starting the server) brings it up to {}",
            applied.last().copied().unwrap_or(0),
            known.last().copied().unwrap_or(0)
        );
    }
    match verdict? {
        Ok(n) => {
            println!("audit chain intact: {n} entries verified");
            Ok(ExitCode::SUCCESS)
        }
        Err(broken) => {
            eprintln!(
                "AUDIT CHAIN BROKEN in the restored database at entry {}: {}",
                broken.seq, broken.reason
            );
            Ok(ExitCode::from(2))
        }
    }
}
