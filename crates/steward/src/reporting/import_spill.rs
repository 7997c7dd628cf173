//! The accepted rows of an import, spilled to temporary files so that memory holds the
//! records in flight rather than the file. Rows are split by a hash of their key into
//! buckets (one for a file up to [`BUCKET_BYTES`], more for larger ones); a bucket is
//! brought back whole and grouped by key, so every row of a record meets its others
//! whether or not the file kept them together. Records come back bucket by bucket, each
//! bucket's keys in the order they first appeared.
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher};
use std::io::{BufReader, BufWriter, Read, Seek, SeekFrom, Write};

/// Roughly how many bytes of rows one bucket holds: with their grouping and one record's
/// parsed rows, a bucket in memory stays a small multiple of this.
pub const BUCKET_BYTES: u64 = 48 * 1024 * 1024;

/// One accepted row, as spilled: its line and cells.
pub struct SpilledRow {
    pub line: u64,
    pub cells: csv::StringRecord,
}

pub struct Spill {
    buckets: Vec<BufWriter<std::fs::File>>,
    /// Fixed per import (not per process) so a key always lands in the same bucket.
    hasher: std::hash::BuildHasherDefault<std::collections::hash_map::DefaultHasher>,
    scratch: Vec<u8>,
}

impl Spill {
    /// `expected_bytes`: an estimate of the rows' size, which sets the number of buckets.
    pub fn new(expected_bytes: u64) -> std::io::Result<Spill> {
        let count = expected_bytes.div_ceil(BUCKET_BYTES).clamp(1, 512) as usize;
        let buckets = (0..count)
            .map(|_| tempfile::tempfile().map(|f| BufWriter::with_capacity(64 * 1024, f)))
            .collect::<std::io::Result<_>>()?;
        Ok(Spill {
            buckets,
            hasher: Default::default(),
            scratch: Vec::new(),
        })
    }

    pub fn push(&mut self, key: &str, line: u64, cells: &csv::StringRecord) -> std::io::Result<()> {
        let bucket = if self.buckets.len() == 1 {
            0
        } else {
            let mut h = self.hasher.build_hasher();
            h.write(key.as_bytes());
            (h.finish() % self.buckets.len() as u64) as usize
        };
        // key, line, cells: each length-prefixed, so any byte may appear in a cell.
        let out = &mut self.scratch;
        out.clear();
        put(out, key.as_bytes());
        out.extend_from_slice(&line.to_le_bytes());
        out.extend_from_slice(&(cells.len() as u32).to_le_bytes());
        for c in cells {
            put(out, c.as_bytes());
        }
        let bucket = &mut self.buckets[bucket];
        bucket.write_all(&(out.len() as u32).to_le_bytes())?;
        bucket.write_all(out)
    }

    /// Ends the writing; the buckets can then be read (as often as needed).
    pub fn finish(self) -> std::io::Result<Spilled> {
        let files = self
            .buckets
            .into_iter()
            .map(|b| b.into_inner().map_err(|e| e.into_error()))
            .collect::<std::io::Result<_>>()?;
        Ok(Spilled { files })
    }
}

fn put(out: &mut Vec<u8>, bytes: &[u8]) {
    out.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(bytes);
}

pub struct Spilled {
    files: Vec<std::fs::File>,
}

/// A bucket brought back: the rows of each key, keys in first-appearance order.
pub struct Bucket {
    groups: Vec<Vec<Vec<u8>>>,
}

impl Spilled {
    pub fn buckets(&self) -> usize {
        self.files.len()
    }

    /// Reads bucket `i` and groups its rows by key.
    pub fn bucket(&mut self, i: usize) -> std::io::Result<Bucket> {
        let file = &mut self.files[i];
        file.seek(SeekFrom::Start(0))?;
        let mut input = BufReader::with_capacity(64 * 1024, &*file);
        let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
        let mut groups: Vec<Vec<Vec<u8>>> = Vec::new();
        let mut len = [0u8; 4];
        loop {
            match input.read_exact(&mut len) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
                Err(e) => return Err(e),
            }
            let mut entry = vec![0u8; u32::from_le_bytes(len) as usize];
            input.read_exact(&mut entry)?;
            let key = take(&entry, &mut 0).to_vec();
            match index.get(&key) {
                Some(at) => groups[*at].push(entry),
                None => {
                    index.insert(key, groups.len());
                    groups.push(vec![entry]);
                }
            }
        }
        Ok(Bucket { groups })
    }
}

fn take<'a>(entry: &'a [u8], at: &mut usize) -> &'a [u8] {
    let len = u32::from_le_bytes(entry[*at..*at + 4].try_into().unwrap_or_default()) as usize;
    let bytes = &entry[*at + 4..*at + 4 + len];
    *at += 4 + len;
    bytes
}

impl Bucket {
    /// The rows of each record, a record at a time (its entries freed as it is taken).
    pub fn into_records(self) -> impl Iterator<Item = Vec<SpilledRow>> {
        self.groups
            .into_iter()
            .map(|entries| entries.iter().map(|e| decode(e)).collect())
    }
}

fn decode(entry: &[u8]) -> SpilledRow {
    let mut at = 0;
    take(entry, &mut at);
    let line = u64::from_le_bytes(entry[at..at + 8].try_into().unwrap_or_default());
    at += 8;
    let count = u32::from_le_bytes(entry[at..at + 4].try_into().unwrap_or_default());
    at += 4;
    let mut cells = csv::StringRecord::with_capacity(entry.len(), count as usize);
    for _ in 0..count {
        // Written from a `&str`, so valid UTF-8.
        cells.push_field(std::str::from_utf8(take(entry, &mut at)).unwrap_or_default());
    }
    SpilledRow { line, cells }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_come_back_grouped_by_key_across_buckets() {
        let mut spill = Spill::new(3 * BUCKET_BYTES).unwrap();
        let rows = [("a", 2), ("b", 3), ("a", 4), ("c", 5), ("b", 6), ("a", 7)];
        for (key, line) in rows {
            let cells = csv::StringRecord::from(vec![key, "x\u{1f}y", ""]);
            spill.push(key, line, &cells).unwrap();
        }
        let mut spilled = spill.finish().unwrap();
        assert_eq!(spilled.buckets(), 3);
        let mut seen = Vec::new();
        for pass in 0..2 {
            let mut lines = Vec::new();
            for i in 0..spilled.buckets() {
                for record in spilled.bucket(i).unwrap().into_records() {
                    let key = record[0].cells[0].to_owned();
                    assert!(
                        record
                            .iter()
                            .all(|r| r.cells[0] == *key && &r.cells[1] == "x\u{1f}y")
                    );
                    lines.push((key, record.iter().map(|r| r.line).collect::<Vec<_>>()));
                }
            }
            lines.sort();
            if pass == 1 {
                assert_eq!(lines, seen);
            }
            seen = lines;
        }
        assert_eq!(
            seen,
            vec![
                ("a".to_owned(), vec![2, 4, 7]),
                ("b".to_owned(), vec![3, 6]),
                ("c".to_owned(), vec![5])
            ]
        );
    }
}
