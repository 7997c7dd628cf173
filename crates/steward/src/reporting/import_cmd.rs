//! `steward import csv`: reads an export (plain, `.gz` or `.xz`), folds its rows into records
//! with the mapping, reports bad rows by line, then writes every good record in one
//! transaction. The file is read and checked before the database is opened, so a refused
//! mapping or file creates nothing. With `--strict` one bad row aborts before anything is
//! written; without `--allow-skipped` a run that skipped rows or has warnings exits non-zero.
use anyhow::{Context, bail};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, IsTerminal, Read};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use steward_app::App;
use steward_app::reporting::imports::ImportOptions;
use steward_domain::Actor;
use steward_domain::reporting::history::{Grouped, Mapping, Reader, RowError};

#[derive(Debug, Args)]
#[command(after_long_help = vocabulary_help())]
pub struct CsvImport {
    /// The export: CSV with a header line, optionally compressed (.gz, .xz).
    pub input: PathBuf,
    /// Mapping file (TOML) saying how columns become fields.
    #[arg(long, conflicts_with = "preset", required_unless_present = "preset")]
    pub mapping: Option<PathBuf>,
    /// A mapping shipped with Steward: servicenow-incident or event-log.
    #[arg(long)]
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
}

/// The exit code of an import that wrote the good records but skipped or flagged others.
const SKIPPED_EXIT: u8 = 3;

fn vocabulary_help() -> String {
    format!(
        "{}\nExit codes: 0 imported; 1 refused (nothing imported); {SKIPPED_EXIT} imported, but rows or records were skipped or reported (0 with --allow-skipped).",
        steward_domain::reporting::history::vocabulary::help()
    )
}

/// Turns CRLF line ends into LF before the CSV reader sees them: the `csv` crate gives a
/// record after a CRLF line the line number of the line before it.
struct CrlfToLf<R> {
    inner: R,
    /// A `\r` ended the last chunk; whether it is dropped depends on the next byte.
    held_cr: bool,
}

impl<R: BufRead> Read for CrlfToLf<R> {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        if out.is_empty() {
            return Ok(0);
        }
        loop {
            let mut written = 0;
            if self.held_cr {
                self.held_cr = false;
                if self.inner.fill_buf()?.first() != Some(&b'\n') {
                    out[0] = b'\r';
                    written = 1;
                    if out.len() == 1 {
                        return Ok(1);
                    }
                }
            }
            let chunk = self.inner.fill_buf()?;
            if chunk.is_empty() {
                return Ok(written);
            }
            let mut used = 0;
            while used < chunk.len() && written < out.len() {
                let byte = chunk[used];
                used += 1;
                if byte == b'\r' {
                    match chunk.get(used) {
                        Some(b'\n') => continue,
                        Some(_) => {}
                        None => {
                            self.held_cr = true;
                            break;
                        }
                    }
                }
                out[written] = byte;
                written += 1;
            }
            self.inner.consume(used);
            if written > 0 {
                return Ok(written);
            }
        }
    }
}

/// The SHA-256 of the file's bytes as read, shared with the reader that computes it.
type SharedHash = std::sync::Arc<std::sync::Mutex<Sha256>>;

/// Reads a file, decompressing by extension, while hashing what was read.
struct Hashing<R> {
    inner: R,
    hash: SharedHash,
    progress: ProgressBar,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Ok(mut h) = self.hash.lock() {
            h.update(&buf[..n]);
        }
        self.progress.inc(n as u64);
        Ok(n)
    }
}

fn open(path: &Path, progress: ProgressBar) -> anyhow::Result<(Box<dyn Read>, SharedHash)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let hash = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let raw = Hashing {
        inner: BufReader::new(file),
        hash: hash.clone(),
        progress,
    };
    let name = path.to_string_lossy().to_ascii_lowercase();
    let reader: Box<dyn Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(raw))
    } else if name.ends_with(".xz") {
        Box::new(liblzma::read::XzDecoder::new_multi_decoder(raw))
    } else {
        Box::new(raw)
    };
    let reader = CrlfToLf {
        inner: BufReader::new(reader),
        held_cr: false,
    };
    Ok((Box::new(reader), hash))
}

fn load_mapping(args: &CsvImport) -> anyhow::Result<Mapping> {
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

/// Everything read from the file: records, and the rows and records refused.
pub struct Parsed {
    pub records: Vec<steward_domain::reporting::history::ImportedRecord>,
    pub bad_rows: Vec<RowError>,
    /// Records imported but flagged (closed without a closed time).
    pub warnings: Vec<RowError>,
    pub rows: u64,
    pub file_sha256: String,
}

pub fn parse(
    mapping: Mapping,
    input: &Path,
    strict: bool,
    progress: ProgressBar,
) -> anyhow::Result<Parsed> {
    let (reader, hash) = open(input, progress)?;
    let mut csv = csv::ReaderBuilder::new().flexible(true).from_reader(reader);
    let header: Vec<String> = csv
        .headers()
        .context("reading the header line")?
        .iter()
        .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
        .collect();
    let header_refs: Vec<&str> = header.iter().map(String::as_str).collect();
    let reader = Reader::new(mapping, &header_refs).map_err(|e| {
        anyhow::anyhow!(
            "the mapping does not fit the file's header:\n{}",
            e.0.iter()
                .map(|f| format!("  {}: {}", f.field, f.message))
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let mut grouped = Grouped::default();
    let mut bad_rows = Vec::new();
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    loop {
        let line = csv.position().line() + 1;
        match csv.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let at = e.position().map(|p| p.line()).unwrap_or(line);
                let error = RowError {
                    line: at,
                    message: format!("not readable as CSV: {e}"),
                };
                if strict || !matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    bail!("{error}; nothing was imported");
                }
                bad_rows.push(error);
                continue;
            }
        }
        rows += 1;
        let line = record.position().map(|p| p.line()).unwrap_or(line);
        let cells: Vec<&str> = record.iter().collect();
        match reader.row(line, &cells) {
            Ok(row) => grouped.push(row),
            Err(e) if strict => bail!("{e}; nothing was imported (--strict)"),
            Err(e) => bad_rows.push(e),
        }
    }
    let mut records = Vec::with_capacity(grouped.len());
    let mut warnings = Vec::new();
    for rows in grouped.into_groups() {
        match reader.assemble(rows) {
            Ok(r) => {
                warnings.extend(r.warnings.iter().cloned());
                records.push(r)
            }
            Err(e) if strict => bail!("{e}; nothing was imported (--strict)"),
            Err(e) => bad_rows.push(e),
        }
    }
    let file_sha256 = hash
        .lock()
        .map(|h| hex::encode(h.clone().finalize()))
        .unwrap_or_default();
    Ok(Parsed {
        records,
        bad_rows,
        warnings,
        rows,
        file_sha256,
    })
}

/// A file read and checked, ready to be written.
pub struct ReadImport {
    args: CsvImport,
    options: ImportOptions,
    parsed: Parsed,
}

/// Reads and checks the mapping and the whole file; needs no database, so a refusal here
/// leaves nothing behind.
pub async fn read(args: CsvImport) -> anyhow::Result<ReadImport> {
    let mapping = load_mapping(&args)?;
    let size = std::fs::metadata(&args.input)
        .with_context(|| format!("reading {}", args.input.display()))?
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
        strict: args.strict,
        file_sha256: String::new(),
    };
    let input = args.input.clone();
    let strict = args.strict;
    let bar = progress.clone();
    let parsed = tokio::task::spawn_blocking(move || parse(mapping, &input, strict, bar))
        .await
        .context("reading the file")??;
    progress.finish_and_clear();
    let options = ImportOptions {
        file_sha256: parsed.file_sha256.clone(),
        ..options
    };
    Ok(ReadImport {
        args,
        options,
        parsed,
    })
}

/// Writes what [`read`] accepted, in one transaction, and reports what was skipped.
pub async fn write(app: &App, read: ReadImport) -> anyhow::Result<ExitCode> {
    let ReadImport {
        args,
        options,
        parsed,
    } = read;
    if std::io::stderr().is_terminal() {
        eprintln!(
            "read {} rows into {} records; writing them in one transaction…",
            parsed.rows,
            parsed.records.len()
        );
    }
    let summary = app
        .import_history(&Actor::system("import"), &options, parsed.records)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // Fresh planner statistics, as after the other imports: on SQLite the report queries
    // pick their covering indexes by them.
    app.db().analyze().await?;
    for e in &parsed.bad_rows {
        eprintln!("skipped {e}");
    }
    for s in &summary.skipped {
        eprintln!("skipped {s}");
    }
    for w in &parsed.warnings {
        eprintln!("warning {w}");
    }
    if args.json {
        let mut value = serde_json::to_value(&summary)?;
        value["rows"] = parsed.rows.into();
        let lines = |errors: &[RowError]| -> serde_json::Value {
            errors
                .iter()
                .map(|e| serde_json::json!({ "line": e.line, "message": e.message }))
                .collect()
        };
        value["bad_rows"] = lines(&parsed.bad_rows);
        value["warnings"] = lines(&parsed.warnings);
        println!("{value}");
    } else {
        println!(
            "imported {} records from {} rows ({} created, {} updated, {} unchanged); {} bad rows and {} records skipped; {} warnings; {} teams created",
            summary.records - summary.skipped.len(),
            parsed.rows,
            summary.created,
            summary.updated,
            summary.unchanged,
            parsed.bad_rows.len(),
            summary.skipped.len(),
            parsed.warnings.len(),
            summary.teams_created
        );
    }
    let (bad, skipped, warned) = (
        parsed.bad_rows.len(),
        summary.skipped.len(),
        parsed.warnings.len(),
    );
    if bad + skipped + warned > 0 && !args.allow_skipped {
        eprintln!(
            "import incomplete: {bad} bad rows and {skipped} records skipped, {warned} records with warnings (listed above); the other records were imported. Fix the file or the mapping and import again, or pass --allow-skipped to accept this."
        );
        return Ok(ExitCode::from(SKIPPED_EXIT));
    }
    Ok(ExitCode::SUCCESS)
}
