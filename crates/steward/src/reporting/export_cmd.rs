//! `steward export events`: the event log of records for process-mining tools, as CSV or XES,
//! streamed page by page so a large history never sits in memory at once.
use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use steward_app::App;
use steward_domain::Actor;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::ticket::TicketKind;
use steward_reports::eventlog::{CsvLog, LogRow, TeamTrail, XesLog, activity, is_case_activity};

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// The event log (case id, activity, timestamp, resource, attributes) as CSV or XES.
    Events(EventsArgs),
}

#[derive(Debug, Args)]
pub struct EventsArgs {
    /// csv or xes (IEEE 1849).
    #[arg(long, default_value = "csv")]
    pub format: String,
    /// Only records of this kind: incident, request or problem.
    #[arg(long)]
    pub kind: Option<String>,
    /// Write to this file instead of standard output.
    #[arg(long)]
    pub output: Option<PathBuf>,
}

const PAGE: i64 = 20_000;

pub async fn run(app: &App, command: ExportCommand) -> anyhow::Result<ExitCode> {
    let ExportCommand::Events(args) = command;
    let kind = match args.kind.as_deref() {
        None => None,
        Some(k) => Some(
            TicketKind::parse(k)
                .with_context(|| format!("--kind {k:?}: incident, request or problem"))?,
        ),
    };
    let out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        ),
        None => Box::new(std::io::stdout().lock()),
    };
    let out = BufWriter::new(out);
    enum Sink<W: Write> {
        Csv(Box<CsvLog<W>>),
        Xes(XesLog<W>),
    }
    let mut sink = match args.format.as_str() {
        "csv" => Sink::Csv(Box::new(CsvLog::new(out)?)),
        "xes" => Sink::Xes(XesLog::new(out, "Steward event log")?),
        other => bail!("--format {other:?}: csv or xes"),
    };
    let actor = Actor::system("export");
    let teams = app
        .event_log_teams(&actor)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut trail = TeamTrail::default();
    let mut after = (0, 0);
    let mut written = 0u64;
    loop {
        let page = app
            .event_log(&actor, kind, after, PAGE)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        for e in &page {
            // Every event moves the trail, the `imported` marker included (it names the
            // record's last team), but only the case's activities are written.
            let team = trail.step(e.ticket_id, e.detail.as_deref(), |id| {
                teams.get(&id).cloned()
            });
            if !is_case_activity(&e.event) {
                continue;
            }
            let row = LogRow {
                case_id: e.number.clone(),
                kind: e.kind.clone(),
                priority: e.priority,
                activity: activity(&e.event, e.to_status.as_deref()),
                timestamp: rfc3339_micros(e.at),
                resource: e.actor.clone(),
                from_status: e.from_status.clone(),
                to_status: e.to_status.clone(),
                team,
            };
            match &mut sink {
                Sink::Csv(log) => log.event(&row)?,
                Sink::Xes(log) => log.event(&row)?,
            }
            written += 1;
        }
        match page.last() {
            Some(last) if page.len() as i64 == PAGE => after = (last.ticket_id, last.id),
            _ => break,
        }
    }
    match sink {
        Sink::Csv(log) => log.finish()?,
        Sink::Xes(log) => {
            log.finish()?.flush()?;
        }
    }
    if args.output.is_some() {
        eprintln!("exported {written} events");
    }
    Ok(ExitCode::SUCCESS)
}
