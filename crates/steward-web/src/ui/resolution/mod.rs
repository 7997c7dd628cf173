//! Service resolution — its web screens: tickets, their lifecycles and attachments; incidents and
//! major incidents, service requests, problems and known errors; search over them.
//! ISO/IEC 20000-1 8.6.1 (incidents), 8.6.2 (service requests) and 8.6.3 (problems).

pub(crate) mod canned;
pub(crate) mod console;
pub(crate) mod desk;
pub(crate) mod incident_new;
pub(crate) mod mailboxes;
pub(crate) mod portal;
pub(crate) mod problems;
pub(crate) mod record;
pub(crate) mod record_edit;
pub(crate) mod record_path;
pub(crate) mod rows;
pub(crate) mod search;
