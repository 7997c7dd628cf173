//! Service continuity and availability — its use cases: outages and maintenance windows, and
//! availability against target, investigations, continuity plans and their tests, the status
//! page; probes will follow.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub mod continuity;
pub mod investigations;
pub mod major;
pub mod outages;
pub mod report;
pub mod status;
