//! Opening the database a configuration names, for the server and every operator command.
use crate::config::Config;
use anyhow::Context;
use steward_app::{App, HashingLimits, Settings};
use steward_store::{Db, DbOptions};

/// Opens and migrates the database for an operator command.
pub async fn open(config: &Config) -> anyhow::Result<App> {
    let url = config.database_url();
    let db = Db::connect(
        &url,
        &DbOptions {
            max_connections: 4,
            ..Default::default()
        },
    )
    .await
    .with_context(|| format!("opening the database {}", redact(&url)))?;
    db.migrate().await.context("migrating the database")?;
    let settings = Settings {
        session_ttl: jiff::SignedDuration::from_hours(config.session_hours),
        auto_close_after: jiff::SignedDuration::from_hours(config.auto_close_days.max(0) * 24),
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
