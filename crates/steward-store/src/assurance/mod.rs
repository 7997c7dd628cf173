//! Service continuity and availability — its SQL: outages and maintenance windows,
//! investigations, continuity plans and their tests; probes will follow.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub mod continuity;
pub mod investigations;
pub mod outages;
