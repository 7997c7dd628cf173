//! Service reporting — its operator commands: reports and their figures, report definitions with
//! scheduled immutable snapshots, history imported from other desks, and the process-mining event
//! export.
//! ISO/IEC 20000-1 9.1 (monitoring and measurement) and 9.4 (service reporting).

pub(crate) mod export_cmd;
pub(crate) mod import_cmd;
pub(crate) mod import_source;
pub(crate) mod import_spill;
pub(crate) mod report_cmd;
pub(crate) mod xes_source;
