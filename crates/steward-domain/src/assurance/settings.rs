//! How availability follows the incident record.
use serde::{Deserialize, Serialize};

/// Body of `GET`/`PUT /api/v1/settings/assurance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssuranceSettings {
    /// A major incident declared on a service opens an unplanned outage of that service, and
    /// resolving (or cancelling) the incident ends it. Default true.
    pub major_incident_opens_outage: bool,
}

impl Default for AssuranceSettings {
    fn default() -> Self {
        Self {
            major_incident_opens_outage: true,
        }
    }
}
