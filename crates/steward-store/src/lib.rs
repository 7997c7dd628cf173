//! Steward's storage: the only place SQL lives. One concrete [`Db`] serves SQLite (embedded,
//! one node) and PostgreSQL (any number of nodes); the business code above never sees which.
//!
//! SQL is written once with `$n` placeholders, which both drivers accept, and run against
//! either backend through the [`on!`] macro; the few dialect differences are spelled out
//! where they occur.
#![forbid(unsafe_code)]

mod db;
mod error;
mod lock;
mod sql;

pub mod agreement_clocks;
pub mod agreements;
pub mod alerts;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod catalogue;
pub mod cis;
pub mod complaints;
pub mod imports;
pub mod leases;
pub mod orgs;
pub mod report_definitions;
pub mod reports;
pub mod resolution;
pub mod schema;
pub mod search;
pub mod services;
pub mod slas;
pub mod suppliers;
pub mod teams;
pub mod tickets;
pub mod ui_queries;
pub mod users;

pub use db::{Conn, Db, DbOptions, Ex, Tx};
pub use error::StoreError;
pub use lock::SqliteLock;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
