//! Service continuity and availability — its JSON API: nothing yet; outages and maintenance
//! windows, availability against target, probes, continuity plans and the status page belong here.
//! ISO/IEC 20000-1 8.7.1 (availability) and 8.7.2 (continuity).
