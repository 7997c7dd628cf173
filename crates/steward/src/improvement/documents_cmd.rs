//! `steward system documents list`: the register of documented information as a terminal
//! table, for scripts and quick checks without a browser.
use crate::improvement::terminal_table::plain;
use clap::Subcommand;
use std::process::ExitCode;
use steward_app::App;
use steward_domain::Actor;

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Every document with its kind, version in force, review due date and placeholder flag.
    List,
}

pub async fn run(app: &App, command: DocumentsCommand) -> anyhow::Result<ExitCode> {
    let operator = Actor::system("cli");
    match command {
        DocumentsCommand::List => {
            let docs = app.list_documents(&operator, None, None).await?;
            let rows = docs.iter().map(|d| {
                vec![
                    d.id.to_string(),
                    d.kind.as_str().to_owned(),
                    d.title.clone(),
                    d.status.as_str().to_owned(),
                    d.current_version.clone().unwrap_or_else(|| "-".into()),
                    match (&d.review_due_on, d.review_overdue) {
                        (Some(r), true) => format!("{r} OVERDUE"),
                        (Some(r), false) => r.clone(),
                        (None, _) => "-".into(),
                    },
                    if d.placeholder { "yes" } else { "no" }.to_owned(),
                ]
            });
            let header = [
                "ID",
                "KIND",
                "TITLE",
                "STATUS",
                "IN FORCE",
                "REVIEW DUE",
                "PLACEHOLDER",
            ];
            println!("{}", plain(&header, rows));
            Ok(ExitCode::SUCCESS)
        }
    }
}
