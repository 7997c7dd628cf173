//! Steward's domain: pure rules with no I/O. Everything here is deterministic and
//! synchronous so it can be property-tested and reused by every backend.
#![forbid(unsafe_code)]

pub mod access;
pub mod actor;
pub mod audit;
pub mod catalogue;
pub mod ci;
pub mod complaint;
mod import;
pub mod login;
pub mod page;
pub mod people;
pub mod role;
pub mod search;
pub mod service;
pub mod supplier;
mod text_enum;
pub mod ticket;
pub mod validation;

pub use actor::{Actor, Scope};
pub use role::{Permission, Role};
pub use validation::{FieldError, Invalid};
