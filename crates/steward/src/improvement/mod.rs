//! Improvement — the operator's commands on the management system's own records.
pub mod system_cmd;
