//! Service continuity and availability — its web screens: a service's outages, maintenance
//! windows and availability, investigations, health probes and their results, continuity
//! plans and their tests, and the status page.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub(crate) mod continuity;
pub(crate) mod investigations;
pub(crate) mod outages;
pub(crate) mod probes;
pub(crate) mod settings;
pub(crate) mod status;
