//! `steward system scope show` and `steward system objectives list`: what an operator checks
//! from a script, printed as plain terminal tables.
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

/// Columns padded to their widest cell (counted in characters), separated by two spaces.
fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c}{}", " ".repeat(w - c.chars().count())))
            .collect();
        padded.join("  ").trim_end().to_owned() + "\n"
    };
    let mut out = line(headers.to_vec());
    out += &line(
        widths
            .iter()
            .map(|w| "-".repeat(*w))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect(),
    );
    for r in rows {
        out += &line(r.iter().map(String::as_str).collect());
    }
    out
}

fn dash(v: Option<impl ToString>) -> String {
    v.map_or_else(|| "-".into(), |v| v.to_string())
}

pub async fn run(app: &App, command: SystemCommand) -> anyhow::Result<ExitCode> {
    let operator = Actor::system("cli");
    match command {
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
            print!(
                "{}",
                table(
                    &[
                        "version",
                        "status",
                        "services",
                        "customers",
                        "owner",
                        "review due",
                        "approved at"
                    ],
                    &rows
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
                print!(
                    "{}",
                    table(
                        &[
                            "number",
                            "title",
                            "status",
                            "target",
                            "target date",
                            "figure now"
                        ],
                        &rows
                    )
                );
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn columns_line_up_by_characters() {
        let t = super::table(&["a", "bb"], &[vec!["ééé".into(), "x".into()]]);
        assert_eq!(t, "a    bb\n---  --\nééé  x\n");
    }
}
