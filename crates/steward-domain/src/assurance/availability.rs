//! Availability of a service over a period (ISO/IEC 20000-1 8.7.1), computed from its outage
//! records against its service hours:
//!
//! - agreed time = business time of the service hours in the period, less what lies inside
//!   planned maintenance;
//! - downtime = business time inside unplanned outages and outside maintenance, overlapping
//!   outages counted once, outages clipped to the period, an open one counted up to now;
//! - availability = 100 × (agreed − downtime) / agreed; none, with the reason, when nothing was
//!   agreed.
//!
//! Business time comes from the calendar engine, so the figures are exact across DST changes
//! and holidays; no calendar means around the clock.
use crate::assurance::outage::{Outage, OutageKind};
use crate::service_level::calendar::{Calendar, CalendarError, Timeline};
use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// One outage as the computation needs it: when, and whether planned. No end: still open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    pub end: Option<Timestamp>,
    pub kind: OutageKind,
}

/// The figures of one service over one period.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Figures {
    pub agreed_seconds: i64,
    pub downtime_seconds: i64,
    /// To four decimals; none when no time was agreed (see `reason`).
    pub availability_percent: Option<f64>,
    pub target_percent: Option<f64>,
    /// Whether the target was met; none without a target or without agreed time.
    pub met: Option<bool>,
    /// Interruptions that cost agreed time in the period: overlapping or touching unplanned
    /// outages, outside maintenance, count as one.
    pub outage_count: i64,
    /// Mean agreed time in service between those outages: (agreed − downtime) / count.
    pub mtbf_seconds: Option<i64>,
    /// Mean time to restore service: downtime / count.
    pub mtrs_seconds: Option<i64>,
    /// Why `availability_percent` is none.
    pub reason: Option<String>,
}

/// A service's availability over a period, with the outages it was computed from.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AvailabilityReport {
    pub service_id: i64,
    pub service: String,
    pub from: String,
    pub to: String,
    /// Where measuring starts: `from`, or later when Steward has no records of the service
    /// before (its creation, or an earlier outage entered afterwards). Time before it is not
    /// counted as agreed, so a new service does not look perfect for a year it was not run.
    pub measured_from: String,
    /// The service hours' calendar; none means around the clock.
    pub calendar_id: Option<i64>,
    #[serde(flatten)]
    pub figures: Figures,
    pub outages: Vec<Outage>,
}

/// When Steward's records of a service begin (microseconds): its creation, or an earlier
/// outage entered afterwards. Before it nothing is measured, so a service recorded today is
/// not shown as perfect for the year before.
pub fn records_begin(created: i64, first_outage: Option<i64>) -> i64 {
    first_outage.map_or(created, |o| o.min(created))
}

/// Where measuring `[from, to)` starts: `from`, or when the records begin if later (at most
/// `to`, an empty period).
pub fn measured_from(from: i64, to: i64, records_begin: i64) -> i64 {
    from.max(records_begin).min(to)
}

type Interval = (Timestamp, Timestamp);

/// The union of intervals, sorted, with touching ones joined.
fn union(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.retain(|(a, b)| a < b);
    intervals.sort();
    let mut out: Vec<Interval> = Vec::with_capacity(intervals.len());
    for (a, b) in intervals {
        match out.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// `a` less `b`, both unions.
fn minus(a: &[Interval], b: &[Interval]) -> Vec<Interval> {
    let mut out = Vec::new();
    for &(mut start, end) in a {
        for &(cut_start, cut_end) in b {
            if cut_end <= start || cut_start >= end {
                continue;
            }
            if cut_start > start {
                out.push((start, cut_start));
            }
            start = start.max(cut_end);
        }
        if start < end {
            out.push((start, end));
        }
    }
    out
}

/// Business time, read from a timeline laid out once over the period when the service has
/// hours (two binary searches an interval instead of a walk over its days).
struct Hours<'a> {
    calendar: Option<&'a Calendar>,
    timeline: Option<Timeline>,
}

impl Hours<'_> {
    fn between(&self, from: Timestamp, to: Timestamp) -> Result<SignedDuration, CalendarError> {
        match (self.calendar, &self.timeline) {
            (None, _) => Ok(to.duration_since(from)),
            (Some(c), Some(t)) if from <= to => match t.elapsed_exact(from, to) {
                Some(d) => Ok(d),
                None => c.elapsed_exact(from, to),
            },
            (Some(c), _) => c.elapsed_exact(from, to),
        }
    }

    fn total(&self, intervals: &[Interval]) -> Result<SignedDuration, CalendarError> {
        intervals
            .iter()
            .try_fold(SignedDuration::ZERO, |sum, &(a, b)| {
                Ok(sum + self.between(a, b)?)
            })
    }
}

/// Availability over `[from, to)` at `now`. `from < to` is the caller's to check.
pub fn availability(
    calendar: Option<&Calendar>,
    from: Timestamp,
    to: Timestamp,
    now: Timestamp,
    outages: &[Span],
    target_percent: Option<f64>,
) -> Result<Figures, CalendarError> {
    // An open outage lasts until now; nothing counts beyond the period or before it.
    let clip = |s: &Span| -> Interval {
        let end = s.end.unwrap_or(now.max(s.start));
        (s.start.max(from), end.min(to))
    };
    let of_kind = |kind: OutageKind| -> Vec<Interval> {
        union(
            outages
                .iter()
                .filter(|s| s.kind == kind)
                .map(clip)
                .collect(),
        )
    };
    let maintenance = of_kind(OutageKind::Planned);
    let unplanned = of_kind(OutageKind::Unplanned);
    let down = minus(&unplanned, &maintenance);

    let hours = Hours {
        calendar,
        timeline: match calendar {
            Some(c) if from < to => c.timeline(from, to)?,
            _ => None,
        },
    };
    let agreed = hours.between(from, to)? - hours.total(&maintenance)?;
    let downtime = hours.total(&down)?;
    // Interruptions of the service: the stretches of downtime that cost agreed time.
    // Overlapping or touching outage records are one interruption, so MTRS is the time a
    // person waited for the service to come back, not split between duplicate records.
    let mut outage_count = 0i64;
    for stretch in &down {
        if hours.total(std::slice::from_ref(stretch))? > SignedDuration::ZERO {
            outage_count += 1;
        }
    }

    let agreed_seconds = agreed.as_secs();
    let downtime_seconds = downtime.as_secs();
    let (availability_percent, reason) = if agreed > SignedDuration::ZERO {
        let up = (agreed - downtime).as_secs_f64() / agreed.as_secs_f64() * 100.0;
        (Some((up * 10_000.0).round() / 10_000.0), None)
    } else {
        (
            None,
            Some(
                "no agreed time in this period: it lies outside the service hours or inside planned maintenance"
                    .to_owned(),
            ),
        )
    };
    let met = match (availability_percent, target_percent) {
        (Some(a), Some(t)) => Some(a >= t),
        _ => None,
    };
    let per_outage = |seconds: i64| (outage_count > 0).then(|| seconds / outage_count);
    Ok(Figures {
        agreed_seconds,
        downtime_seconds,
        availability_percent,
        target_percent,
        met,
        outage_count,
        mtbf_seconds: per_outage(agreed_seconds - downtime_seconds),
        mtrs_seconds: per_outage(downtime_seconds),
        reason,
    })
}

/// Instants and outages written briefly, for the tests of this folder.
#[cfg(test)]
pub(crate) mod test_support {
    use super::Span;
    use crate::assurance::outage::OutageKind;
    use jiff::Timestamp;

    pub(crate) fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    pub(crate) fn span(start: &str, end: Option<&str>, kind: OutageKind) -> Span {
        Span {
            start: ts(start),
            end: end.map(ts),
            kind,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::{span, ts};
    use super::*;
    use crate::service_level::calendar::CalendarSpec;
    use proptest::prelude::*;

    fn office(zone: &str) -> Calendar {
        let spec: CalendarSpec = serde_json::from_value(serde_json::json!({
            "name": "Office", "time_zone": zone,
            "hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]],
                      "wed": [["09:00", "17:00"]], "thu": [["09:00", "17:00"]],
                      "fri": [["09:00", "17:00"]]},
            "holidays": ["2026-03-30"]
        }))
        .unwrap();
        spec.parse().unwrap()
    }

    use OutageKind::{Planned, Unplanned};

    #[test]
    fn overlapping_outages_count_once_and_maintenance_is_not_downtime() {
        let outages = [
            span(
                "2026-03-02T00:00:00Z",
                Some("2026-03-02T02:00:00Z"),
                Unplanned,
            ),
            span(
                "2026-03-02T01:00:00Z",
                Some("2026-03-02T03:00:00Z"),
                Unplanned,
            ),
            // Maintenance from 02:30: half an hour of the second outage is not downtime.
            span(
                "2026-03-02T02:30:00Z",
                Some("2026-03-02T04:30:00Z"),
                Planned,
            ),
        ];
        let f = availability(
            None,
            ts("2026-03-01T00:00:00Z"),
            ts("2026-03-11T00:00:00Z"),
            ts("2026-04-01T00:00:00Z"),
            &outages,
            Some(99.0),
        )
        .unwrap();
        assert_eq!(f.agreed_seconds, 10 * 86400 - 2 * 3600);
        assert_eq!(f.downtime_seconds, 2 * 3600 + 1800);
        // One interruption: the two records overlap.
        assert_eq!(f.outage_count, 1);
        assert_eq!(f.availability_percent, Some(98.9496));
        assert_eq!(f.met, Some(false));
        assert_eq!(f.mtrs_seconds, Some(2 * 3600 + 1800));
    }

    #[test]
    fn open_outages_count_until_now_and_everything_is_clipped_to_the_period() {
        let outages = [
            span(
                "2026-02-28T23:00:00Z",
                Some("2026-03-01T01:00:00Z"),
                Unplanned,
            ),
            span("2026-03-01T23:00:00Z", None, Unplanned),
        ];
        let f = availability(
            None,
            ts("2026-03-01T00:00:00Z"),
            ts("2026-03-02T00:00:00Z"),
            ts("2026-03-01T23:30:00Z"),
            &outages,
            None,
        )
        .unwrap();
        assert_eq!(f.downtime_seconds, 3600 + 1800);
        assert_eq!(f.met, None);
    }

    #[test]
    fn no_agreed_time_gives_no_percentage_and_says_why() {
        // A Saturday on an office calendar.
        let f = availability(
            Some(&office("Europe/Berlin")),
            ts("2026-03-07T00:00:00Z"),
            ts("2026-03-08T00:00:00Z"),
            ts("2026-04-01T00:00:00Z"),
            &[span(
                "2026-03-07T10:00:00Z",
                Some("2026-03-07T12:00:00Z"),
                Unplanned,
            )],
            Some(99.5),
        )
        .unwrap();
        assert_eq!(f.agreed_seconds, 0);
        assert_eq!(f.availability_percent, None);
        assert!(f.reason.unwrap().contains("service hours"));
        assert_eq!(
            f.outage_count, 0,
            "an outage outside the hours costs nothing"
        );
    }

    #[test]
    fn business_time_crosses_dst_and_holidays_exactly() {
        // Berlin moves to summer time on 2026-03-29; 2026-03-30 is a holiday here.
        let cal = office("Europe/Berlin");
        let f = availability(
            Some(&cal),
            ts("2026-03-27T00:00:00Z"),
            ts("2026-04-01T00:00:00Z"),
            ts("2026-04-02T00:00:00Z"),
            &[
                // Fri 16:00–17:00 local (CET, UTC+1) counts one hour.
                span(
                    "2026-03-27T15:00:00Z",
                    Some("2026-03-27T18:00:00Z"),
                    Unplanned,
                ),
                // Across the holiday into Tue 09:00–10:00 local (CEST, UTC+2): one hour.
                span(
                    "2026-03-30T00:00:00Z",
                    Some("2026-03-31T08:00:00Z"),
                    Unplanned,
                ),
            ],
            None,
        )
        .unwrap();
        // Fri, Tue: two office days of 8 h (Mon is a holiday, the weekend is closed).
        assert_eq!(f.agreed_seconds, 2 * 8 * 3600);
        assert_eq!(f.downtime_seconds, 2 * 3600);
        assert_eq!(f.outage_count, 2);
    }

    /// The reference: walk the period minute by minute.
    fn by_minutes(cal: &Calendar, from: Timestamp, outages: &[Span], minutes: i64) -> (i64, i64) {
        let (mut agreed, mut down) = (0, 0);
        for m in 0..minutes {
            let t = from + SignedDuration::from_mins(m);
            let open = cal.elapsed(t, t + SignedDuration::from_mins(1)).unwrap() == 60;
            let inside = |k: OutageKind| {
                outages
                    .iter()
                    .any(|s| s.kind == k && s.start <= t && s.end.is_none_or(|e| t < e))
            };
            if open && !inside(Planned) {
                agreed += 60;
                if inside(Unplanned) {
                    down += 60;
                }
            }
        }
        (agreed, down)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(48))]
        #[test]
        fn figures_match_a_minute_by_minute_count(
            zone in prop::sample::select(vec!["Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
            start_min in 0i64..(10 * 1440),
            raw in prop::collection::vec((0i64..(6 * 1440), 1i64..900, prop::bool::ANY), 0..6),
        ) {
            let cal = office(zone);
            // Whole minutes around the March DST changes of both hemispheres and the holiday.
            let from = ts("2026-03-26T00:00:00Z") + SignedDuration::from_mins(start_min);
            let minutes = 3 * 1440;
            let outages: Vec<Span> = raw
                .iter()
                .map(|&(at, len, planned)| {
                    let start = from - SignedDuration::from_mins(1440) + SignedDuration::from_mins(at);
                    Span {
                        start,
                        end: Some(start + SignedDuration::from_mins(len)),
                        kind: if planned { Planned } else { Unplanned },
                    }
                })
                .collect();
            let to = from + SignedDuration::from_mins(minutes);
            let f = availability(Some(&cal), from, to, to, &outages, None).unwrap();
            let (agreed, down) = by_minutes(&cal, from, &outages, minutes);
            prop_assert_eq!(f.agreed_seconds, agreed);
            prop_assert_eq!(f.downtime_seconds, down);
        }
    }
}
