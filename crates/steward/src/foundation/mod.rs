//! Foundation — its operator commands that keep the installation itself healthy: backups,
//! restores and the `doctor` check.
//! ISO/IEC 20000-1 7.5.3 (control of documented information: protection against loss) and
//! 8.7.2 (service continuity: what a recovery needs).

pub(crate) mod backup_cmd;
pub(crate) mod doctor_cmd;
mod files;
mod postgres_tools;
pub(crate) mod restore_cmd;
