//! Service delivery — its web screens: services, the service catalogue, configuration items and
//! their relations, suppliers and their agreements, and changes with their risk, approvals and reviews;
//! releases and their deployments.
//! ISO/IEC 20000-1 8.2 (service portfolio, catalogue, configuration), 8.3.4 (suppliers) and 8.5.

pub(crate) mod catalogue;
pub(crate) mod change_blackouts;
pub(crate) mod change_calendar;
pub(crate) mod change_config;
pub(crate) mod change_policy;
pub(crate) mod changes;
pub(crate) mod release_environments;
pub(crate) mod releases;
pub(crate) mod services;
