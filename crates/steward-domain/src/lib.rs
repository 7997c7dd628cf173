//! Steward's domain: pure rules with no I/O. Everything here is deterministic and
//! synchronous so it can be property-tested and reused by every backend.
#![forbid(unsafe_code)]

pub mod access;
pub mod actor;
pub mod agreement_clock;
pub mod attachment;
pub mod audit;
pub mod calendar;
pub mod catalogue;
pub mod ci;
pub mod clock;
pub mod complaint;
pub mod history;
mod import;
pub mod login;
pub mod major;
pub mod page;
pub mod people;
pub mod problem;
pub mod report;
pub mod request;
pub mod role;
pub mod search;
pub mod service;
pub mod sla;
pub mod supplier;
mod text_enum;
pub mod ticket;
pub mod validation;
pub mod workflow;

pub use actor::{Actor, Scope};
pub use role::{Permission, Role};
pub use validation::{FieldError, Invalid};
