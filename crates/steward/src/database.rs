//! Opening the database a configuration names, for the server and every operator command.
use crate::config::Config;
use anyhow::Context;
use steward_app::{App, HashingLimits, Settings};
use steward_store::{Db, DbOptions, SqliteSynchronous};

/// What a command needs of the secret key that encrypts stored mail passwords.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyUse {
    /// `serve`: created when there is none.
    Create,
    /// Operator commands: read if there is one (a broken one is an error).
    Read,
    /// `mailgate`: never reads a password, so a key it may not read (another user's 0600
    /// file) must not stop mail from coming in.
    Skip,
}

/// Opens and migrates the database for an operator command (with the secret key if there
/// is one; only `serve` creates it).
pub async fn open(config: &Config) -> anyhow::Result<App> {
    open_with(config, KeyUse::Read).await
}

/// As [`open`], creating the secret key file if there is none (for `serve`).
pub async fn open_for_serving(config: &Config) -> anyhow::Result<App> {
    open_with(config, KeyUse::Create).await
}

/// As [`open`], without the secret key (for `mailgate`).
pub async fn open_without_key(config: &Config) -> anyhow::Result<App> {
    open_with(config, KeyUse::Skip).await
}

async fn open_with(config: &Config, key: KeyUse) -> anyhow::Result<App> {
    let url = config.database_url();
    // The key is read before the database is touched: a bad key stops here, clearly.
    let secret_key = match key {
        KeyUse::Skip => None,
        KeyUse::Read => crate::secret_key::load(config, false)?,
        KeyUse::Create => crate::secret_key::load(config, true)?,
    };
    let sqlite_synchronous = config
        .sqlite_synchronous
        .parse::<SqliteSynchronous>()
        .map_err(|_| {
            anyhow::anyhow!(
                "sqlite_synchronous must be off, normal, full or extra, not {:?}",
                config.sqlite_synchronous
            )
        })?;
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: 4,
            sqlite_synchronous,
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("opening the database {}", redact(&url)))?;
    db.migrate().await.context("migrating the database")?;
    let settings = Settings {
        session_ttl: jiff::SignedDuration::from_hours(config.session_hours),
        auto_close_after: jiff::SignedDuration::from_hours(config.auto_close_days.max(0) * 24),
        clock_recompute_inline: config.clock_recompute_inline,
        attachment_max_bytes: usize::try_from(
            config.attachment_max_mib.clamp(1, 1024) * 1024 * 1024,
        )
        .unwrap_or(usize::MAX),
        password_hashing: HashingLimits {
            permits: config
                .password_checks_at_once
                .unwrap_or(HashingLimits::default().permits),
            wait: std::time::Duration::from_millis(config.password_check_wait_ms),
        },
        secret_key,
        ..Default::default()
    };
    Ok(App::new(db, settings))
}

/// Hides a password in a database URL before it is printed.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let userinfo = &url[scheme + 3..at];
            match userinfo.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use steward_store::on;

    /// Opens a fresh SQLite database with `setting` and reads the pragma back.
    async fn synchronous_of(setting: &str) -> anyhow::Result<i64> {
        let dir = std::env::temp_dir().join(format!(
            "steward-synchronous-{}-{setting}",
            std::process::id()
        ));
        let config = Config {
            data_dir: dir.clone(),
            sqlite_synchronous: setting.into(),
            ..Default::default()
        };
        let opened = open(&config).await;
        let value = match opened {
            Ok(app) => {
                let mut conn = app.db().read().await?;
                let n: i64 = on!(conn.ex(), c => sqlx::query_scalar("PRAGMA synchronous").fetch_one(c).await)?;
                drop(conn);
                app.db().close().await;
                Ok(n)
            }
            Err(e) => Err(e),
        };
        let _ = std::fs::remove_dir_all(dir);
        value
    }

    #[tokio::test]
    async fn sqlite_synchronous_is_the_operators_choice() {
        assert_eq!(synchronous_of("normal").await.unwrap(), 1);
        assert_eq!(synchronous_of("FULL").await.unwrap(), 2);
        assert_eq!(synchronous_of("extra").await.unwrap(), 3);
        let refused = synchronous_of("sometimes").await.unwrap_err();
        assert!(
            refused.to_string().contains("sqlite_synchronous"),
            "{refused}"
        );
    }
}
