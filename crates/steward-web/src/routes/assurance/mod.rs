//! Service continuity and availability — its JSON API: outages and maintenance windows, and
//! availability against target, investigations, health probes, continuity plans and their
//! tests, and the status page.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub mod continuity;
pub mod investigations;
pub mod outages;
pub mod probes;
pub mod settings;
pub mod status;
