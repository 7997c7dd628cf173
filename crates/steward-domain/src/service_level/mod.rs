//! Service level management — its rules (no I/O): business calendars, SLAs, OLAs and underpinning
//! contracts, the clocks they run on tickets (and pause), breach warnings, escalation and workload
//! limits.
//! ISO/IEC 20000-1 8.3.3 (service level management) and 8.3.4 (agreement targets).

pub mod agreement_clock;
pub mod calendar;
pub mod clock;
pub mod recompute;
pub mod sla;
pub mod ticket_clocks;
