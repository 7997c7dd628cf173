//! Service delivery — its rules (no I/O): services, the service catalogue, configuration items and
//! their relations, suppliers and their agreements, and changes with their risk, approvals and reviews;
//! releases and their deployments.
//! ISO/IEC 20000-1 8.2 (service portfolio, catalogue, configuration), 8.3.4 (suppliers) and 8.5.

pub mod catalogue;
pub mod change;
pub mod change_blackout;
pub mod change_board;
pub mod change_calendar;
pub mod change_conflict;
pub mod change_policy;
pub mod ci;
pub mod release;
pub mod service;
pub mod supplier;
