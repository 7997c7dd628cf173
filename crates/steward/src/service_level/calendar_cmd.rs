//! `steward calendar`: an administrator checks a business calendar's deadlines and elapsed
//! business time. Reads only the files it is given: no configuration, no database.
use anyhow::Context;
use clap::{Args, Subcommand};
use jiff::Timestamp;
use std::path::PathBuf;
use std::process::ExitCode;
use steward_domain::Invalid;
use steward_domain::service_level::calendar::{
    Calendar, CalendarSpec, holidays_from_ics, parse_duration,
};

#[derive(Debug, Subcommand)]
pub enum CalendarCommand {
    /// Print the deadline for an amount of business time from a start, as RFC 3339 UTC.
    Due {
        #[command(flatten)]
        calendar: CalendarFiles,
        /// The start: an RFC 3339 instant with its offset, e.g. 2026-03-27T16:00:00+01:00.
        #[arg(long)]
        start: String,
        /// Business time: 28800s, 90m, 8h or 1h30m.
        #[arg(long)]
        duration: String,
    },
    /// Print the business time between two instants, in whole seconds.
    Elapsed {
        #[command(flatten)]
        calendar: CalendarFiles,
        /// RFC 3339 instant with its offset.
        #[arg(long)]
        from: String,
        /// RFC 3339 instant with its offset (before --from gives a negative number).
        #[arg(long)]
        to: String,
    },
}

#[derive(Debug, Args)]
pub struct CalendarFiles {
    /// The calendar as JSON: {"name", "time_zone", "hours": {"mon": [["09:00","17:00"]], …},
    /// "holidays": ["2026-12-25", …]}.
    #[arg(long, value_name = "FILE")]
    calendar: PathBuf,
    /// More holidays from an iCalendar (.ics) file: the dates of its events. Repeatable.
    #[arg(long, value_name = "FILE")]
    holidays_ics: Vec<PathBuf>,
}

pub fn run(command: &CalendarCommand) -> anyhow::Result<ExitCode> {
    match command {
        CalendarCommand::Due {
            calendar,
            start,
            duration,
        } => {
            let calendar = load(calendar)?;
            let start = instant("--start", start)?;
            let seconds =
                parse_duration(duration).map_err(|e| anyhow::anyhow!("--duration: {e}"))?;
            let due = calendar
                .due(start, seconds)
                .with_context(|| format!("no deadline in calendar {:?}", calendar.name()))?;
            println!("{due}");
        }
        CalendarCommand::Elapsed { calendar, from, to } => {
            let calendar = load(calendar)?;
            let (from, to) = (instant("--from", from)?, instant("--to", to)?);
            let seconds = calendar
                .elapsed(from, to)
                .with_context(|| format!("no elapsed time in calendar {:?}", calendar.name()))?;
            println!("{seconds}");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn instant(flag: &str, text: &str) -> anyhow::Result<Timestamp> {
    text.trim().parse().map_err(|e| {
        anyhow::anyhow!(
            "{flag} {text:?} is not an RFC 3339 instant with an offset, like 2026-03-27T16:00:00+01:00 or 2026-03-27T15:00:00Z ({e})"
        )
    })
}

fn load(files: &CalendarFiles) -> anyhow::Result<Calendar> {
    let path = &files.calendar;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the calendar {}", path.display()))?;
    let spec: CalendarSpec = serde_json::from_str(&text)
        .with_context(|| format!("{} is not a calendar in JSON", path.display()))?;
    let mut calendar = spec
        .parse()
        .map_err(|e| invalid(&format!("the calendar {}", path.display()), e))?;
    for ics in &files.holidays_ics {
        let text = std::fs::read_to_string(ics)
            .with_context(|| format!("reading the iCalendar file {}", ics.display()))?;
        let dates = holidays_from_ics(&text)
            .map_err(|e| invalid(&format!("the iCalendar file {}", ics.display()), e))?;
        calendar.add_holidays(dates);
    }
    Ok(calendar)
}

/// Every problem, one per line.
fn invalid(what: &str, invalid: Invalid) -> anyhow::Error {
    let lines: Vec<String> = invalid
        .0
        .iter()
        .map(|e| format!("  {}: {}", e.field, e.message))
        .collect();
    anyhow::anyhow!("{what} is not valid:\n{}", lines.join("\n"))
}
