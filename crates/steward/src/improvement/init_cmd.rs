//! `steward init [--template iso20000]`: prepares a database (migrations, the first admin) and
//! seeds a starting configuration. Running it again changes nothing.
use clap::Args;
use std::process::ExitCode;
use steward_app::App;
use steward_domain::Actor;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Seed a starting configuration: `iso20000` (calendar, SLA templates, request
    /// categories, audit programme, management review, …).
    #[arg(long)]
    template: Option<String>,
}

pub async fn run(app: &App, args: InitArgs) -> anyhow::Result<ExitCode> {
    if let Some(password) = app
        .bootstrap_admin()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        println!("Created the first user. Log in as:");
        println!("  username: admin");
        println!("  password: {password}");
    }
    let Some(template) = args.template else {
        println!("Database ready.");
        return Ok(ExitCode::SUCCESS);
    };
    let report = app
        .seed_template(&Actor::system("init"), &template)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if report.created.is_empty() {
        println!("Template {template}: nothing to do, everything is already there.");
    } else {
        println!("Template {template}: created");
        for line in &report.created {
            println!("  + {line}");
        }
    }
    for line in &report.kept {
        println!("  = {line} (already there, left as it was)");
    }
    println!("Run `steward conformity` to see what remains to be done.");
    Ok(ExitCode::SUCCESS)
}
