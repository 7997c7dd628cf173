//! Writing a file so that a crash leaves either the old state or the whole new file, never a
//! torn one: write beside the target, flush to disk, then rename over it.
use anyhow::Context;
use std::path::{Path, PathBuf};

/// Where a file is written before it is renamed into place.
pub fn partial_path(target: &Path) -> PathBuf {
    let mut name = target.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Flushes `partial` to disk and renames it to `target`, then flushes the directory entry.
pub fn commit(partial: &Path, target: &Path) -> anyhow::Result<()> {
    std::fs::File::open(partial)
        .and_then(|f| f.sync_all())
        .with_context(|| format!("flushing {}", partial.display()))?;
    std::fs::rename(partial, target)
        .with_context(|| format!("renaming {} to {}", partial.display(), target.display()))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        // Best effort: some filesystems cannot open a directory for syncing.
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(())
}

/// The first bytes of a file, to tell a SQLite database from a PostgreSQL archive.
pub fn magic(path: &Path) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let mut head = Vec::with_capacity(16);
    std::fs::File::open(path)
        .with_context(|| format!("opening {}", path.display()))?
        .take(16)
        .read_to_end(&mut head)
        .with_context(|| format!("reading {}", path.display()))?;
    Ok(head)
}

pub const SQLITE_MAGIC: &[u8] = b"SQLite format 3\0";
pub const PG_ARCHIVE_MAGIC: &[u8] = b"PGDMP";
