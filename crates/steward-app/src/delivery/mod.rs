//! Service delivery — its use cases: services, the service catalogue, configuration items and their
//! relations, suppliers and their agreements, and changes with their risk, approvals and reviews;
//! releases and their deployments.
//! ISO/IEC 20000-1 8.2 (service portfolio, catalogue, configuration), 8.3.4 (suppliers) and 8.5.

pub mod catalogue;
pub mod change_blackouts;
pub mod change_calendar;
pub mod change_config;
pub mod change_conflicts;
pub mod change_report;
pub mod changes;
pub mod cis;
pub mod releases;
pub mod services;
pub mod suppliers;
