//! Configuration: defaults, then `steward.toml`, then `STEWARD_*` variables, then flags.
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address to serve HTTP on.
    pub listen: String,
    /// Where the embedded SQLite database (and its lock file) live.
    pub data_dir: PathBuf,
    /// `sqlite://PATH` or `postgres://…`; default: SQLite in `data_dir`.
    pub database_url: Option<String>,
    /// Mark the session cookie Secure (serve over HTTPS, or behind a TLS proxy).
    pub secure_cookies: bool,
    /// Take the client address from X-Forwarded-For (only behind a trusted proxy).
    pub trust_forwarded_for: bool,
    /// Database connections per node.
    pub max_connections: u32,
    /// Hours a web session lasts.
    pub session_hours: i64,
    /// Days after which a resolved incident closes unless the requester reopens it.
    pub auto_close_days: i64,
    /// Largest attachment accepted, in MiB.
    pub attachment_max_mib: u64,
    /// Password checks run at once (each takes about 19 MiB); default: one per core.
    pub password_checks_at_once: Option<usize>,
    /// Milliseconds a login waits for a free password check before it is refused with 503.
    pub password_check_wait_ms: u64,
    /// `tracing` filter, e.g. `info` or `steward=debug,tower_http=info`.
    pub log: String,
    /// SQLite's `synchronous` setting under WAL: `off`, `normal`, `full` or `extra`.
    pub sqlite_synchronous: String,
    /// Seconds between rounds of every background job instead of each job's own interval
    /// (10–600 s); for test harnesses that need SLA scans and reports to run quickly.
    pub job_interval_seconds: Option<u64>,
    /// Open tickets whose deadlines a changed SLA or calendar recomputes in its own request;
    /// beyond this the background job does them, in batches.
    pub clock_recompute_inline: usize,
    /// Seconds a client has to send a request's head (and a kept-alive connection may wait
    /// for its next request).
    pub header_read_timeout_secs: u64,
    /// Seconds a connection may sit with no request in progress and no byte moving.
    pub idle_timeout_secs: u64,
    /// Seconds to handle a request, counted from the last byte of its body.
    pub request_timeout_secs: u64,
    /// Seconds a request body may stall (no byte arriving) before the request gets 408.
    pub body_read_timeout_secs: u64,
    /// Open HTTP connections at most (kept below the open-file limit).
    pub max_http_connections: usize,
    /// Serve `/metrics` on this address instead of on `listen`.
    pub metrics_listen: Option<String>,
    /// Require `Authorization: Bearer <token>` on `/metrics`.
    pub metrics_token: Option<String>,
    /// The key (64 hex digits) that encrypts stored mail passwords; unset: `secret.key`
    /// beside the database (see `secret_key`). Nodes sharing a database must share it.
    pub secret_key: Option<Redacted>,
}

/// A configured secret: read where it is used, never printed with the configuration.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Redacted(String);

impl Redacted {
    #[cfg(test)]
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Redacted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("./steward-data"),
            database_url: None,
            secure_cookies: false,
            trust_forwarded_for: false,
            max_connections: 16,
            session_hours: 12,
            auto_close_days: 5,
            attachment_max_mib: 10,
            password_checks_at_once: None,
            password_check_wait_ms: 2000,
            log: "info".into(),
            sqlite_synchronous: "normal".into(),
            job_interval_seconds: None,
            clock_recompute_inline: 500,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 60,
            request_timeout_secs: 30,
            body_read_timeout_secs: 30,
            max_http_connections: 1024,
            metrics_listen: None,
            metrics_token: None,
            secret_key: None,
        }
    }
}

/// Values given on the command line; only those present override.
#[derive(Debug, Default, Serialize)]
pub struct Overrides {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
}

impl Config {
    pub fn load(file: Option<&Path>, overrides: &Overrides) -> Result<Config, Box<figment::Error>> {
        let explicit = file.is_some();
        let file = file
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("steward.toml"));
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if explicit || file.exists() {
            figment = figment.merge(Toml::file_exact(&file));
        }
        figment
            .merge(Env::prefixed("STEWARD_").ignore(&["config", "test_database_url"]))
            .merge(Serialized::defaults(overrides))
            .extract()
            .map_err(Box::new)
    }

    /// What the router needs to know of the configuration.
    pub fn web_options(&self) -> steward_web::WebOptions {
        steward_web::WebOptions {
            secure_cookies: self.secure_cookies,
            trust_forwarded_for: self.trust_forwarded_for,
            request_timeout: Duration::from_secs(self.request_timeout_secs.max(1)),
            body_read_timeout: Duration::from_secs(self.body_read_timeout_secs.max(1)),
            serve_metrics: self.metrics_listen.is_none(),
            metrics_token: self.metrics_token.clone().filter(|t| !t.is_empty()),
        }
    }

    /// The server's connection timeouts and limit.
    pub fn serve_options(&self) -> steward_web::ServeOptions {
        steward_web::ServeOptions {
            header_read_timeout: Duration::from_secs(self.header_read_timeout_secs.max(1)),
            idle_timeout: Duration::from_secs(self.idle_timeout_secs.max(1)),
            max_connections: self.max_http_connections.max(1),
        }
    }

    /// The database to open: the configured URL, or SQLite inside the data directory.
    pub fn database_url(&self) -> String {
        match &self.database_url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}", self.data_dir.join("steward.db").display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_beat_environment_beat_file_beat_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_file(
                "steward.toml",
                "listen = \"0.0.0.0:1\"\nlog = \"debug\"\nsession_hours = 2",
            )?;
            jail.set_env("STEWARD_LISTEN", "0.0.0.0:2");
            jail.set_env("STEWARD_SESSION_HOURS", "3");
            let c = Config::load(None, &Overrides::default()).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:2");
            assert_eq!(c.log, "debug");
            assert_eq!(c.session_hours, 3);
            assert_eq!(c.max_connections, 16);
            let flags = Overrides {
                listen: Some("0.0.0.0:3".into()),
                ..Default::default()
            };
            let c = Config::load(None, &flags).map_err(|e| e.to_string())?;
            assert_eq!(c.listen, "0.0.0.0:3");
            Ok(())
        });
    }

    #[test]
    fn a_metrics_address_takes_metrics_off_the_main_listener() {
        let c = Config::default();
        assert!(c.web_options().serve_metrics);
        let c = Config {
            metrics_listen: Some("127.0.0.1:9100".into()),
            metrics_token: Some(String::new()),
            header_read_timeout_secs: 0,
            ..Default::default()
        };
        assert!(!c.web_options().serve_metrics);
        // An empty token is no token; a zero timeout would close every connection at once.
        assert_eq!(c.web_options().metrics_token, None);
        assert_eq!(
            c.serve_options().header_read_timeout,
            Duration::from_secs(1)
        );
    }

    #[test]
    fn default_database_is_sqlite_in_the_data_dir() {
        let c = Config {
            data_dir: "/tmp/x".into(),
            ..Default::default()
        };
        assert_eq!(c.database_url(), "sqlite:///tmp/x/steward.db");
    }
}
