//! Steward's use cases. Each command authorizes the actor, parses its input into domain
//! types, and does its work in one transaction that also appends to the audit trail.
#![forbid(unsafe_code)]

mod app;
mod error;
pub mod secrets;

pub mod agreement_clocks;
pub mod alerts;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod calendars;
pub mod catalogue;
pub mod cis;
pub mod clocks;
pub mod complaints;
pub mod engagements;
pub mod imports;
pub mod incidents;
pub mod maintenance;
pub mod people;
pub mod problems;
pub mod report_schedule;
pub mod reports;
pub mod requests;
pub mod services;
pub mod slas;
pub mod suppliers;
pub mod tickets;
pub mod ui_queries;

pub use app::{App, Clock, Settings};
pub use error::AppError;

/// What a bulk import did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub created: usize,
    pub updated: usize,
    pub relations_added: usize,
}

pub type Result<T, E = AppError> = std::result::Result<T, E>;
