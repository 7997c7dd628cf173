//! Service resolution — its SQL: tickets, their lifecycles and attachments; incidents and major
//! incidents, service requests, problems and known errors; search over them.
//! ISO/IEC 20000-1 8.6.1 (incidents), 8.6.2 (service requests) and 8.6.3 (problems).

pub mod attachments;
pub mod canned;
pub mod console;
pub mod inbound_mail;
pub mod kinds;
pub mod mailboxes;
pub mod search;
pub mod tickets;
