//! Outages and maintenance windows of a service (ISO/IEC 20000-1 8.7.1): when the service was,
//! or will be, unavailable, and whether that was agreed (planned maintenance) or not.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{Errors, FieldError, Invalid, nullable};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

text_enum!(
    /// Unplanned outages are downtime; planned ones are agreed maintenance windows.
    OutageKind { Unplanned = "unplanned", Planned = "planned" }
);

/// An outage as stored and read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Outage {
    pub id: i64,
    pub service_id: i64,
    pub kind: OutageKind,
    pub start: String,
    /// None while the outage lasts.
    pub end: Option<String>,
    pub incident_id: Option<i64>,
    pub note: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/services/{id}/outages`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutageInput {
    /// RFC 3339.
    pub start: String,
    /// RFC 3339; leave out while the outage lasts.
    pub end: Option<String>,
    pub kind: OutageKind,
    pub incident_id: Option<i64>,
    pub note: Option<String>,
}

/// Body of `PATCH /api/v1/services/{id}/outages/{outage}`: what changes; `null` clears `end`,
/// `incident_id` or `note`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutagePatch {
    pub start: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub end: Option<Option<String>>,
    pub kind: Option<OutageKind>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub incident_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub note: Option<Option<String>>,
}

/// A checked outage, instants in microseconds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OutageDraft {
    pub kind: OutageKind,
    pub start: i64,
    pub end: Option<i64>,
    pub incident_id: Option<i64>,
    pub note: Option<String>,
}

fn instant(field: &str, value: &str) -> Result<i64, FieldError> {
    value
        .trim()
        .parse::<Timestamp>()
        .map(|t| t.as_microsecond())
        .map_err(|_| {
            FieldError::new(
                field,
                "must be an RFC 3339 instant, for example 2026-03-02T09:30:00Z",
            )
        })
}

const NOTE_MAX: usize = 4000;

impl OutageDraft {
    /// The rules every outage keeps: the end does not precede the start, and an unplanned
    /// outage has started by `now` (the future holds only planned maintenance).
    fn check(self, now: i64) -> Result<Self, Invalid> {
        let mut errors = Errors::new();
        if let Some(end) = self.end
            && end < self.start
        {
            errors.push(FieldError::new("end", "must not be before the start"));
        }
        if self.kind == OutageKind::Unplanned && self.start > now {
            errors.push(FieldError::new(
                "start",
                "an unplanned outage cannot start in the future; record maintenance ahead as planned",
            ));
        }
        if self.kind == OutageKind::Unplanned
            && let Some(end) = self.end
            && end > now
        {
            errors.push(FieldError::new(
                "end",
                "an unplanned outage cannot end in the future; leave the end out while it lasts",
            ));
        }
        if self
            .note
            .as_ref()
            .is_some_and(|n| n.chars().count() > NOTE_MAX)
        {
            errors.push(FieldError::new(
                "note",
                format!("must be at most {NOTE_MAX} characters"),
            ));
        }
        errors.finish().map(|()| self)
    }
}

fn clean(note: Option<String>) -> Option<String> {
    note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
}

impl OutageInput {
    pub fn parse(self, now: i64) -> Result<OutageDraft, Invalid> {
        let mut errors = Errors::new();
        let start = errors.take(instant("start", &self.start));
        let end = match self.end.as_deref().map(str::trim).filter(|e| !e.is_empty()) {
            Some(e) => errors.take(instant("end", e)).map(Some),
            None => Some(None),
        };
        errors.finish()?;
        OutageDraft {
            kind: self.kind,
            start: start.unwrap_or_default(),
            end: end.flatten(),
            incident_id: self.incident_id,
            note: clean(self.note),
        }
        .check(now)
    }
}

impl OutagePatch {
    /// The outage after this patch, checked as a whole.
    pub fn apply(self, current: &OutageDraft, now: i64) -> Result<OutageDraft, Invalid> {
        let mut errors = Errors::new();
        let start = match self.start {
            Some(s) => errors.take(instant("start", &s)),
            None => Some(current.start),
        };
        let end = match self.end {
            Some(Some(e)) => errors.take(instant("end", &e)).map(Some),
            Some(None) => Some(None),
            None => Some(current.end),
        };
        errors.finish()?;
        OutageDraft {
            kind: self.kind.unwrap_or(current.kind),
            start: start.unwrap_or(current.start),
            end: end.unwrap_or(current.end),
            incident_id: self.incident_id.unwrap_or(current.incident_id),
            note: match self.note {
                Some(n) => clean(n),
                None => current.note.clone(),
            },
        }
        .check(now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_772_445_600_000_000; // 2026-03-02T10:00:00Z

    fn input(start: &str, end: Option<&str>, kind: OutageKind) -> OutageInput {
        OutageInput {
            start: start.into(),
            end: end.map(Into::into),
            kind,
            incident_id: None,
            note: None,
        }
    }

    fn fields(e: Invalid) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn an_end_before_the_start_or_an_unplanned_future_is_refused_naming_the_field() {
        let bad = input(
            "2026-03-02T09:00:00Z",
            Some("2026-03-02T08:00:00Z"),
            OutageKind::Unplanned,
        );
        assert_eq!(fields(bad.parse(NOW).unwrap_err()), ["end"]);
        let future = input("2026-03-03T09:00:00Z", None, OutageKind::Unplanned);
        assert_eq!(fields(future.parse(NOW).unwrap_err()), ["start"]);
        let maintenance = input(
            "2026-03-07T22:00:00Z",
            Some("2026-03-08T02:00:00Z"),
            OutageKind::Planned,
        );
        assert!(
            maintenance.parse(NOW).is_ok(),
            "maintenance is planned ahead"
        );
        let garbled = input("yesterday", Some("soon"), OutageKind::Planned);
        assert_eq!(fields(garbled.parse(NOW).unwrap_err()), ["start", "end"]);
    }

    #[test]
    fn closing_an_open_outage_sets_its_end() {
        let open = input("2026-03-02T09:00:00Z", None, OutageKind::Unplanned)
            .parse(NOW)
            .unwrap();
        assert_eq!(open.end, None);
        let closed = OutagePatch {
            end: Some(Some("2026-03-02T09:45:00Z".into())),
            ..Default::default()
        }
        .apply(&open, NOW)
        .unwrap();
        assert_eq!(closed.end, Some(open.start + 45 * 60 * 1_000_000));
        let too_early = OutagePatch {
            end: Some(Some("2026-03-02T08:00:00Z".into())),
            ..Default::default()
        };
        assert_eq!(fields(too_early.apply(&open, NOW).unwrap_err()), ["end"]);
    }
}
