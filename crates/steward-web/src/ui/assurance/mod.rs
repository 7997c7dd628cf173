//! Service continuity and availability — its web screens: a service's outages, maintenance
//! windows and availability, investigations, continuity plans and their tests, the status page;
//! probes will follow.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).

pub(crate) mod continuity;
pub(crate) mod investigations;
pub(crate) mod outages;
pub(crate) mod settings;
pub(crate) mod status;
