//! Service resolution at the command line and in the background: mail in.

pub mod mail_poll;
pub mod mailgate_cmd;
