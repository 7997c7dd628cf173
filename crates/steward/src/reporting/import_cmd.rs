//! `steward import csv` and `steward import xes`: read an export (plain, `.gz` or `.xz`), fold
//! its rows into records with the mapping, report bad rows by line, then write every good
//! record in one transaction.
//!
//! Memory holds the records in flight, not the file. A first pass, before the database is
//! opened, reads every row, spills the good ones to temporary files split by key
//! (`import_spill`), and folds each record from them once to find every refusal: a refused
//! mapping, a `--strict` bad row or a record that cannot be built creates nothing, not even
//! the database file. The second pass folds the records again, bucket by bucket, and writes
//! them in batches into one transaction, which commits at the end — or rolls back whole when
//! `--strict` meets a record refused for its references. Without `--allow-skipped` a run
//! that skipped rows or has warnings exits non-zero.
use super::import_source::{CsvRows, RawRow, RowSource, SourceError, compression, open};
use super::import_spill::{Spill, Spilled, SpilledRow};
use super::xes_source::XesRows;
use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::Digest;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steward_app::App;
use steward_app::reporting::imports::ImportOptions;
use steward_domain::Actor;
use steward_domain::reporting::history::{ImportedRecord, Mapping, Reader, RowError};
use steward_store::reporting::imports::Load;

/// What every history import takes besides its file.
#[derive(Debug, Args)]
pub struct ImportFlags {
    /// Mapping file (TOML) saying how columns become fields.
    #[arg(long, conflicts_with = "preset", required_unless_present = "preset")]
    pub mapping: Option<PathBuf>,
    /// A mapping shipped with Steward (listed in --help).
    #[arg(long, long_help = presets_help())]
    pub preset: Option<String>,
    /// Abort (importing nothing) on the first bad row instead of skipping it.
    #[arg(long)]
    pub strict: bool,
    /// Exit 0 even when rows or records were skipped or reported (exit code 3 otherwise).
    #[arg(long, conflicts_with = "strict")]
    pub allow_skipped: bool,
    /// Print the summary as JSON.
    #[arg(long)]
    pub json: bool,
    /// PostgreSQL only: send the created records' rows with COPY FROM STDIN instead of
    /// multi-row INSERT — the same rows, for bulk loads (the benchmarks seed with it).
    /// Refused on SQLite.
    #[arg(long)]
    pub copy: bool,
}

#[derive(Debug, Args)]
#[command(after_long_help = vocabulary_help())]
pub struct CsvImport {
    /// The export: CSV with a header line, optionally compressed (.gz, .xz).
    pub input: PathBuf,
    #[command(flatten)]
    pub flags: ImportFlags,
}

#[derive(Debug, Args)]
#[command(after_long_help = xes_help())]
pub struct XesImport {
    /// The event log: XES (IEEE 1849), optionally compressed (.gz, .xz).
    pub input: PathBuf,
    #[command(flatten)]
    pub flags: ImportFlags,
}

/// The exit code of an import that wrote the good records but skipped or flagged others.
const SKIPPED_EXIT: u8 = 3;

fn vocabulary_help() -> String {
    format!(
        "{}\nExit codes: 0 imported; 1 refused (nothing imported); {SKIPPED_EXIT} imported, but rows or records were skipped or reported (0 with --allow-skipped).",
        steward_domain::reporting::history::vocabulary::help()
    )
}

/// One line per shipped preset, for `--preset`'s help.
fn presets_help() -> String {
    let mut text = String::from("A mapping shipped with Steward instead of --mapping:\n");
    for name in Mapping::PRESETS {
        let about = PRESET_ABOUT
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, about)| *about)
            .unwrap_or("");
        text.push_str(&format!("  {name}: {about}\n"));
    }
    text
}

const PRESET_ABOUT: &[(&str, &str)] = &[
    (
        "servicenow-incident",
        "ServiceNow incident audit export (CSV, one snapshot row per update)",
    ),
    (
        "jira-service-management",
        "Jira Service Management issue search export (CSV, one row per issue)",
    ),
    (
        "zammad",
        "Zammad ticket export (CSV from the ticket overview or report, one row per ticket)",
    ),
    (
        "glpi",
        "GLPI ticket list export (CSV with ';', one row per ticket)",
    ),
    (
        "request-tracker",
        "Request Tracker ticket search export (CSV, one row per ticket)",
    ),
    (
        "event-log",
        "any case/activity/timestamp/resource event log (CSV or XES)",
    ),
];

fn xes_help() -> String {
    format!(
        "Each <event> is one row; the mapping names event attributes as columns \
(concept:name, time:timestamp, org:resource, lifecycle:transition, or any other key) and \
the attributes of its <trace> with the prefix case: (the trace's name is case:concept:name). \
Nested attributes and <global> defaults are not read. Errors name the event by its line, \
trace and position in the trace.\n\n{}",
        vocabulary_help()
    )
}

fn load_mapping(args: &ImportFlags) -> anyhow::Result<Mapping> {
    if let Some(name) = &args.preset {
        return Mapping::preset(name).with_context(|| {
            format!(
                "no preset named {name:?} (presets: {})",
                Mapping::PRESETS.join(", ")
            )
        });
    }
    let path = args
        .mapping
        .as_ref()
        .context("--mapping or --preset is required")?;
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the mapping {}", path.display()))?;
    Mapping::parse(&text).map_err(|e| {
        anyhow::anyhow!(
            "the mapping {} is not valid:\n{}",
            path.display(),
            e.0.iter()
                .map(|f| format!("  {}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

/// The columns a mapping reads, each once, in the order it names them: an XES file has no
/// header, so these are the cells each event is presented as.
fn mapping_columns(mapping: &Mapping) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    let mut add = |c: &str| {
        if !columns.iter().any(|k| k == c) {
            columns.push(c.to_owned());
        }
    };
    add(&mapping.key);
    if let Some(order) = &mapping.order_by {
        add(order);
    }
    for source in mapping.fields.values() {
        for c in source.columns() {
            add(c);
        }
    }
    for c in &mapping.attributes {
        add(c);
    }
    columns
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xes,
}

/// Roughly how many bytes the rows take once decompressed, to size the spill.
fn expected_bytes(path: &Path) -> u64 {
    let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    match compression(path) {
        super::import_source::Compression::Xz => size.saturating_mul(24),
        super::import_source::Compression::Gzip => size.saturating_mul(8),
        super::import_source::Compression::None => size,
    }
}

/// Everything the first pass found: the good rows (spilled), the rows and records refused,
/// and the counts.
pub struct Checked {
    reader: Reader,
    spilled: Spilled,
    pub bad_rows: Vec<RowError>,
    /// Records imported but flagged (closed without a closed time).
    pub warnings: Vec<RowError>,
    pub rows: u64,
    pub records: u64,
    pub file_sha256: String,
}

/// A record's spilled rows read again and folded.
fn assemble(reader: &Reader, rows: Vec<SpilledRow>) -> Result<ImportedRecord, RowError> {
    let mut read = Vec::with_capacity(rows.len());
    for r in rows {
        let cells: Vec<&str> = r.cells.iter().collect();
        read.push(reader.row(r.line, &cells)?);
    }
    reader.assemble(read)
}

/// The first pass: reads and checks the whole file without a database.
pub fn check(
    format: Format,
    mapping: Mapping,
    input: &Path,
    strict: bool,
    progress: ProgressBar,
) -> anyhow::Result<Checked> {
    let (file, hash) = open(input, progress)?;
    let mut source: Box<dyn RowSource> = match format {
        Format::Csv => Box::new(CsvRows::new(file)?),
        Format::Xes => Box::new(XesRows::new(file, mapping_columns(&mapping))),
    };
    let header_refs: Vec<&str> = source.header().iter().map(String::as_str).collect();
    let reader = Reader::new(mapping, &header_refs).map_err(|e| {
        anyhow::anyhow!(
            "the mapping does not fit the file's header:\n{}",
            e.0.iter()
                .map(|f| format!("  {}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let mut spill = Spill::new(expected_bytes(input)).context("creating temporary files")?;
    let mut bad_rows = Vec::new();
    let mut rows = 0u64;
    let mut raw = RawRow::default();
    loop {
        match source.next_row(&mut raw) {
            Ok(false) => break,
            Ok(true) => {}
            Err(SourceError::Fatal(e)) => bail!("{e}; nothing was imported"),
            Err(SourceError::Bad(e)) if strict => bail!("{e}; nothing was imported (--strict)"),
            Err(SourceError::Bad(e)) => {
                bad_rows.push(e);
                continue;
            }
        }
        rows += 1;
        let cells: Vec<&str> = raw.cells.iter().collect();
        match reader.row(raw.line, &cells) {
            Ok(row) => spill
                .push(&row.key, raw.line, &raw.cells)
                .context("writing a temporary file")?,
            Err(e) => {
                let e = raw.error(e.message);
                if strict {
                    bail!("{e}; nothing was imported (--strict)");
                }
                bad_rows.push(e);
            }
        }
    }
    drop(source);
    let mut spilled = spill.finish().context("writing a temporary file")?;
    let mut warnings = Vec::new();
    let mut records = 0u64;
    for i in 0..spilled.buckets() {
        let bucket = spilled.bucket(i).context("reading a temporary file")?;
        for rows in bucket.into_records() {
            match assemble(&reader, rows) {
                Ok(r) => {
                    records += 1;
                    warnings.extend(r.warnings);
                }
                Err(e) if strict => bail!("{e}; nothing was imported (--strict)"),
                Err(e) => bad_rows.push(e),
            }
        }
    }
    let file_sha256 = hash
        .lock()
        .map(|h| hex::encode(h.clone().finalize()))
        .unwrap_or_default();
    Ok(Checked {
        reader,
        spilled,
        bad_rows,
        warnings,
        rows,
        records,
        file_sha256,
    })
}

/// A file read and checked, ready to be written.
pub struct ReadImport {
    flags: ImportFlags,
    options: ImportOptions,
    checked: Checked,
}

/// Reads and checks the mapping and the whole CSV file; needs no database, so a refusal
/// here leaves nothing behind.
pub async fn read(args: CsvImport) -> anyhow::Result<ReadImport> {
    read_file(Format::Csv, args.input, args.flags).await
}

/// As [`read`], for an XES event log.
pub async fn read_xes(args: XesImport) -> anyhow::Result<ReadImport> {
    read_file(Format::Xes, args.input, args.flags).await
}

async fn read_file(
    format: Format,
    input: PathBuf,
    flags: ImportFlags,
) -> anyhow::Result<ReadImport> {
    let mapping = load_mapping(&flags)?;
    let size = std::fs::metadata(&input)
        .with_context(|| format!("reading {}", input.display()))?
        .len();
    let progress = if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(size);
        bar.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("reading");
        bar
    } else {
        ProgressBar::hidden()
    };
    let options = ImportOptions {
        source: mapping.source.clone(),
        kind: mapping.kind,
        create_teams: mapping.create_teams,
        create_organizations: mapping.create_organizations,
        strict: flags.strict,
        file_sha256: String::new(),
        load: if flags.copy { Load::Copy } else { Load::Insert },
    };
    let strict = flags.strict;
    let bar = progress.clone();
    let checked = tokio::task::spawn_blocking(move || check(format, mapping, &input, strict, bar))
        .await
        .context("reading the file")??;
    progress.finish_and_clear();
    let options = ImportOptions {
        file_sha256: checked.file_sha256.clone(),
        ..options
    };
    Ok(ReadImport {
        flags,
        options,
        checked,
    })
}

/// Records written per batch: enough for multi-row statements to pay, few enough that a
/// batch's rows, events and search documents stay small.
const BATCH: usize = 2_000;

/// Writes what [`read`] accepted, in batches into one transaction, and reports what was
/// skipped.
pub async fn write(app: &App, read: ReadImport) -> anyhow::Result<ExitCode> {
    let ReadImport {
        flags,
        options,
        mut checked,
    } = read;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "read {} rows into {} records; writing them in one transaction…",
            checked.rows, checked.records
        );
    }
    let actor = Actor::system("import");
    let failed = |e: steward_app::AppError| anyhow::anyhow!("{e}");
    let mut session = app.begin_import(&actor, &options).await.map_err(failed)?;
    let mut batch = Vec::with_capacity(BATCH);
    for i in 0..checked.spilled.buckets() {
        let bucket = checked
            .spilled
            .bucket(i)
            .context("reading a temporary file")?;
        for rows in bucket.into_records() {
            // A record refused here was refused, and reported, by the first pass.
            if let Ok(record) = assemble(&checked.reader, rows) {
                batch.push(record);
            }
            if batch.len() == BATCH {
                app.import_batch(&mut session, std::mem::take(&mut batch))
                    .await
                    .map_err(failed)?;
            }
        }
    }
    app.import_batch(&mut session, batch)
        .await
        .map_err(failed)?;
    let summary = app.finish_import(session).await.map_err(failed)?;
    // Fresh planner statistics, as after the other imports: on SQLite the report queries
    // pick their covering indexes by them.
    app.db().analyze().await?;
    for e in &checked.bad_rows {
        eprintln!("skipped {e}");
    }
    for s in &summary.skipped {
        eprintln!("skipped {s}");
    }
    for w in &checked.warnings {
        eprintln!("warning {w}");
    }
    if flags.json {
        let mut value = serde_json::to_value(&summary)?;
        value["rows"] = checked.rows.into();
        let lines = |errors: &[RowError]| -> serde_json::Value {
            errors
                .iter()
                .map(|e| serde_json::json!({ "line": e.line, "message": e.message }))
                .collect()
        };
        value["bad_rows"] = lines(&checked.bad_rows);
        value["warnings"] = lines(&checked.warnings);
        println!("{value}");
    } else {
        println!(
            "imported {} records from {} rows ({} created, {} updated, {} unchanged); {} bad rows and {} records skipped; {} warnings; {} teams created",
            summary.records - summary.skipped.len(),
            checked.rows,
            summary.created,
            summary.updated,
            summary.unchanged,
            checked.bad_rows.len(),
            summary.skipped.len(),
            checked.warnings.len(),
            summary.teams_created
        );
    }
    let (bad, skipped, warned) = (
        checked.bad_rows.len(),
        summary.skipped.len(),
        checked.warnings.len(),
    );
    if bad + skipped + warned > 0 && !flags.allow_skipped {
        eprintln!(
            "import incomplete: {bad} bad rows and {skipped} records skipped, {warned} records with warnings (listed above); the other records were imported. Fix the file or the mapping and import again, or pass --allow-skipped to accept this."
        );
        return Ok(ExitCode::from(SKIPPED_EXIT));
    }
    Ok(ExitCode::SUCCESS)
}
