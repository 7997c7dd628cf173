//! Service resolution — its rules (no I/O): tickets, their lifecycles and attachments; incidents
//! and major incidents, service requests, problems and known errors; search over them.
//! ISO/IEC 20000-1 8.6.1 (incidents), 8.6.2 (service requests) and 8.6.3 (problems).

pub mod attachment;
pub mod canned;
pub mod console;
pub mod desk;
pub mod mail;
pub mod major;
pub mod problem;
pub mod record;
pub mod request;
pub mod search;
pub mod ticket;
pub mod workflow;
