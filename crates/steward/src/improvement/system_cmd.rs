//! `steward system documents list`: the register of documented information as a terminal
//! table, for scripts and quick checks without a browser.
use clap::Subcommand;
use std::process::ExitCode;
use steward_app::App;
use steward_domain::Actor;

#[derive(Debug, Subcommand)]
pub enum SystemCommand {
    /// The register of documented information (7.5).
    #[command(subcommand)]
    Documents(DocumentsCommand),
}

#[derive(Debug, Subcommand)]
pub enum DocumentsCommand {
    /// Every document with its kind, version in force, review due date and placeholder flag.
    List,
}

pub async fn run(app: &App, command: SystemCommand) -> anyhow::Result<ExitCode> {
    let operator = Actor::system("cli");
    match command {
        SystemCommand::Documents(DocumentsCommand::List) => {
            let docs = app.list_documents(&operator, None, None).await?;
            let rows: Vec<[String; 7]> = docs
                .iter()
                .map(|d| {
                    [
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
                })
                .collect();
            let header = [
                "ID",
                "KIND",
                "TITLE",
                "STATUS",
                "IN FORCE",
                "REVIEW DUE",
                "PLACEHOLDER",
            ];
            let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
            for r in &rows {
                for (w, c) in widths.iter_mut().zip(r) {
                    *w = (*w).max(c.chars().count());
                }
            }
            let line = |cells: Vec<&str>| {
                cells
                    .iter()
                    .zip(&widths)
                    .map(|(c, w)| format!("{c:<w$}"))
                    .collect::<Vec<_>>()
                    .join("  ")
                    .trim_end()
                    .to_owned()
            };
            println!("{}", line(header.to_vec()));
            for r in &rows {
                println!("{}", line(r.iter().map(String::as_str).collect()));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
