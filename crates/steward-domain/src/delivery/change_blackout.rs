//! Change blackout windows (ISO/IEC 20000-1 8.5.1.3): periods in which changes should not be
//! implemented — a month-end close, a sales peak — for every service or for some.
use crate::delivery::change::TEXT_MAX;
use crate::delivery::service::id_set;
use crate::foundation::page::{micros, parse_instant};
use crate::foundation::people::NAME_MAX;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

/// The most services one blackout lists.
pub const SERVICES_MAX: usize = 500;

/// A blackout window as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeBlackout)]
pub struct Blackout {
    pub id: i64,
    pub name: String,
    /// RFC 3339; the window is `[start, end)`.
    pub start: String,
    pub end: String,
    /// The services it covers; empty: every service.
    pub service_ids: Vec<i64>,
    /// True when it covers every service (no `service_ids`).
    pub all_services: bool,
    pub reason: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/change-blackouts` and `PUT /api/v1/change-blackouts/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeBlackoutInput)]
pub struct BlackoutInput {
    /// 1–200 characters.
    pub name: String,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339, after `start`.
    pub end: String,
    /// The services it covers; leave out or empty for every service.
    #[serde(default)]
    pub service_ids: Vec<i64>,
    /// Why no changes then (up to 20000 characters).
    pub reason: Option<String>,
}

/// A checked blackout, instants in microseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlackoutDraft {
    pub name: String,
    pub start: i64,
    pub end: i64,
    pub service_ids: Vec<i64>,
    pub reason: Option<String>,
}

impl BlackoutInput {
    /// Every problem at once, each on its field.
    pub fn parse(self) -> Result<BlackoutDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(validation::text("name", &self.name, 1, NAME_MAX));
        let start = e
            .take(parse_instant("start", self.start.trim()))
            .map(micros);
        let end = e.take(parse_instant("end", self.end.trim())).map(micros);
        let service_ids = e.take(id_set("service_ids", self.service_ids, SERVICES_MAX));
        let reason = e
            .take(validation::optional_text(
                "reason",
                self.reason.as_deref(),
                TEXT_MAX,
            ))
            .flatten();
        if let (Some(s), Some(t)) = (start, end)
            && t <= s
        {
            e.push(FieldError::new("end", "must be after the start"));
        }
        e.finish()?;
        Ok(BlackoutDraft {
            name: name.unwrap_or_default(),
            start: start.unwrap_or_default(),
            end: end.unwrap_or_default(),
            service_ids: service_ids.unwrap_or_default(),
            reason,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_blackout_needs_a_name_and_an_end_after_its_start() {
        let input: BlackoutInput = serde_json::from_value(serde_json::json!({
            "name": " ", "start": "2026-06-30T00:00:00Z", "end": "2026-06-29T00:00:00Z"
        }))
        .unwrap();
        let err = input.parse().unwrap_err();
        let fields: Vec<&str> = err.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["name", "end"]);
        let ok: BlackoutInput = serde_json::from_value(serde_json::json!({
            "name": "Month-end close", "start": "2026-06-29T00:00:00Z",
            "end": "2026-07-01T00:00:00Z", "service_ids": [3, 1, 3]
        }))
        .unwrap();
        let d = ok.parse().unwrap();
        assert_eq!(d.service_ids, [1, 3]);
        assert!(d.end > d.start);
    }
}
