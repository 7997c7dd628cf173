//! `steward backup`: a consistent copy of the database, taken while the server keeps serving.
//!
//! SQLite: `VACUUM INTO` rather than the page-by-page online backup API. Both are online and
//! consistent, but `VACUUM INTO` reads the whole database in one read transaction, so under WAL
//! the server's writes go on and the copy is exactly the commits before it started (the backup
//! API restarts whenever another connection writes, and a busy server can starve it); it is
//! plain SQL through the driver we already use, with no second SQLite binding; and the copy is
//! compacted. PostgreSQL: `pg_dump`'s custom format, itself one consistent snapshot.
use crate::config::Config;
use crate::database::redact;
use crate::foundation::files::{commit, partial_path};
use crate::foundation::postgres_tools;
use anyhow::{Context, bail};
use clap::Args;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steward_store::foundation::maintenance;

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write (it must not exist yet), or a directory to write a
    /// time-stamped `steward-….db` (SQLite) or `steward-….pgdump` (PostgreSQL) into.
    pub target: PathBuf,
}

pub async fn run(config: &Config, args: BackupArgs) -> anyhow::Result<ExitCode> {
    let url = config.database_url();
    let sqlite = maintenance::sqlite_path(&url)?;
    let extension = if sqlite.is_some() { "db" } else { "pgdump" };
    let target = target_file(&args.target, extension)?;
    let partial = partial_path(&target);
    // A leftover from an interrupted backup; `VACUUM INTO` refuses to write over a file.
    let _ = std::fs::remove_file(&partial);
    let written = match &sqlite {
        Some(database) => snapshot_sqlite(database, &partial).await,
        None => postgres_tools::dump(&url, &partial).map(|()| ", pg_dump custom format".to_owned()),
    };
    let detail = match written {
        Ok(detail) => detail,
        Err(e) => {
            let _ = std::fs::remove_file(&partial);
            return Err(e);
        }
    };
    commit(&partial, &target)?;
    let size = std::fs::metadata(&target)?.len();
    println!(
        "backed up {} to {} ({size} bytes{detail})",
        redact(&url),
        target.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// The file to write: `target` itself, or a new time-stamped name inside the directory
/// `target`. An existing file is never overwritten.
fn target_file(target: &Path, extension: &str) -> anyhow::Result<PathBuf> {
    let file = if target.is_dir() {
        let stamp = jiff::Timestamp::now().strftime("%Y%m%dT%H%M%SZ");
        target.join(format!("steward-{stamp}.{extension}"))
    } else {
        target.to_path_buf()
    };
    if file.exists() {
        bail!(
            "refusing to overwrite {}: name a new file or a directory",
            file.display()
        );
    }
    Ok(file)
}

/// Snapshots and then checks the copy; returns what to say about it.
async fn snapshot_sqlite(database: &Path, partial: &Path) -> anyhow::Result<String> {
    if !database.exists() {
        bail!("there is no database at {}", database.display());
    }
    maintenance::sqlite_snapshot(database, partial)
        .await
        .with_context(|| format!("copying {}", database.display()))?;
    let copy = maintenance::inspect_sqlite_file(partial, true)
        .await
        .context("checking the copy")?;
    if !copy.intact {
        bail!(
            "the copy failed its integrity check: {}",
            copy.problem.unwrap_or_default()
        );
    }
    Ok(match copy.migrations.last() {
        Some(version) => format!(", integrity checked, schema version {version}"),
        None => ", integrity checked, no Steward schema".to_owned(),
    })
}
