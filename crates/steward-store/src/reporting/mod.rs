//! Service reporting — its SQL: reports and their figures, report definitions with scheduled
//! immutable snapshots, history imported from other desks, and the process-mining event export.
//! ISO/IEC 20000-1 9.1 (monitoring and measurement) and 9.4 (service reporting).

mod buckets;
pub mod imports;
pub mod report_days;
pub mod report_definitions;
pub mod reports;
