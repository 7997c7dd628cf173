//! Email into the desk — its rules (no I/O): what a parsed message carries, how a message finds
//! the record it answers, and the mailboxes messages arrive through.

pub mod mailbox;
pub mod message;
pub mod thread;
