//! Foundation — its use cases: people, organizations, teams and roles, login, sessions and tokens,
//! the hash-chained audit trail, settings, paging and validation, which every other component uses.
//! ISO/IEC 20000-1 5.3 (roles and authorities) and 7.5 (control of documented information).

pub mod audit;
pub mod auth;
pub mod competences;
pub mod mail_out;
pub mod maintenance;
pub mod password_hashing;
pub mod people;
pub mod preferences;
pub mod sealing;
pub mod secrets;
pub mod settings;
pub mod webhook_dispatch;
pub mod webhook_send;
pub mod webhooks;
