//! Service continuity and availability — its SQL: outages and maintenance windows,
//! investigations, health probes and their results, continuity plans and their tests.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub mod continuity;
pub mod investigations;
pub mod outages;
pub mod probes;
