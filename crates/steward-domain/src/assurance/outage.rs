//! Outages and maintenance windows of a service (ISO/IEC 20000-1 8.7.1): when the service was,
//! or will be, unavailable, and whether that was agreed (planned maintenance) or not.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{Errors, FieldError, Invalid, nullable};
use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
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
    /// The first window of a weekly series this one belongs to.
    pub series_id: Option<i64>,
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
    /// A planned window with an end repeats every week at the same local time of the
    /// service hours' time zone (UTC without service hours), up to this date (`YYYY-MM-DD`,
    /// the last window starting on or before it).
    pub repeat_weekly_until: Option<String>,
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
    crate::foundation::page::parse_rfc3339(value.trim())
        .map(|t| t.as_microsecond())
        .ok_or_else(|| {
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

/// The windows of a weekly series: the first, then one each week at the same local wall-clock
/// times in `zone` (so a 02:00–04:00 window stays 02:00–04:00 across DST changes), while a
/// window's start falls on or before `until`. A local time that a DST change skips moves
/// forward by the gap; one it repeats takes its earlier instant.
pub fn weekly_series(
    first: &OutageDraft,
    until: Date,
    zone: &TimeZone,
) -> Result<Vec<OutageDraft>, Invalid> {
    let field = "repeat_weekly_until";
    let local = |micros: i64| {
        Timestamp::from_microsecond(micros)
            .map(|t| t.to_zoned_datetime(zone.clone()).datetime())
            .map_err(|_| Invalid(vec![FieldError::new("start", "is out of range")]))
    };
    let start = local(first.start)?;
    let end = local(first.end.unwrap_or(first.start))?;
    if until < start.date() {
        return Err(Invalid(vec![FieldError::new(
            field,
            "must not be before the first window's start",
        )]));
    }
    let mut windows = Vec::new();
    for week in 0.. {
        let shift = jiff::Span::new().weeks(week);
        let (Ok(s), Ok(e)) = (start.checked_add(shift), end.checked_add(shift)) else {
            break;
        };
        if s.date() > until {
            break;
        }
        if windows.len() == SERIES_MAX {
            return Err(Invalid(vec![FieldError::new(
                field,
                format!("a series holds at most {SERIES_MAX} weekly windows (five years)"),
            )]));
        }
        let instant = |civil: jiff::civil::DateTime| {
            zone.to_ambiguous_timestamp(civil)
                .compatible()
                .map(|t| t.as_microsecond())
                .map_err(|e| Invalid(vec![FieldError::new(field, e.to_string())]))
        };
        windows.push(OutageDraft {
            start: instant(s)?,
            end: Some(instant(e)?),
            ..first.clone()
        });
    }
    Ok(windows)
}

fn clean(note: Option<String>) -> Option<String> {
    note.map(|n| n.trim().to_owned()).filter(|n| !n.is_empty())
}

/// The most windows one weekly series holds (five years).
pub const SERIES_MAX: usize = 261;

impl OutageInput {
    /// The checked window, and the date a weekly series of it runs until.
    pub fn parse_series(mut self, now: i64) -> Result<(OutageDraft, Option<Date>), Invalid> {
        let until = self
            .repeat_weekly_until
            .take()
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        let kind = self.kind;
        let draft = self.parse(now)?;
        let Some(until) = until else {
            return Ok((draft, None));
        };
        let field = "repeat_weekly_until";
        if kind != OutageKind::Planned || draft.end.is_none() {
            return Err(Invalid(vec![FieldError::new(
                field,
                "only a planned maintenance window with an end repeats",
            )]));
        }
        let date = until.parse::<Date>().map_err(|_| {
            Invalid(vec![FieldError::new(
                field,
                "must be a date written YYYY-MM-DD, for example 2026-12-31",
            )])
        })?;
        Ok((draft, Some(date)))
    }

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
            repeat_weekly_until: None,
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
    fn a_weekly_window_keeps_its_local_time_across_dst() {
        // Saturdays 22:00–02:00 in Berlin, across the change to summer time on 29 March.
        let mut first = input(
            "2026-03-21T21:00:00Z",
            Some("2026-03-22T01:00:00Z"),
            OutageKind::Planned,
        );
        first.repeat_weekly_until = Some("2026-04-04".into());
        let (draft, until) = first.parse_series(NOW).unwrap();
        let zone = TimeZone::get("Europe/Berlin").unwrap();
        let windows = weekly_series(&draft, until.unwrap(), &zone).unwrap();
        let shown: Vec<String> = windows
            .iter()
            .map(|w| {
                let t = |m: i64| Timestamp::from_microsecond(m).unwrap().to_string();
                format!("{}/{}", t(w.start), t(w.end.unwrap()))
            })
            .collect();
        assert_eq!(
            shown,
            [
                "2026-03-21T21:00:00Z/2026-03-22T01:00:00Z",
                // The night of the change: 22:00 CET to 02:00 local, which is 03:00 CEST
                // (02:00 does not exist that night), so 01:00 UTC still.
                "2026-03-28T21:00:00Z/2026-03-29T01:00:00Z",
                "2026-04-04T20:00:00Z/2026-04-05T00:00:00Z",
            ]
        );
    }

    #[test]
    fn only_planned_windows_with_an_end_repeat_and_not_forever() {
        let mut open = input("2026-03-07T22:00:00Z", None, OutageKind::Planned);
        open.repeat_weekly_until = Some("2026-04-01".into());
        assert_eq!(
            fields(open.parse_series(NOW).unwrap_err()),
            ["repeat_weekly_until"]
        );
        let mut long = input(
            "2026-03-07T22:00:00Z",
            Some("2026-03-07T23:00:00Z"),
            OutageKind::Planned,
        );
        long.repeat_weekly_until = Some("2036-01-01".into());
        let (draft, until) = long.parse_series(NOW).unwrap();
        let err = weekly_series(&draft, until.unwrap(), &TimeZone::UTC).unwrap_err();
        assert_eq!(fields(err), ["repeat_weekly_until"]);
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
