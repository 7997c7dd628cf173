//! Steward's use cases. Each command authorizes the actor, parses its input into domain
//! types, and does its work in one transaction that also appends to the audit trail.
#![forbid(unsafe_code)]

mod app;
pub mod assurance;
pub mod delivery;
mod error;
pub mod foundation;
pub mod improvement;
pub mod reporting;
pub mod resolution;
pub mod service_level;

pub use app::{App, Clock, Settings};
pub use error::AppError;
pub use foundation::password_hashing::HashingLimits;

/// What a bulk import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub relations_added: usize,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
