//! Foundation — its rules (no I/O): people, organizations, teams and roles, login, sessions and
//! tokens, the hash-chained audit trail, settings, paging and validation, which every other
//! component uses.
//! ISO/IEC 20000-1 5.3 (roles and authorities) and 7.5 (control of documented information).

pub mod access;
pub mod actor;
pub mod audit;
pub mod competence;
pub(crate) mod import;
pub mod login;
pub mod mail_out;
pub mod page;
pub mod people;
pub mod role;
pub(crate) mod text_enum;
pub mod validation;
pub mod webhook;
