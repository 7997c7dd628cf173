//! The public status page (ISO/IEC 20000-1 8.7.1: availability made visible to customers): for
//! each service marked for it, its state now, open outages, upcoming maintenance and daily
//! availability. It carries names, states, instants and figures only, never notes, incidents,
//! customers or people, so nothing internal can leak through it.
use crate::assurance::availability::{Span, availability};
use crate::assurance::outage::OutageKind;
use crate::service_level::calendar::{Calendar, CalendarError};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// A service's state now, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ServiceState {
    Outage,
    Degraded,
    Maintenance,
    Operational,
}

impl ServiceState {
    pub fn label(self) -> &'static str {
        match self {
            ServiceState::Outage => "Outage",
            ServiceState::Degraded => "Degraded",
            ServiceState::Maintenance => "Maintenance",
            ServiceState::Operational => "Operational",
        }
    }
}

/// An outage or maintenance window as the public sees it: when, and which kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct PublicWindow {
    pub kind: OutageKind,
    pub start: String,
    pub end: Option<String>,
}

/// One UTC day's availability; none when the day had no agreed time.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Day {
    /// `YYYY-MM-DD`, UTC.
    pub date: String,
    pub availability_percent: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ServiceStatusEntry {
    pub name: String,
    pub state: ServiceState,
    /// Unplanned outages not over yet.
    pub open_outages: Vec<PublicWindow>,
    /// Planned maintenance under way or starting within the next 30 days.
    pub maintenance: Vec<PublicWindow>,
    /// Availability over the whole of `days` (from when the service was recorded, if later);
    /// none when nothing was agreed.
    pub availability_percent: Option<f64>,
    /// The last 90 UTC days, oldest first, today last (up to now); days before the service
    /// was recorded have no figure.
    pub days: Vec<Day>,
}

/// Body of `GET /status.json`.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct StatusPage {
    pub generated_at: String,
    pub services: Vec<ServiceStatusEntry>,
}

/// How many days the page shows.
pub const DAYS: i64 = 90;

/// How far ahead maintenance is announced.
pub const MAINTENANCE_AHEAD: SignedDuration = SignedDuration::from_hours(30 * 24);

fn window(s: &Span) -> PublicWindow {
    PublicWindow {
        kind: s.kind,
        start: s.start.to_string(),
        end: s.end.map(|e| e.to_string()),
    }
}

fn covers(s: &Span, at: Timestamp) -> bool {
    s.start <= at && s.end.is_none_or(|e| at < e)
}

/// A service's entry at `now` from its outages (those of the last 90 days and ahead), its
/// service hours, whether a major incident on it is open, and when it was recorded: before
/// that there is nothing to measure, so those days have no figure rather than a perfect one.
pub fn entry(
    name: &str,
    since: Timestamp,
    calendar: Option<&Calendar>,
    outages: &[Span],
    major_incident_open: bool,
    now: Timestamp,
) -> Result<ServiceStatusEntry, CalendarError> {
    let open_outages: Vec<PublicWindow> = outages
        .iter()
        .filter(|s| s.kind == OutageKind::Unplanned && covers(s, now))
        .map(window)
        .collect();
    let in_maintenance = outages
        .iter()
        .any(|s| s.kind == OutageKind::Planned && covers(s, now));
    let state = if !open_outages.is_empty() {
        ServiceState::Outage
    } else if major_incident_open {
        ServiceState::Degraded
    } else if in_maintenance {
        ServiceState::Maintenance
    } else {
        ServiceState::Operational
    };
    let maintenance = outages
        .iter()
        .filter(|s| {
            s.kind == OutageKind::Planned
                && s.end.is_none_or(|e| e > now)
                && s.start < now + MAINTENANCE_AHEAD
        })
        .map(window)
        .collect();

    let today = now
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .start_of_day()
        .map(|z| z.timestamp())
        .unwrap_or(now);
    let first = today - SignedDuration::from_hours(24 * (DAYS - 1));
    let mut days = Vec::with_capacity(DAYS as usize);
    for d in 0..DAYS {
        let day = first + SignedDuration::from_hours(24 * d);
        let from = day.max(since);
        let to = (day + SignedDuration::from_hours(24)).min(now);
        let availability_percent = if from < to {
            availability(calendar, from, to, now, outages, None)?.availability_percent
        } else {
            None
        };
        days.push(Day {
            date: day.strftime("%Y-%m-%d").to_string(),
            availability_percent,
        });
    }
    let start = first.max(since);
    let availability_percent = if start < now {
        availability(calendar, start, now, now, outages, None)?.availability_percent
    } else {
        None
    };
    Ok(ServiceStatusEntry {
        name: name.to_owned(),
        state,
        open_outages,
        maintenance,
        availability_percent,
        days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assurance::availability::test_support::{span, ts};

    const NOW: &str = "2026-03-10T12:00:00Z";

    #[test]
    fn the_state_is_the_worst_that_holds_now() {
        let open = span("2026-03-10T11:00:00Z", None, OutageKind::Unplanned);
        let maint = span(
            "2026-03-10T10:00:00Z",
            Some("2026-03-10T14:00:00Z"),
            OutageKind::Planned,
        );
        let long_ago = ts("2025-01-01T00:00:00Z");
        let state = |o: &[Span], major| {
            entry("Mail", long_ago, None, o, major, ts(NOW))
                .unwrap()
                .state
        };
        assert_eq!(state(&[open, maint], false), ServiceState::Outage);
        assert_eq!(state(&[maint], true), ServiceState::Degraded);
        assert_eq!(state(&[maint], false), ServiceState::Maintenance);
        assert_eq!(state(&[], false), ServiceState::Operational);
    }

    #[test]
    fn ninety_days_end_today_and_maintenance_is_announced_ahead() {
        let e = entry(
            "Mail",
            ts("2026-03-01T06:00:00Z"),
            None,
            &[
                span(
                    "2026-03-09T00:00:00Z",
                    Some("2026-03-09T02:24:00Z"),
                    OutageKind::Unplanned,
                ),
                span(
                    "2026-03-20T22:00:00Z",
                    Some("2026-03-21T02:00:00Z"),
                    OutageKind::Planned,
                ),
                span(
                    "2026-05-20T22:00:00Z",
                    Some("2026-05-21T02:00:00Z"),
                    OutageKind::Planned,
                ),
            ],
            false,
            ts(NOW),
        )
        .unwrap();
        assert_eq!(e.days.len(), 90);
        assert_eq!(e.days[89].date, "2026-03-10");
        assert_eq!(e.days[88].availability_percent, Some(90.0));
        assert_eq!(e.days[89].availability_percent, Some(100.0));
        assert_eq!(e.maintenance.len(), 1, "only the next 30 days");
        assert_eq!(e.days[79].date, "2026-02-28");
        assert_eq!(
            e.days[79].availability_percent, None,
            "before the service was recorded"
        );
        assert_eq!(
            e.days[80].availability_percent,
            Some(100.0),
            "from 06:00 on its first day"
        );
        // 2 h 24 min down in 9 days 6 hours.
        let expected: f64 = (1.0 - 8640.0 / (9.0 * 86400.0 + 6.0 * 3600.0)) * 100.0;
        assert_eq!(
            e.availability_percent,
            Some((expected * 10_000.0).round() / 10_000.0)
        );
        assert_eq!(e.state, ServiceState::Operational);
    }
}
