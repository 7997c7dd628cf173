//! Foundation — its SQL: people, organizations, teams and roles, login, sessions and tokens, the
//! hash-chained audit trail, settings, paging and validation, which every other component uses.
//! ISO/IEC 20000-1 5.3 (roles and authorities) and 7.5 (control of documented information).

pub mod audit;
pub mod auth;
pub mod competences;
pub mod leases;
pub(crate) mod lock;
pub mod mail_outbox;
pub mod maintenance;
pub mod orgs;
pub mod schema;
pub mod settings;
pub mod teams;
pub mod users;
pub mod webhooks;
