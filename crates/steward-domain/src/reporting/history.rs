//! History import from other service desks: a mapping file says how an export's CSV rows
//! become Steward records; this module reads rows and folds them into records, with no I/O.
pub mod mapping;
pub mod records;
pub mod vocabulary;

pub use mapping::{Field, Mapping, RowMode};
pub use records::{Grouped, HistoryEvent, ImportedRecord, Reader, Row, RowError};

#[cfg(test)]
mod tests;
