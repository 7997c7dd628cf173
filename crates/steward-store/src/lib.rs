//! Steward's storage: the only place SQL lives. One concrete [`Db`] serves SQLite (embedded,
//! one node) and PostgreSQL (any number of nodes); the business code above never sees which.
//!
//! SQL is written once with `$n` placeholders, which both drivers accept, and run against
//! either backend through the [`on!`] macro; the few dialect differences are spelled out
//! where they occur.
#![forbid(unsafe_code)]

pub mod assurance;
mod checkpointer;
mod db;
pub mod delivery;
mod error;
pub mod foundation;
pub mod improvement;
pub mod reporting;
pub mod resolution;
pub mod service_level;
mod sql;
mod writer;
mod writer_thread;

pub use db::{Conn, Db, DbOptions, Ex, SqliteSynchronous, SqliteTx, Tx};
pub use error::StoreError;
pub use foundation::lock::SqliteLock;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
