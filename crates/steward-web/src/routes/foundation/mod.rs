//! Foundation — its JSON API: people, organizations, teams and roles, login, sessions and tokens,
//! the hash-chained audit trail, settings, paging and validation, which every other component uses.
//! ISO/IEC 20000-1 5.3 (roles and authorities) and 7.5 (control of documented information).

pub mod audit;
pub mod auth;
pub mod health;
pub mod mail_out;
pub mod orgs;
pub mod preferences;
pub mod teams;
pub mod tokens;
pub mod users;
pub mod webhooks;
