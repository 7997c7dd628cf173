//! Where an import's rows come from: the file opened (plain, `.gz` or `.xz`) and hashed as it
//! is read, and its rows presented one at a time as cells in the order of a header, whatever
//! the format (CSV here, XES in `xes_source`).
use anyhow::Context;
use indicatif::ProgressBar;
use sha2::{Digest, Sha256};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use steward_domain::reporting::history::RowError;

/// One row of the source: its cells, and where it is in the file.
#[derive(Debug, Default)]
pub struct RawRow {
    /// The line it starts on (the header, or the XML declaration, is line 1).
    pub line: u64,
    pub cells: csv::StringRecord,
    /// Says which part of the file the row is when a line number alone does not (an XES
    /// event: its trace and index), put before the row's error messages.
    pub place: Option<String>,
}

impl RawRow {
    /// An error about this row, named by its line and place.
    pub fn error(&self, message: impl std::fmt::Display) -> RowError {
        RowError {
            line: self.line,
            message: match &self.place {
                Some(place) => format!("{place}: {message}"),
                None => message.to_string(),
            },
        }
    }
}

/// A row that could not be read.
pub enum SourceError {
    /// This row is unreadable but the rest of the file is: skipped unless `--strict`.
    Bad(RowError),
    /// The file cannot be read on.
    Fatal(anyhow::Error),
}

/// A format's rows, one at a time.
pub trait RowSource {
    /// The column names, in the order of each row's cells.
    fn header(&self) -> &[String];
    /// Reads the next row into `row`; `false` at the end of the file.
    fn next_row(&mut self, row: &mut RawRow) -> Result<bool, SourceError>;
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
pub type SharedHash = std::sync::Arc<std::sync::Mutex<Sha256>>;

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

/// Opens `path`, decompressed when it ends in `.gz` or `.xz`, with CRLF line ends read as LF.
pub fn open(path: &Path, progress: ProgressBar) -> anyhow::Result<(Box<dyn BufRead>, SharedHash)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let hash = std::sync::Arc::new(std::sync::Mutex::new(Sha256::new()));
    let raw = Hashing {
        inner: BufReader::new(file),
        hash: hash.clone(),
        progress,
    };
    let reader: Box<dyn Read> = match compression(path) {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        Compression::Xz => Box::new(liblzma::read::XzDecoder::new_multi_decoder(raw)),
        Compression::None => Box::new(raw),
    };
    let reader = CrlfToLf {
        inner: BufReader::new(reader),
        held_cr: false,
    };
    Ok((Box::new(BufReader::new(reader)), hash))
}

pub enum Compression {
    None,
    Gzip,
    Xz,
}

pub fn compression(path: &Path) -> Compression {
    let name = path.to_string_lossy().to_ascii_lowercase();
    if name.ends_with(".gz") {
        Compression::Gzip
    } else if name.ends_with(".xz") {
        Compression::Xz
    } else {
        Compression::None
    }
}

/// A CSV file with a header line.
pub struct CsvRows {
    csv: csv::Reader<Box<dyn BufRead>>,
    header: Vec<String>,
}

impl CsvRows {
    pub fn new(mut input: Box<dyn BufRead>) -> anyhow::Result<CsvRows> {
        let delimiter = delimiter(input.fill_buf().context("reading the header line")?);
        let mut csv = csv::ReaderBuilder::new()
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(input);
        let header = csv
            .headers()
            .context("reading the header line")?
            .iter()
            .map(|h| h.trim().trim_start_matches('\u{feff}').to_owned())
            .collect();
        Ok(CsvRows { csv, header })
    }
}

/// The separator of the header line: `,` unless `;` (GLPI, spreadsheets in many locales) or a
/// tab (Request Tracker's spreadsheet download) is more frequent in it.
fn delimiter(start: &[u8]) -> u8 {
    let header = start.split(|b| *b == b'\n').next().unwrap_or_default();
    let count = |d: u8| header.iter().filter(|b| **b == d).count();
    [b';', b'\t']
        .into_iter()
        .filter(|d| count(*d) > count(b','))
        .max_by_key(|d| count(*d))
        .unwrap_or(b',')
}

impl RowSource for CsvRows {
    fn header(&self) -> &[String] {
        &self.header
    }

    fn next_row(&mut self, row: &mut RawRow) -> Result<bool, SourceError> {
        let line = self.csv.position().line() + 1;
        match self.csv.read_record(&mut row.cells) {
            Ok(false) => Ok(false),
            Ok(true) => {
                row.line = row.cells.position().map(|p| p.line()).unwrap_or(line);
                row.place = None;
                Ok(true)
            }
            Err(e) => {
                let error = RowError {
                    line: e.position().map(|p| p.line()).unwrap_or(line),
                    message: format!("not readable as CSV: {e}"),
                };
                // Bad UTF-8 spoils one row; anything else leaves the reader lost.
                if matches!(e.kind(), csv::ErrorKind::Utf8 { .. }) {
                    Err(SourceError::Bad(error))
                } else {
                    Err(SourceError::Fatal(anyhow::anyhow!("{error}")))
                }
            }
        }
    }
}
