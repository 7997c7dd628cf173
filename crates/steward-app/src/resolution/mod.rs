//! Service resolution — its use cases: tickets, their lifecycles and attachments; incidents and
//! major incidents, service requests, problems and known errors; search over them.
//! ISO/IEC 20000-1 8.6.1 (incidents), 8.6.2 (service requests) and 8.6.3 (problems).

pub mod attachments;
pub mod canned;
pub mod console;
pub mod desk;
pub mod incidents;
pub mod mail_intake;
pub mod mail_poll;
pub mod mailboxes;
pub mod problems;
pub mod requests;
pub mod ticket_edit;
pub mod tickets;
