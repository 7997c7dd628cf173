//! Improvement — its operator commands: the management system's scope and objectives as
//! terminal tables.
//! ISO/IEC 20000-1 4.3, 5.2 and 6.2.

pub(crate) mod system_cmd;
