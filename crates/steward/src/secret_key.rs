//! Where the key that encrypts stored mail passwords comes from: `secret_key`
//! (`STEWARD_SECRET_KEY`) when it is set, else the file `secret.key` beside the SQLite
//! database (in the data directory for PostgreSQL), which the first `steward serve`
//! creates. Never from the database: a copy or dump of it alone does not open the
//! passwords. Nodes sharing a PostgreSQL database must share the key, so for a cluster give
//! each node the same `STEWARD_SECRET_KEY` (or the same file).
use crate::config::Config;
use anyhow::{Context, anyhow};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use steward_app::foundation::sealing::SecretKey;

pub const FILE_NAME: &str = "secret.key";

/// The key file of a configuration: beside the SQLite file, else in the data directory.
pub fn file_for(config: &Config) -> anyhow::Result<PathBuf> {
    let url = config.database_url();
    let dir = match steward_store::foundation::maintenance::sqlite_path(&url)? {
        Some(file) => file
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from(".")),
        None => config.data_dir.clone(),
    };
    Ok(dir.join(FILE_NAME))
}

/// The configured key; with `create` (for `serve`), a new key file is written when there is
/// none. Without a key, passwords can be neither stored nor read, and say so where used.
pub fn load(config: &Config, create: bool) -> anyhow::Result<Option<SecretKey>> {
    if let Some(text) = &config.secret_key {
        return SecretKey::from_hex(text.expose())
            .map(Some)
            .map_err(|e| anyhow!("secret_key (STEWARD_SECRET_KEY): {e}"));
    }
    let path = file_for(config)?;
    match read(&path) {
        Ok(key) => Ok(Some(key)),
        Err(e) if is_missing(&e) && create => create_file(&path).map(Some),
        Err(e) if is_missing(&e) => Ok(None),
        Err(e) => Err(e),
    }
}

fn is_missing(e: &anyhow::Error) -> bool {
    e.downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::NotFound)
}

fn read(path: &Path) -> anyhow::Result<SecretKey> {
    let text = std::fs::read_to_string(path)?;
    SecretKey::from_hex(&text).map_err(|e| anyhow!("the key file {}: {e}", path.display()))
}

/// Writes a new key where none is. It is written whole under a temporary name and then
/// linked into place, which fails if the file appeared meanwhile: two processes starting at
/// once both end up with the one that won, never with a half-written file.
fn create_file(path: &Path) -> anyhow::Result<SecretKey> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let key = SecretKey::generate()?;
    let temporary = dir.join(format!(".{FILE_NAME}.{}", std::process::id()));
    let written = (|| -> std::io::Result<()> {
        let mut file = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temporary)?;
        writeln!(file, "{}", key.to_hex())?;
        file.sync_all()?;
        std::fs::hard_link(&temporary, path)
    })();
    let _ = std::fs::remove_file(&temporary);
    match written {
        Ok(()) => {
            tracing::info!(file = %path.display(), key = %key.id(), "created a secret key for mail passwords");
            Ok(key)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read(path),
        Err(e) => Err(anyhow!(e).context(format!("writing the key file {}", path.display()))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Redacted;
    use std::os::unix::fs::PermissionsExt;

    fn config(dir: &Path) -> Config {
        Config {
            data_dir: dir.to_path_buf(),
            ..Default::default()
        }
    }

    #[test]
    fn serve_creates_a_private_key_file_once_and_a_set_key_wins() {
        let dir = std::env::temp_dir().join(format!("steward-key-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let c = config(&dir);
        assert_eq!(file_for(&c).unwrap(), dir.join("secret.key"));
        assert!(load(&c, false).unwrap().is_none(), "only serve creates one");
        let created = load(&c, true).unwrap().unwrap();
        let mode = std::fs::metadata(dir.join("secret.key"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load(&c, true).unwrap().unwrap().id(), created.id());
        assert_eq!(load(&c, false).unwrap().unwrap().id(), created.id());

        let given = SecretKey::generate().unwrap();
        let c = Config {
            secret_key: Some(Redacted::new(given.to_hex())),
            ..config(&dir)
        };
        assert_eq!(load(&c, true).unwrap().unwrap().id(), given.id());
        assert!(!format!("{c:?}").contains(&given.to_hex()));
        let c = Config {
            secret_key: Some(Redacted::new("short".into())),
            ..config(&dir)
        };
        let refused = load(&c, true).unwrap_err().to_string();
        assert!(refused.contains("STEWARD_SECRET_KEY"), "{refused}");

        std::fs::write(dir.join("secret.key"), "not a key\n").unwrap();
        let refused = load(&config(&dir), true).unwrap_err().to_string();
        assert!(refused.contains("secret.key"), "{refused}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn the_key_file_sits_beside_the_sqlite_database() {
        let c = Config {
            database_url: Some("sqlite:///srv/steward/db/steward.db".into()),
            ..Default::default()
        };
        assert_eq!(
            file_for(&c).unwrap(),
            PathBuf::from("/srv/steward/db/secret.key")
        );
        let c = Config {
            database_url: Some("postgres://steward@db/steward".into()),
            data_dir: "/var/lib/steward".into(),
            ..Default::default()
        };
        assert_eq!(
            file_for(&c).unwrap(),
            PathBuf::from("/var/lib/steward/secret.key")
        );
    }
}
