//! The command line: every operator command works without a running server.
use crate::config::{Config, Overrides};
use crate::database::open;
use crate::service_level::calendar_cmd::CalendarCommand;
use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;
use steward_app::App;
use steward_domain::foundation::people::{NewUser, OrganizationInput};
use steward_domain::{Actor, Role};

#[derive(Debug, Parser)]
#[command(
    name = "steward",
    version,
    about = "Steward: a service management system for ISO/IEC 20000-1"
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct Global {
    /// Configuration file (default: ./steward.toml when present).
    #[arg(long, global = true, env = "STEWARD_CONFIG")]
    pub config: Option<PathBuf>,
    /// Directory for the embedded SQLite database [default: ./steward-data].
    #[arg(long, global = true)]
    pub data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST/DB (also STEWARD_DATABASE_URL).
    #[arg(long, global = true)]
    pub database_url: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API (migrates the database and creates the first admin if needed).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long)]
        listen: Option<String>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Prepare a database: migrations, the first admin, and optionally a starting
    /// configuration (`--template iso20000`). Running it twice changes nothing.
    Init(crate::improvement::init_cmd::InitArgs),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage organizations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Manage services.
    #[command(subcommand)]
    Service(ImportCommand),
    /// Manage configuration items.
    #[command(subcommand)]
    Ci(ImportCommand),
    /// Check a business calendar: deadlines and elapsed business time (no database needed).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Import history from other service desks.
    #[command(subcommand)]
    Import(HistoryImport),
    /// Print a service report (JSON, CSV or an HTML page with its chart).
    Report(crate::reporting::report_cmd::ReportArgs),
    /// Export data for other tools.
    #[command(subcommand)]
    Export(crate::reporting::export_cmd::ExportCommand),
    /// Print the ISO/IEC 20000-1 evidence map; exits 2 when a clause is red.
    Conformity(crate::improvement::conformity_cmd::ConformityArgs),
    /// The management system's own records: scope, objectives, documented information.
    #[command(subcommand)]
    System(crate::improvement::system_cmd::SystemCommand),
    /// Write a consistent backup of the database while the server keeps running.
    Backup(crate::foundation::backup_cmd::BackupArgs),
    /// Restore a backup as the database (refuses to replace records without --force).
    Restore(crate::foundation::restore_cmd::RestoreArgs),
    /// Check configuration, database, schema version, audit chain and disk space.
    Doctor(crate::foundation::doctor_cmd::DoctorArgs),
    /// Take one email message on standard input (for an MTA pipe); exit 0 accepted,
    /// 75 try later, 67 refused mailbox or sender, 65 unreadable.
    Mailgate(crate::resolution::mailgate_cmd::MailgateArgs),
}

#[derive(Debug, Subcommand)]
pub enum HistoryImport {
    /// Import records from a CSV export with a mapping file or a preset.
    Csv(crate::reporting::import_cmd::CsvImport),
    /// Import records from an XES (IEEE 1849) event log with a mapping file or a preset.
    Xes(crate::reporting::import_cmd::XesImport),
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Create or update records from a JSON or CSV file, all or nothing.
    Import {
        file: PathBuf,
        /// json or csv [default: from the file name's extension].
        #[arg(long)]
        format: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given.
    Create {
        name: String,
        #[arg(long)]
        role: Role,
        /// Organization (name or id); required for customers.
        #[arg(long)]
        org: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Create an organization (a customer).
    Create {
        name: String,
        #[arg(long)]
        description: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an API token for a user and print it (only its hash is stored).
    Create {
        #[arg(long)]
        user: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Verify the hash chain; exits non-zero naming the first bad entry.
    Verify,
}

pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    if let Command::Calendar(command) = &cli.command {
        return crate::service_level::calendar_cmd::run(command);
    }
    let listen = match &cli.command {
        Command::Serve { listen } => listen.clone(),
        _ => None,
    };
    let overrides = Overrides {
        listen,
        data_dir: cli.global.data_dir.clone(),
        database_url: cli.global.database_url.clone(),
    };
    if let Command::Doctor(args) = &cli.command {
        return crate::foundation::doctor_cmd::run(cli.global.config.as_deref(), &overrides, args)
            .await;
    }
    let loaded = Config::load(cli.global.config.as_deref(), &overrides);
    if let Command::Mailgate(args) = cli.command {
        // Every outcome is an exit status an MTA understands, configuration errors included.
        let config = loaded.map_err(|e| e.to_string());
        return Ok(crate::resolution::mailgate_cmd::run(config, args).await);
    }
    let config = loaded.map_err(|e| anyhow::anyhow!("configuration: {e}"))?;
    match cli.command {
        Command::Serve { .. } => crate::serve::serve(config).await,
        // Neither migrates: a backup copies the database as it is, a restore replaces it.
        Command::Backup(args) => crate::foundation::backup_cmd::run(&config, args).await,
        Command::Restore(args) => crate::foundation::restore_cmd::run(&config, args).await,
        // Read and checked before the database is opened: a refused import creates nothing.
        Command::Import(history) => {
            let read = match history {
                HistoryImport::Csv(args) => crate::reporting::import_cmd::read(args).await?,
                HistoryImport::Xes(args) => crate::reporting::import_cmd::read_xes(args).await?,
            };
            let app = open(&config).await?;
            let code = crate::reporting::import_cmd::write(&app, read).await;
            app.db().close().await;
            code
        }
        command => {
            let app = open(&config).await?;
            let code = operate(&app, command).await;
            app.db().close().await;
            code
        }
    }
}

async fn operate(app: &App, command: Command) -> anyhow::Result<ExitCode> {
    let operator = Actor::system("cli");
    match command {
        Command::Serve { .. }
        | Command::Calendar(_)
        | Command::Backup(_)
        | Command::Restore(_)
        | Command::Doctor(_)
        | Command::Mailgate(_)
        | Command::Import(_) => unreachable!("handled by run"),
        Command::Migrate => {
            println!("migrations applied");
        }
        Command::Report(args) => {
            return crate::reporting::report_cmd::run(app, args).await;
        }
        Command::Export(command) => {
            return crate::reporting::export_cmd::run(app, command).await;
        }
        Command::Init(args) => {
            return crate::improvement::init_cmd::run(app, args).await;
        }
        Command::Conformity(args) => {
            return crate::improvement::conformity_cmd::run(app, args).await;
        }
        Command::System(command) => {
            return crate::improvement::system_cmd::run(app, command).await;
        }
        Command::User(UserCommand::Create {
            name,
            role,
            org,
            email,
            display_name,
            password_stdin,
        }) => {
            let organization_id = match org {
                Some(org) => Some(find_org(app, &operator, &org).await?),
                None => None,
            };
            let password = if password_stdin {
                let mut line = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut line)
                    .context("reading the password from stdin")?;
                Some(line.trim_end_matches(['\r', '\n']).to_owned())
            } else {
                None
            };
            let generated = password.is_none();
            let input = steward_domain::foundation::people::UserInput {
                username: name,
                display_name,
                email,
                role,
                organization_id,
                password: Some(match password {
                    Some(p) => p,
                    None => steward_app::foundation::secrets::new_password()?,
                }),
            };
            let new: NewUser = input.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
            let shown = new.password.clone().unwrap_or_default();
            let user = app
                .insert_user(&operator, new)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "created user {} (id {}, role {})",
                user.username, user.id, user.role
            );
            if generated {
                println!("password: {shown}");
            }
        }
        Command::Org(OrgCommand::Create { name, description }) => {
            let org = app
                .create_organization(
                    &operator,
                    OrganizationInput {
                        name,
                        description,
                        email_domain: None,
                    },
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("created organization {} (id {})", org.name, org.id);
        }
        Command::Token(TokenCommand::Create { user, label }) => {
            let (_, secret) = app
                .create_token_for(&operator, &user, &label)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!("{secret}");
        }
        Command::Service(ImportCommand::Import { file, format }) => {
            let (bytes, csv) = read_import(&file, format.as_deref())?;
            let rows = steward_domain::delivery::service::parse_service_import(&bytes, csv)
                .map_err(import_error)?;
            let n = rows.len();
            let summary = app
                .import_services(&operator, rows)
                .await
                .map_err(app_import_error)?;
            app.db().analyze().await?;
            println!(
                "imported {n} services: {} created, {} updated",
                summary.created, summary.updated
            );
        }
        Command::Ci(ImportCommand::Import { file, format }) => {
            let (bytes, csv) = read_import(&file, format.as_deref())?;
            let rows =
                steward_domain::delivery::ci::parse_ci_import(&bytes, csv).map_err(import_error)?;
            let n = rows.len();
            let summary = app
                .import_cis(&operator, rows)
                .await
                .map_err(app_import_error)?;
            app.db().analyze().await?;
            println!(
                "imported {n} CIs: {} created, {} updated, {} relations added",
                summary.created, summary.updated, summary.relations_added
            );
        }
        Command::Audit(AuditCommand::Verify) => {
            return match app
                .verify_audit()
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?
            {
                Ok(n) => {
                    println!("audit chain intact: {n} entries verified");
                    Ok(ExitCode::SUCCESS)
                }
                Err(broken) => {
                    eprintln!(
                        "AUDIT CHAIN BROKEN at entry {}: {}",
                        broken.seq, broken.reason
                    );
                    Ok(ExitCode::from(2))
                }
            };
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn find_org(app: &App, operator: &Actor, org: &str) -> anyhow::Result<i64> {
    if let Ok(id) = org.parse::<i64>()
        && app.get_organization(operator, id).await.is_ok()
    {
        return Ok(id);
    }
    let page = app
        .list_organizations(
            operator,
            steward_store::foundation::orgs::Filter {
                q: Some(org.to_owned()),
                ..Default::default()
            },
            steward_domain::foundation::page::PageRequest {
                limit: 500,
                offset: 0,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    match page.items.iter().find(|o| o.name.eq_ignore_ascii_case(org)) {
        Some(o) => Ok(o.id),
        None => bail!(
            "no organization named {org:?}; create it first with `steward org create {org:?}`"
        ),
    }
}

fn read_import(file: &std::path::Path, format: Option<&str>) -> anyhow::Result<(Vec<u8>, bool)> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let format = format
        .map(str::to_ascii_lowercase)
        .or_else(|| {
            file.extension()
                .and_then(|e| e.to_str())
                .map(str::to_ascii_lowercase)
        })
        .unwrap_or_default();
    match format.as_str() {
        "csv" => Ok((bytes, true)),
        "json" => Ok((bytes, false)),
        other => bail!(
            "cannot tell the format of {} ({other:?}); pass --format json or --format csv",
            file.display()
        ),
    }
}

/// Every bad row, one per line; nothing was imported.
fn import_error(invalid: steward_domain::Invalid) -> anyhow::Error {
    let lines: Vec<String> = invalid
        .0
        .iter()
        .map(|e| format!("  {}: {}", e.field, e.message))
        .collect();
    anyhow::anyhow!(
        "nothing was imported; fix these rows:\n{}",
        lines.join("\n")
    )
}

fn app_import_error(e: steward_app::AppError) -> anyhow::Error {
    match e {
        steward_app::AppError::Invalid(invalid) => import_error(invalid),
        other => anyhow::anyhow!("nothing was imported: {other}"),
    }
}
