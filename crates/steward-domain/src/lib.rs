//! Steward's domain: pure rules with no I/O. Everything here is deterministic and
//! synchronous so it can be property-tested and reused by every backend.
#![forbid(unsafe_code)]

pub mod assurance;
pub mod delivery;
pub mod foundation;
pub mod improvement;
pub mod reporting;
pub mod resolution;
pub mod service_level;

pub use foundation::actor::{Actor, Scope};
pub use foundation::role::{Permission, Role};
pub use foundation::validation::{FieldError, Invalid};
