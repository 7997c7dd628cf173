//! Foundation — its web screens: people, organizations, teams and roles, login, sessions and
//! tokens, the hash-chained audit trail, settings, paging and validation, which every other
//! component uses.
//! ISO/IEC 20000-1 5.3 (roles and authorities) and 7.5 (control of documented information).

pub(crate) mod account;
pub(crate) mod assets;
pub(crate) mod choices;
pub(crate) mod competence;
pub(crate) mod fields;
pub(crate) mod form_page;
pub(crate) mod forms;
pub(crate) mod list_page;
pub(crate) mod mail;
pub(crate) mod multipart;
pub(crate) mod people;
pub(crate) mod screen;
pub(crate) mod session;
pub(crate) mod svg;
pub(crate) mod webhooks;
