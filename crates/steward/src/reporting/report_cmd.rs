//! `steward report NAME`: the API's reports from the command line, as JSON, CSV or HTML.
use anyhow::Context;
use clap::Args;
use std::path::PathBuf;
use std::process::ExitCode;
use steward_app::App;
use steward_domain::Actor;
use steward_domain::reporting::report::ReportParams;

#[derive(Debug, Args)]
pub struct ReportArgs {
    /// volumes, sla-compliance, resolution-times, rates, backlog-aging, problems, workload,
    /// availability, satisfaction or changes.
    pub name: String,
    /// Start of the period: YYYY-MM-DD or RFC 3339 [default: 30 days before --to].
    #[arg(long)]
    pub from: Option<String>,
    /// End of the period (exclusive) [default: now].
    #[arg(long)]
    pub to: Option<String>,
    /// day, week or month [default: by the period's length].
    #[arg(long)]
    pub grouping: Option<String>,
    #[arg(long)]
    pub service_id: Option<i64>,
    #[arg(long)]
    pub organization_id: Option<i64>,
    #[arg(long)]
    pub team_id: Option<i64>,
    #[arg(long)]
    pub priority: Option<i64>,
    /// incident, request or problem [default: incident].
    #[arg(long)]
    pub kind: Option<String>,
    /// SLA compliance: sla, service, customer or priority.
    #[arg(long)]
    pub by: Option<String>,
    /// SLA compliance: target percent drawn on the chart.
    #[arg(long)]
    pub target: Option<f64>,
    /// json, csv or html.
    #[arg(long, default_value = "json")]
    pub format: String,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

pub async fn run(app: &App, args: ReportArgs) -> anyhow::Result<ExitCode> {
    let params = ReportParams {
        from: args.from,
        to: args.to,
        grouping: args.grouping,
        service_id: args.service_id,
        organization_id: args.organization_id,
        team_id: args.team_id,
        priority: args.priority,
        kind: args.kind,
        by: args.by,
        target: args.target,
        format: None,
    };
    let report = app
        .report(&Actor::system("cli"), &args.name, &params)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let text = match args.format.as_str() {
        "json" => serde_json::to_string_pretty(&report)? + "\n",
        "csv" => steward_reports::csv(&report)?,
        "html" => steward_reports::page(&report),
        other => anyhow::bail!("--format {other:?}: one of json, csv, html"),
    };
    match args.output {
        Some(path) => {
            std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?
        }
        None => print!("{text}"),
    }
    Ok(ExitCode::SUCCESS)
}
