//! Service continuity and availability — its use cases: outages and maintenance windows,
//! availability against target, investigations, health probes, continuity plans and their
//! tests, and the status page.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub mod continuity;
pub mod investigations;
pub mod major;
pub mod outages;
pub mod probe_check;
pub mod probe_run;
pub mod probes;
pub mod report;
pub mod status;
