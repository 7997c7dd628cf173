//! Service level management — its SQL: business calendars, SLAs, OLAs and underpinning contracts,
//! the clocks they run on tickets (and pause), breach warnings, escalation and workload limits.
//! ISO/IEC 20000-1 8.3.3 (service level management) and 8.3.4 (agreement targets).

pub mod agreement_clocks;
pub mod alerts;
pub mod recomputes;
pub mod slas;
pub mod ui_queries;
