//! `steward conformity`: the evidence map as a terminal table. Exits 0 when no clause is red
//! and 2 otherwise, so monitoring can run it.
use clap::Args;
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::process::ExitCode;
use steward_app::App;
use steward_domain::improvement::evidence::{Colour, EvidenceMap};

#[derive(Debug, Args)]
pub struct ConformityArgs {
    /// Print the map as JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub async fn run(app: &App, args: ConformityArgs) -> anyhow::Result<ExitCode> {
    let map = app
        .evidence_map()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&map)?);
    } else {
        println!("{}", table(&map));
        let t = &map.totals;
        println!(
            "As of {}: {} green, {} amber, {} red, {} not assessed by Steward.",
            map.as_of, t.green, t.amber, t.red, t.not_assessed
        );
    }
    Ok(if map.any_red() {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    })
}

fn label(colour: Option<Colour>) -> &'static str {
    match colour {
        Some(Colour::Green) => "GREEN",
        Some(Colour::Amber) => "AMBER",
        Some(Colour::Red) => "RED",
        None => "-",
    }
}

/// One row per clause: its colour and why — the reasons that keep it from green, or the
/// evidence when it is green.
pub fn table(map: &EvidenceMap) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_width(120)
        .set_header(["Clause", "Title", "Status", "Why / next step"]);
    for c in &map.clauses {
        let worst = c.colour;
        let why = match &c.not_assessed {
            // The page and the JSON give the full reason; the table stays readable.
            Some(_) => "Not assessed: no records in Steward".to_owned(),
            None if c.depth == 0 || c.checks.is_empty() => String::new(),
            None => c
                .checks
                .iter()
                .filter(|k| Some(k.finding.colour) == worst)
                .map(|k| match &k.finding.next_step {
                    Some(next) => format!("{} → {next}", k.finding.reason),
                    None => k.finding.reason.clone(),
                })
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let indent = "  ".repeat(c.depth);
        table.add_row([
            format!("{indent}{}", c.clause),
            c.title.clone(),
            label(c.colour).to_owned(),
            why,
        ]);
    }
    table
}
