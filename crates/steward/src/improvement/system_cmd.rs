//! `steward system scope show`, `steward system objectives list` and `steward system
//! documents list`: what an operator checks from a script, printed as plain terminal tables.
use crate::improvement::documents_cmd::DocumentsCommand;
use crate::improvement::terminal_table::plain;
use anyhow::anyhow;
use clap::Subcommand;
use std::process::ExitCode;
use steward_app::{App, AppError};
use steward_domain::Actor;
use steward_domain::improvement::objective::{Direction, ObjectiveStatus};
use steward_domain::improvement::system_document::{DocumentKind, DocumentStatus};

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// The SMS scope.
    #[command(subcommand)]
    Scope(ScopeCommand),
    /// Service management objectives.
    #[command(subcommand)]
    Objectives(ObjectivesCommand),
    /// The register of documented information (7.5).
    #[command(subcommand)]
    Documents(DocumentsCommand),
}

#[derive(Debug, Subcommand)]
pub enum ScopeCommand {
    /// Print every version of the scope, newest first, and the text of the newest.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum ObjectivesCommand {
    /// Print the objectives with their target and the tied figure's value now.
    List {
        /// open, achieved, missed or withdrawn.
        #[arg(long)]
        status: Option<String>,
    },
}

fn dash(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

pub async fn run(app: &App, command: SystemCommand) -> anyhow::Result<ExitCode> {
    let operator = Actor::system("cli");
    match command {
        SystemCommand::Documents(command) => {
            return crate::improvement::documents_cmd::run(app, command).await;
        }
        SystemCommand::Scope(ScopeCommand::Show) => {
            let versions = app
                .system_document_versions(&operator, DocumentKind::Scope)
                .await
                .map_err(|e| anyhow!("{e}"))?;
            let Some(newest) = versions.first() else {
                println!("no SMS scope yet");
                return Ok(ExitCode::SUCCESS);
            };
            let rows: Vec<Vec<String>> = versions
                .iter()
                .map(|v| {
                    vec![
                        v.version.to_string(),
                        v.status.as_str().into(),
                        v.service_ids.len().to_string(),
                        v.organization_ids.len().to_string(),
                        dash(v.owner_id),
                        dash(v.review_due_on.clone()),
                        dash(v.approved_at.clone()),
                    ]
                })
                .collect();
            println!(
                "{}",
                plain(
                    &[
                        "version",
                        "status",
                        "services",
                        "customers",
                        "owner",
                        "review due",
                        "approved at"
                    ],
                    rows
                )
            );
            println!(
                "\nversion {} ({}):\n{}",
                newest.version,
                if newest.status == DocumentStatus::Approved {
                    "in force"
                } else {
                    "draft"
                },
                newest.text
            );
            if let Some(x) = &newest.exclusions {
                println!("exclusions: {x}");
            }
        }
        SystemCommand::Objectives(ObjectivesCommand::List { status }) => {
            let status =
                match status.as_deref() {
                    None => None,
                    Some(s) => Some(ObjectiveStatus::parse(s).ok_or_else(|| {
                        anyhow!("--status: one of {}", ObjectiveStatus::choices())
                    })?),
                };
            let list = app
                .list_objectives(&operator, status)
                .await
                .map_err(|e: AppError| anyhow!("{e}"))?;
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|o| {
                    let target = match (o.direction, o.target_value) {
                        (Some(Direction::AtLeast), Some(t)) => format!(">= {t}"),
                        (Some(Direction::AtMost), Some(t)) => format!("<= {t}"),
                        _ => "-".into(),
                    };
                    vec![
                        o.number.clone(),
                        o.title.clone(),
                        o.status.as_str().into(),
                        target,
                        dash(o.target_date.clone()),
                        o.current.as_ref().map_or_else(
                            || "-".into(),
                            |c| format!("{}: {}", c.figure.as_str(), c.summary),
                        ),
                    ]
                })
                .collect();
            if rows.is_empty() {
                println!("no objectives");
            } else {
                println!(
                    "{}",
                    plain(
                        &[
                            "number",
                            "title",
                            "status",
                            "target",
                            "target date",
                            "figure now"
                        ],
                        rows
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
