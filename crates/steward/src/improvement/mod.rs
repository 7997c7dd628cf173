//! Improvement — its operator commands: the management system's own records, the evidence map
//! for monitoring, and the guided start that seeds an ISO/IEC 20000-1 configuration.

pub(crate) mod conformity_cmd;
pub(crate) mod init_cmd;
pub mod system_cmd;
