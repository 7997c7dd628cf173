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
    path: PathBuf,
}

impl SqliteLock {
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
                Ok(Self { _file: file, path })
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

    pub fn path(&self) -> &Path {
        &self.path
    }
}
