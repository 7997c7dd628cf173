//! `steward doctor`: checks an installation without changing it — configuration, database
//! reachability, schema version, the audit chain, the secret key against the stored mail
//! passwords, and disk space — one line per check, and exits non-zero naming what failed.
use crate::config::{Config, Overrides};
use crate::database::redact;
use clap::Args;
use std::fmt;
use std::net::ToSocketAddrs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;
use steward_app::{App, Settings};
use steward_store::foundation::maintenance;
use steward_store::{Db, DbOptions};

/// Below this much free space writes are about to fail: a failure, not a warning.
const CRITICAL_FREE_MIB: u64 = 64;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Warn when the database's filesystem has less free space than this, in MiB.
    #[arg(long, default_value_t = 1024)]
    pub min_free_mib: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Status {
    Ok,
    Warn,
    Fail,
    Skip,
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Ok => "ok  ",
            Status::Warn => "WARN",
            Status::Fail => "FAIL",
            Status::Skip => "skip",
        })
    }
}

/// Prints each check as it completes and remembers the failures.
#[derive(Default)]
struct Report {
    failed: Vec<&'static str>,
}

impl Report {
    fn line(&mut self, status: Status, check: &'static str, detail: impl fmt::Display) {
        println!("{status} {check}: {detail}");
        if status == Status::Fail {
            self.failed.push(check);
        }
    }

    fn finish(self) -> ExitCode {
        if self.failed.is_empty() {
            ExitCode::SUCCESS
        } else {
            eprintln!("doctor: failed: {}", self.failed.join(", "));
            ExitCode::FAILURE
        }
    }
}

pub async fn run(
    config_file: Option<&Path>,
    overrides: &Overrides,
    args: &DoctorArgs,
) -> anyhow::Result<ExitCode> {
    let mut report = Report::default();
    let Some(config) = check_configuration(&mut report, config_file, overrides) else {
        for check in [
            "database",
            "schema",
            "audit chain",
            "secret key",
            "disk space",
        ] {
            report.line(Status::Skip, check, "needs a valid configuration");
        }
        return Ok(report.finish());
    };
    let url = config.database_url();
    let sqlite = maintenance::sqlite_path(&url).ok().flatten();
    match reach_database(&mut report, &url, sqlite.as_deref()).await {
        Some(db) => {
            check_schema(&mut report, &db, &url).await;
            check_audit_chain(&mut report, &db).await;
            check_secret_key(&mut report, &config, &db).await;
            db.close().await;
        }
        None => {
            for check in ["schema", "audit chain", "secret key"] {
                report.line(Status::Skip, check, "needs the database");
            }
        }
    }
    check_disk_space(&mut report, &config, sqlite.as_deref(), args.min_free_mib);
    Ok(report.finish())
}

fn check_configuration(
    report: &mut Report,
    config_file: Option<&Path>,
    overrides: &Overrides,
) -> Option<Config> {
    let config = match Config::load(config_file, overrides) {
        Ok(config) => config,
        Err(e) => {
            report.line(Status::Fail, "configuration", e);
            return None;
        }
    };
    // A bad listen address fails this check, but the database can still be examined.
    if let Err(reason) = listen_address(&config.listen) {
        report.line(Status::Fail, "configuration", reason);
        return Some(config);
    }
    let listen = format!("listen {}", config.listen);
    let source = config_file
        .map(|f| f.display().to_string())
        .unwrap_or_else(|| "defaults, steward.toml if present, STEWARD_*".to_owned());
    if tracing_subscriber::EnvFilter::try_new(&config.log).is_err() {
        report.line(
            Status::Warn,
            "configuration",
            format!(
                "{source}: {listen}; log filter {:?} is invalid, the server falls back to info",
                config.log
            ),
        );
    } else {
        report.line(Status::Ok, "configuration", format!("{source}: {listen}"));
    }
    Some(config)
}

fn listen_address(listen: &str) -> Result<(), String> {
    match listen.to_socket_addrs().map(|mut addrs| addrs.next()) {
        Ok(Some(_)) => Ok(()),
        Ok(None) => Err(format!("listen {listen:?} names no address")),
        Err(e) => Err(format!("listen {listen:?} is not a host:port address: {e}")),
    }
}

async fn reach_database(report: &mut Report, url: &str, sqlite: Option<&Path>) -> Option<Db> {
    let shown = redact(url);
    if let Some(file) = sqlite
        && !file.exists()
    {
        // Connecting would create an empty database: a doctor changes nothing.
        report.line(
            Status::Fail,
            "database",
            format!(
                "no database at {} (wrong --data-dir or --database-url? `steward migrate` creates one)",
                file.display()
            ),
        );
        return None;
    }
    let options = DbOptions {
        max_connections: 2,
        ..Default::default()
    };
    let reached = async {
        let db = Db::connect(url, &options).await?;
        db.ping().await?;
        Ok::<_, steward_store::StoreError>(db)
    };
    match tokio::time::timeout(CONNECT_TIMEOUT, reached).await {
        Ok(Ok(db)) => {
            report.line(Status::Ok, "database", format!("{shown} answers"));
            Some(db)
        }
        Ok(Err(e)) => {
            report.line(
                Status::Fail,
                "database",
                format!("cannot reach {shown}: {e}"),
            );
            None
        }
        Err(_) => {
            report.line(
                Status::Fail,
                "database",
                format!(
                    "cannot reach {shown}: no answer within {}s",
                    CONNECT_TIMEOUT.as_secs()
                ),
            );
            None
        }
    }
}

async fn check_schema(report: &mut Report, db: &Db, url: &str) {
    let applied = match db.read().await {
        Ok(mut conn) => maintenance::applied_migrations(conn.ex()).await,
        Err(e) => Err(e),
    };
    let applied = match applied {
        Ok(applied) => applied,
        Err(e) => {
            report.line(Status::Fail, "schema", format!("cannot read it: {e}"));
            return;
        }
    };
    let known = Db::migration_versions(url);
    let latest = known.last().copied().unwrap_or(0);
    let unknown: Vec<i64> = applied
        .iter()
        .copied()
        .filter(|v| !known.contains(v))
        .collect();
    let pending = known.iter().filter(|v| !applied.contains(v)).count();
    if !unknown.is_empty() {
        report.line(
            Status::Fail,
            "schema",
            format!(
                "the database has migration(s) {unknown:?} this steward does not know \
                 (it knows up to {latest}): it was written by a newer version; run that version"
            ),
        );
    } else if applied.is_empty() {
        report.line(
            Status::Fail,
            "schema",
            "the database has no Steward schema: run `steward migrate`",
        );
    } else if pending > 0 {
        report.line(
            Status::Fail,
            "schema",
            format!(
                "{pending} migration(s) pending (database at {}, this steward at {latest}): \
                 run `steward migrate`",
                applied.last().copied().unwrap_or(0)
            ),
        );
    } else {
        report.line(
            Status::Ok,
            "schema",
            format!("version {latest}, all {} migrations applied", known.len()),
        );
    }
}

async fn check_audit_chain(report: &mut Report, db: &Db) {
    let app = App::new(db.clone(), Settings::default());
    match app.verify_audit().await {
        Ok(Ok(n)) => report.line(Status::Ok, "audit chain", format!("{n} entries verified")),
        Ok(Err(broken)) => report.line(
            Status::Fail,
            "audit chain",
            format!("BROKEN at entry {}: {}", broken.seq, broken.reason),
        ),
        Err(e) => report.line(Status::Fail, "audit chain", format!("cannot read it: {e}")),
    }
}

/// Whether the key that seals the stored mail passwords is there and opens every one. Only
/// reads: a missing key file is not created here (`serve` creates it).
async fn check_secret_key(report: &mut Report, config: &Config, db: &Db) {
    const CHECK: &str = "secret key";
    let key = match crate::secret_key::load(config, false) {
        Ok(key) => key,
        Err(e) => return report.line(Status::Fail, CHECK, format!("{e:#}")),
    };
    let source = match (&config.secret_key, crate::secret_key::file_for(config)) {
        (Some(_), _) => "secret_key (STEWARD_SECRET_KEY)".to_owned(),
        (None, Ok(file)) => file.display().to_string(),
        (None, Err(e)) => return report.line(Status::Fail, CHECK, format!("{e:#}")),
    };
    let described = key
        .as_ref()
        .map(|k| format!("key {} from {source}", k.id()));
    let app = App::new(
        db.clone(),
        Settings {
            secret_key: key,
            ..Settings::default()
        },
    );
    let checked = match app.mail_password_check().await {
        Ok(checked) => checked,
        Err(e) => {
            return report.line(
                Status::Fail,
                CHECK,
                format!("cannot read the stored mail passwords: {e}"),
            );
        }
    };
    let unreadable: Vec<String> = checked
        .iter()
        .filter_map(|(what, why)| why.as_ref().map(|why| format!("{what}: {why}")))
        .collect();
    let n = checked.len();
    if !unreadable.is_empty() {
        report.line(
            Status::Fail,
            CHECK,
            format!(
                "{} of {n} stored mail password(s) cannot be opened ({}); a restored backup \
                 needs the key it was written with (its secret.key or STEWARD_SECRET_KEY), \
                 and cluster nodes must share one",
                unreadable.len(),
                unreadable.join("; ")
            ),
        );
    } else if let Some(described) = described {
        report.line(
            Status::Ok,
            CHECK,
            format!("{described} opens all {n} stored mail password(s)"),
        );
    } else if n == 0 {
        report.line(
            Status::Ok,
            CHECK,
            format!("none yet and no mail password stored; `steward serve` creates {source}"),
        );
    } else {
        report.line(
            Status::Warn,
            CHECK,
            format!(
                "no key, and {n} mail password(s) stored in plain text (from before \
                 encryption); `steward serve` creates {source} and seals them"
            ),
        );
    }
}

fn check_disk_space(
    report: &mut Report,
    config: &Config,
    sqlite: Option<&Path>,
    min_free_mib: u64,
) {
    // SQLite: the filesystem holding the database (and its WAL). PostgreSQL keeps its data on
    // its own server; the data directory still takes temporary files and exports.
    let place: PathBuf = match sqlite {
        Some(file) => file
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        None if config.data_dir.exists() => config.data_dir.clone(),
        None => {
            report.line(
                Status::Skip,
                "disk space",
                "PostgreSQL keeps its data on its server; check that server's disk",
            );
            return;
        }
    };
    let stats = match rustix::fs::statvfs(&place) {
        Ok(stats) => stats,
        Err(e) => {
            report.line(
                Status::Fail,
                "disk space",
                format!("cannot measure {}: {e}", place.display()),
            );
            return;
        }
    };
    let mib = |blocks: u64| blocks.saturating_mul(stats.f_frsize) / (1024 * 1024);
    let (free, total) = (mib(stats.f_bavail), mib(stats.f_blocks));
    let detail = format!("{free} MiB free of {total} MiB at {}", place.display());
    if free < CRITICAL_FREE_MIB {
        report.line(
            Status::Fail,
            "disk space",
            format!("{detail}: writes will fail soon"),
        );
    } else if free < min_free_mib {
        report.line(
            Status::Warn,
            "disk space",
            format!("{detail}, under the {min_free_mib} MiB threshold"),
        );
    } else {
        report.line(Status::Ok, "disk space", detail);
    }
}
