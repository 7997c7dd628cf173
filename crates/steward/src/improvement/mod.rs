//! Improvement — its operator commands: the management system's own records as terminal
//! tables, the evidence map for monitoring, and the guided start that seeds an ISO/IEC
//! 20000-1 configuration.

pub(crate) mod conformity_cmd;
pub(crate) mod documents_cmd;
pub(crate) mod init_cmd;
pub(crate) mod system_cmd;
pub(crate) mod terminal_table;
