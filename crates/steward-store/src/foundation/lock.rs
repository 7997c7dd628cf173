//! One node per SQLite file: a second `steward serve` on the same file must refuse to start.
use crate::StoreError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

/// An exclusive OS lock on `<database>.lock`, held for as long as this value lives. The OS
/// releases it when the process dies, so a crash never leaves a stale lock behind.
#[derive(Debug)]
pub struct SqliteLock {
    _file: File,
}

impl SqliteLock {
    /// Locks the file of a `sqlite:` URL (creating its directory); other URLs need no lock.
    pub fn for_url(url: &str) -> Result<Option<Self>, StoreError> {
        let Some(file) = super::maintenance::sqlite_path(url)? else {
            return Ok(None);
        };
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        Self::acquire(&file).map(Some)
    }

    pub fn acquire(database: &Path) -> Result<Self, StoreError> {
        let mut name = database.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)?;
        match file.try_lock() {
            Ok(()) => {
                file.set_len(0)?;
                writeln!(file, "{}", std::process::id())?;
                Ok(Self { _file: file })
            }
            Err(TryLockError::WouldBlock) => {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                Err(StoreError::Locked(format!(
                    "another steward node (pid {}) is already serving {}; SQLite supports one node — \
                     stop the other one, or use PostgreSQL (--database-url postgres://…) to run several",
                    holder.trim(),
                    database.display()
                )))
            }
            Err(TryLockError::Error(e)) => Err(e.into()),
        }
    }
}
