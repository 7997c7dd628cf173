//! Service continuity and availability — its rules (no I/O): outages and maintenance windows,
//! availability against target, health probes, investigations, continuity plans and their
//! tests, and the status page.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub mod availability;
pub mod continuity;
pub mod investigation;
pub mod outage;
pub mod probe;
pub mod settings;
pub mod status;
