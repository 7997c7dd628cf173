use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("invalid database URL {url:?}: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("{0}")]
    Locked(String),
    /// A uniqueness rule was broken; the caller turns this into a 409.
    #[error("duplicate value: {0}")]
    Duplicate(String),
    /// A referenced row does not exist (foreign key).
    #[error("a referenced record does not exist: {0}")]
    DanglingReference(String),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("database error: {0}")]
    Database(sqlx::Error),
    /// A stored value the code cannot read back (written by a newer or broken version).
    #[error("unreadable stored value: {0}")]
    Corrupt(String),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        if let sqlx::Error::Database(db) = &error {
            if db.is_unique_violation() {
                return StoreError::Duplicate(db.constraint().unwrap_or(db.message()).to_owned());
            }
            if db.is_foreign_key_violation() {
                return StoreError::DanglingReference(
                    db.constraint().unwrap_or(db.message()).to_owned(),
                );
            }
        }
        StoreError::Database(error)
    }
}
