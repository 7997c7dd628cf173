//! Reading bulk files (JSON arrays and CSV with a header) into rows, with every bad row named
//! by its position, so an import can refuse the whole file and say why.
use crate::foundation::validation::{Errors, FieldError, Invalid};
use serde::de::DeserializeOwned;

/// A JSON array of `T`; `origin` records where each row came from (`item N`).
pub(crate) fn json_rows<T: DeserializeOwned>(
    body: &[u8],
    what: &str,
    mut origin: impl FnMut(&mut T, String),
) -> Result<Vec<T>, Invalid> {
    let values: Vec<serde_json::Value> = serde_json::from_slice(body)
        .map_err(|e| Invalid::one("file", format!("not a JSON array of {what}: {e}")))?;
    let mut errors = Errors::new();
    let mut rows = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let at = format!("item {}", i + 1);
        match serde_json::from_value::<T>(v) {
            Ok(mut row) => {
                origin(&mut row, at);
                rows.push(row);
            }
            Err(e) => errors.push(FieldError::new(at, e.to_string())),
        }
    }
    errors.finish()?;
    Ok(rows)
}

/// Each CSV record with its line name, or why it could not be read.
pub(crate) type CsvLines = Vec<(String, Result<csv::StringRecord, String>)>;

/// CSV with a header line: the header, and each record with its line name (`line N`), or the
/// error of a record that cannot be read.
pub(crate) fn csv_records(body: &[u8]) -> Result<(csv::StringRecord, CsvLines), Invalid> {
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(body);
    let headers = reader
        .headers()
        .map_err(|e| Invalid::one("file", format!("unreadable CSV header: {e}")))?
        .clone();
    let records = reader
        .records()
        .enumerate()
        .map(|(i, r)| (format!("line {}", i + 2), r.map_err(|e| e.to_string())))
        .collect();
    Ok((headers, records))
}

/// The position of a header column, case-insensitive.
pub(crate) fn column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| h.eq_ignore_ascii_case(name))
}
