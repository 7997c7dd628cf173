//! Service level management — its web screens: business calendars, SLAs, OLAs and underpinning
//! contracts, the clocks they run on tickets (and pause), breach warnings, escalation and workload
//! limits.
//! ISO/IEC 20000-1 8.3.3 (service level management) and 8.3.4 (agreement targets).

pub(crate) mod calendars;
pub(crate) mod notifications;
pub(crate) mod slas;
