//! Service reports (ISO/IEC 20000-1 9.4): what a report is asked for (period, grouping,
//! filters), the shape every report answers in (summary figures with their trend against the
//! previous period, a table, a chart), and the statistics they use. No I/O.
use crate::foundation::validation::{Errors, FieldError, Invalid};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

crate::foundation::text_enum::text_enum!(
    /// The reports Steward produces.
    ReportName {
        Volumes = "volumes",
        SlaCompliance = "sla-compliance",
        ResolutionTimes = "resolution-times",
        Rates = "rates",
        BacklogAging = "backlog-aging",
        Problems = "problems",
        Workload = "workload",
        Availability = "availability",
        Satisfaction = "satisfaction",
        Changes = "changes",
    }
);

crate::foundation::text_enum::text_enum!(
    /// The bucket a report's series is grouped into.
    Grouping { Day = "day", Week = "week", Month = "month" }
);

crate::foundation::text_enum::text_enum!(
    /// What SLA compliance is broken down by.
    ComplianceBy { Sla = "sla", Service = "service", Customer = "customer", Priority = "priority" }
);

crate::foundation::text_enum::text_enum!(
    /// What the availability report lists a row for.
    AvailabilityBy { Service = "service", Customer = "customer", Month = "month" }
);

crate::foundation::text_enum::text_enum!(
    /// What the satisfaction report lists a row for.
    SatisfactionBy {
        Service = "service",
        Team = "team",
        Customer = "customer",
        Agent = "agent",
        Month = "month",
    }
);

impl ReportName {
    /// The kind of ticket a report counts, for the reports that count tickets.
    pub fn counted(
        self,
        asked: crate::resolution::ticket::TicketKind,
    ) -> Option<crate::resolution::ticket::TicketKind> {
        match self {
            ReportName::Volumes
            | ReportName::SlaCompliance
            | ReportName::ResolutionTimes
            | ReportName::Rates
            | ReportName::BacklogAging => Some(asked),
            ReportName::Problems => Some(crate::resolution::ticket::TicketKind::Problem),
            _ => None,
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            ReportName::Volumes => "Volumes: opened, resolved and backlog",
            ReportName::SlaCompliance => "SLA compliance",
            ReportName::ResolutionTimes => "Time to acknowledge, resolve and close",
            ReportName::Rates => "Reassignment and reopen rates",
            ReportName::BacklogAging => "Backlog aging",
            ReportName::Problems => "Problems and known errors",
            ReportName::Workload => "Workload against SLA limits",
            ReportName::Availability => "Availability against target",
            ReportName::Satisfaction => "Customer satisfaction",
            ReportName::Changes => "Changes: success, emergencies, incidents caused and lead time",
        }
    }
}

/// Query parameters of `GET /api/v1/reports/{name}` (also the CLI's flags).
#[derive(Debug, Clone, Default, Deserialize, Serialize, utoipa::IntoParams, utoipa::ToSchema)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReportParams {
    /// Start of the period, `YYYY-MM-DD` (UTC midnight) or RFC 3339; default 30 days before `to`.
    pub from: Option<String>,
    /// End of the period (exclusive), same forms; default now.
    pub to: Option<String>,
    /// day, week or month; default by the period's length.
    pub grouping: Option<String>,
    pub service_id: Option<i64>,
    /// A customer organization.
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    /// 1 to 5.
    pub priority: Option<i64>,
    /// incident (default), request or problem.
    pub kind: Option<String>,
    /// SLA compliance: sla (default), service, customer or priority. Availability: service
    /// (default), customer or month. Satisfaction: service (default), team, customer, agent or
    /// month.
    pub by: Option<String>,
    /// SLA compliance only: the compliance target in percent drawn on the chart (default 95).
    pub target: Option<f64>,
    /// json (default), csv or html.
    pub format: Option<String>,
}

/// Filters every report applies.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Filters {
    pub service_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub team_id: Option<i64>,
    pub priority: Option<i64>,
}

/// A checked report request. Instants are microseconds since the epoch, `to` exclusive.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    pub name: ReportName,
    pub from: i64,
    pub to: i64,
    pub grouping: Grouping,
    pub filters: Filters,
    pub kind: crate::resolution::ticket::TicketKind,
    pub by: ComplianceBy,
    pub availability_by: AvailabilityBy,
    pub satisfaction_by: SatisfactionBy,
    pub target_percent: f64,
}

pub const MAX_BUCKETS: i64 = 1000;
const DAY: i64 = 86_400_000_000;

fn instant(field: &str, text: &str) -> Result<i64, FieldError> {
    if let Ok(d) = text.parse::<Date>() {
        return d
            .to_zoned_datetime(TimeZone::UTC)
            .map(|z| z.timestamp().as_microsecond())
            .map_err(|_| FieldError::new(field, "date out of range"));
    }
    crate::foundation::page::parse_rfc3339(text)
        .map(|t| t.as_microsecond())
        .ok_or_else(|| FieldError::new(field, "write a date (YYYY-MM-DD) or an RFC 3339 instant"))
}

impl ReportQuery {
    pub fn parse(name: &str, p: &ReportParams, now: i64) -> Result<ReportQuery, Invalid> {
        let mut e = Errors::new();
        let name = e.take(ReportName::parse(name).ok_or_else(|| {
            FieldError::new(
                "name",
                format!(
                    "no report named {name:?}; reports: {}",
                    ReportName::choices()
                ),
            )
        }));
        let to = match &p.to {
            Some(t) => e.take(instant("to", t)),
            None => Some(now),
        };
        let from = match (&p.from, to) {
            (Some(f), _) => e.take(instant("from", f)),
            (None, Some(to)) => Some(to - 30 * DAY),
            (None, None) => None,
        };
        if let (Some(f), Some(t)) = (from, to)
            && f >= t
        {
            e.push(FieldError::new("from", "must be before `to`"));
        }
        let span = match (from, to) {
            (Some(f), Some(t)) => t - f,
            _ => DAY,
        };
        let grouping = match p.grouping.as_deref() {
            Some(g) => e.take(Grouping::parse(g).ok_or_else(|| {
                FieldError::new("grouping", format!("one of {}", Grouping::choices()))
            })),
            None if span <= 62 * DAY => Some(Grouping::Day),
            None if span <= 400 * DAY => Some(Grouping::Week),
            None => Some(Grouping::Month),
        };
        if let Some(g) = grouping {
            let width = match g {
                Grouping::Day => DAY,
                Grouping::Week => 7 * DAY,
                Grouping::Month => 28 * DAY,
            };
            if span / width > MAX_BUCKETS {
                e.push(FieldError::new(
                    "grouping",
                    format!(
                        "more than {MAX_BUCKETS} {}s in the period; choose a coarser grouping",
                        g.as_str()
                    ),
                ));
            }
        }
        if let Some(pr) = p.priority
            && !(1..=5).contains(&pr)
        {
            e.push(FieldError::new("priority", "1 to 5"));
        }
        let kind = match p.kind.as_deref() {
            None => Some(crate::resolution::ticket::TicketKind::Incident),
            Some(k) => e.take(
                crate::resolution::ticket::TicketKind::parse(k)
                    .ok_or_else(|| FieldError::new("kind", "incident, request or problem")),
            ),
        };
        let (mut by, mut availability_by, mut satisfaction_by) = (
            Some(ComplianceBy::Sla),
            Some(AvailabilityBy::Service),
            Some(SatisfactionBy::Service),
        );
        match (name, p.by.as_deref()) {
            (_, None) => {}
            (Some(ReportName::Availability), Some(b)) => {
                availability_by = e.take(AvailabilityBy::parse(b).ok_or_else(|| {
                    FieldError::new("by", format!("one of {}", AvailabilityBy::choices()))
                }));
            }
            (Some(ReportName::Satisfaction), Some(b)) => {
                satisfaction_by = e.take(SatisfactionBy::parse(b).ok_or_else(|| {
                    FieldError::new("by", format!("one of {}", SatisfactionBy::choices()))
                }));
            }
            (_, Some(b)) => {
                by = e.take(ComplianceBy::parse(b).ok_or_else(|| {
                    FieldError::new("by", format!("one of {}", ComplianceBy::choices()))
                }));
            }
        }
        let target_percent = p.target.unwrap_or(95.0);
        if !(0.0..=100.0).contains(&target_percent) {
            e.push(FieldError::new("target", "a percentage from 0 to 100"));
        }
        e.finish()?;
        Ok(ReportQuery {
            name: name.unwrap_or(ReportName::Volumes),
            from: from.unwrap_or_default(),
            to: to.unwrap_or_default(),
            grouping: grouping.unwrap_or(Grouping::Day),
            filters: Filters {
                service_id: p.service_id,
                organization_id: p.organization_id,
                team_id: p.team_id,
                priority: p.priority,
            },
            kind: kind.unwrap_or(crate::resolution::ticket::TicketKind::Incident),
            by: by.unwrap_or(ComplianceBy::Sla),
            availability_by: availability_by.unwrap_or(AvailabilityBy::Service),
            satisfaction_by: satisfaction_by.unwrap_or(SatisfactionBy::Service),
            target_percent,
        })
    }

    /// The period of the same length just before this one, for the trend.
    pub fn previous(&self) -> (i64, i64) {
        (self.from - (self.to - self.from), self.from)
    }

    /// What a report must say when its records begin after the previous period starts
    /// (`first` is when the first record of `kind` was opened): its trend then compares
    /// with a period the records cover only in part or not at all, and a change of
    /// "up 11,705 %" says nothing about the service. `None` when both periods are covered.
    pub fn coverage_note(
        &self,
        kind: crate::resolution::ticket::TicketKind,
        first: Option<i64>,
    ) -> Option<String> {
        let first = first?;
        let (pf, pt) = self.previous();
        if first <= pf {
            return None;
        }
        let day = |at: i64| {
            Timestamp::from_microsecond(at)
                .map(|t| t.strftime("%Y-%m-%d").to_string())
                .unwrap_or_default()
        };
        let kind = kind.as_str();
        let previous = format!("the previous period ({} to {})", day(pf), day(pt));
        Some(if first >= self.to {
            format!(
                "The first {kind} record was opened on {}, after this period: neither it nor \
                 {previous} holds any.",
                day(first)
            )
        } else if first < pt {
            format!(
                "The first {kind} record was opened on {}, inside {previous}: the comparison \
                 with it covers only part of that period.",
                day(first)
            )
        } else {
            format!(
                "The first {kind} record was opened on {}: {previous} holds none, so there \
                 is no trend to compare with{}.",
                day(first),
                if first > self.from {
                    ", and this period is covered only from that day"
                } else {
                    ""
                }
            )
        })
    }

    /// The buckets of the period: `(label, start, end)`, UTC, the last one cut at `to`.
    pub fn buckets(&self) -> Vec<(String, i64, i64)> {
        let start = Timestamp::from_microsecond(self.from)
            .unwrap_or(Timestamp::UNIX_EPOCH)
            .to_zoned_datetime(TimeZone::UTC)
            .date();
        let first = match self.grouping {
            Grouping::Day => start,
            Grouping::Week => start
                .checked_sub((start.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(start),
            Grouping::Month => start.first_of_month(),
        };
        let step = match self.grouping {
            Grouping::Day => 1.day(),
            Grouping::Week => 1.week(),
            Grouping::Month => 1.month(),
        };
        let micros = |d: Date| {
            d.to_zoned_datetime(TimeZone::UTC)
                .map(|z| z.timestamp().as_microsecond())
                .unwrap_or(i64::MAX)
        };
        let mut out = Vec::new();
        let mut d = first;
        while micros(d) < self.to && out.len() < MAX_BUCKETS as usize + 2 {
            let Ok(next) = d.checked_add(step) else { break };
            let label = match self.grouping {
                Grouping::Month => d.strftime("%Y-%m").to_string(),
                _ => d.to_string(),
            };
            out.push((label, micros(d).max(self.from), micros(next).min(self.to)));
            d = next;
        }
        out
    }
}

/// One headline figure with the previous period's value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Figure {
    pub key: String,
    pub label: String,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// count, percent, days or hours.
    pub unit: String,
    /// Relative change against the previous period, in percent; absent when either is missing
    /// or the previous value is zero.
    pub change_percent: Option<f64>,
}

impl Figure {
    pub fn new(
        key: &str,
        label: &str,
        unit: &str,
        value: Option<f64>,
        previous: Option<f64>,
    ) -> Self {
        let change_percent = match (value, previous) {
            (Some(v), Some(p)) if p != 0.0 => Some(round((v - p) / p.abs() * 100.0, 1)),
            _ => None,
        };
        Figure {
            key: key.into(),
            label: label.into(),
            value,
            previous,
            unit: unit.into(),
            change_percent,
        }
    }
}

/// A column of a report's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Column {
    pub key: String,
    pub label: String,
}

/// How a report's table is best drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChartSpec {
    /// A line per column in `series`, over the rows (trends).
    Line { series: Vec<String>, unit: String },
    /// Stacked bars per row of the columns in `series` (backlog by age band).
    StackedBars { series: Vec<String>, unit: String },
    /// Bars side by side in each row, one per group; a group of several columns is a stack
    /// (volumes: opened, next to resolved and closed unresolved stacked; resolution times:
    /// mean, median and 90th percentile side by side, which a stack would add up).
    Bars {
        groups: Vec<Vec<String>>,
        unit: String,
    },
    /// A bar per row of the column `value` against a target line (compliance).
    BarsWithTarget {
        value: String,
        target: f64,
        unit: String,
    },
}

/// Every report answers in this shape, so JSON, CSV and the HTML page render them alike.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Report {
    pub name: String,
    pub title: String,
    /// RFC 3339, `to` exclusive.
    pub from: String,
    pub to: String,
    pub previous_from: String,
    pub previous_to: String,
    pub grouping: String,
    pub kind: String,
    pub filters: Filters,
    pub summary: Vec<Figure>,
    pub columns: Vec<Column>,
    /// Row label first, then one value per further column (null: no value).
    #[schema(value_type = Vec<Vec<Value>>)]
    pub rows: Vec<Vec<serde_json::Value>>,
    pub chart: Option<ChartSpec>,
    /// What limits the figures, to be read before them: a previous period the records do not
    /// cover, for one. Empty when nothing does.
    #[serde(default)]
    pub caveats: Vec<String>,
    /// What the figures count and how, for a reader who checks them.
    pub notes: Vec<String>,
    pub generated_at: String,
}

/// Mean, median and 90th percentile of a sample (nearest-rank percentile).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Stats {
    pub n: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

impl Stats {
    pub fn of(mut values: Vec<f64>) -> Stats {
        values.retain(|v| v.is_finite());
        let n = values.len();
        if n == 0 {
            return Stats {
                n,
                mean: None,
                median: None,
                p90: None,
            };
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        // Selection instead of a full sort: a million durations are partitioned in linear
        // time. The upper median splits them; the lower one (even n) is the greatest value
        // left of it, and the 90th percentile lies at or right of it.
        let upper = n / 2;
        let (left, &mut high, right) = values.select_nth_unstable_by(upper, f64::total_cmp);
        let median = if n % 2 == 1 {
            high
        } else {
            let low = left.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            (low + high) / 2.0
        };
        let rank = ((0.9 * n as f64).ceil() as usize).clamp(1, n);
        let p90 = match (rank - 1).checked_sub(upper + 1) {
            Some(i) => *right.select_nth_unstable_by(i, f64::total_cmp).1,
            None => high,
        };
        Stats {
            n,
            mean: Some(mean),
            median: Some(median),
            p90: Some(p90),
        }
    }
}

pub fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// A share in percent, or none of nothing.
pub fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 * 100.0 / whole as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_match_hand_computed_values() {
        let s = Stats::of(vec![4.0, 1.0, 3.0, 2.0]);
        assert_eq!(
            (s.n, s.mean, s.median, s.p90),
            (4, Some(2.5), Some(2.5), Some(4.0))
        );
        let s = Stats::of((1..=10).map(f64::from).collect());
        assert_eq!((s.median, s.p90), (Some(5.5), Some(9.0)));
        assert_eq!(Stats::of(vec![]).mean, None);
    }

    proptest::proptest! {
        /// Selection gives what sorting the whole sample gives.
        #[test]
        fn stats_equal_those_of_the_sorted_sample(
            values in proptest::collection::vec(-1.0e6f64..1.0e6, 1..200),
        ) {
            let mut sorted = values.clone();
            sorted.sort_by(f64::total_cmp);
            let n = sorted.len();
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0
            };
            let p90 = sorted[((0.9 * n as f64).ceil() as usize).clamp(1, n) - 1];
            let s = Stats::of(values);
            proptest::prop_assert_eq!((s.n, s.median, s.p90), (n, Some(median), Some(p90)));
        }
    }

    #[test]
    fn the_previous_period_has_the_same_length() {
        let p = ReportParams {
            from: Some("2026-03-01".into()),
            to: Some("2026-04-01".into()),
            ..Default::default()
        };
        let q = ReportQuery::parse("volumes", &p, 0).unwrap();
        let (pf, pt) = q.previous();
        assert_eq!(pt, q.from);
        assert_eq!(q.to - q.from, pt - pf);
        assert_eq!(q.grouping, Grouping::Day);
        assert_eq!(q.buckets().len(), 31);
    }

    #[test]
    fn a_previous_period_before_the_first_record_is_said() {
        use crate::resolution::ticket::TicketKind;
        let p = ReportParams {
            from: Some("2016-03-01".into()),
            to: Some("2016-06-01".into()),
            ..Default::default()
        };
        let q = ReportQuery::parse("volumes", &p, 0).unwrap();
        let at = |d: &str| instant("x", d).unwrap();
        assert_eq!(q.coverage_note(TicketKind::Incident, None), None);
        assert_eq!(
            q.coverage_note(TicketKind::Incident, Some(q.previous().0)),
            None
        );
        assert_eq!(
            q.coverage_note(TicketKind::Incident, Some(at("2015-01-01"))),
            None
        );
        let part = q
            .coverage_note(TicketKind::Incident, Some(at("2016-02-29")))
            .unwrap();
        assert!(part.contains("2016-02-29") && part.contains("2015-11-30 to 2016-03-01"));
        assert!(part.contains("only part"), "{part}");
        let none = q
            .coverage_note(TicketKind::Incident, Some(at("2016-03-01")))
            .unwrap();
        assert!(
            none.contains("holds none") && !none.contains("this period"),
            "{none}"
        );
        let later = q
            .coverage_note(TicketKind::Incident, Some(at("2016-04-02")))
            .unwrap();
        assert!(later.contains("covered only from that day"), "{later}");
        let after = q
            .coverage_note(TicketKind::Incident, Some(at("2016-06-01")))
            .unwrap();
        assert!(after.contains("after this period"), "{after}");
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first() {
        let p = ReportParams {
            from: Some("2026-03-04".into()),
            to: Some("2026-03-20".into()),
            grouping: Some("week".into()),
            ..Default::default()
        };
        let q = ReportQuery::parse("volumes", &p, 0).unwrap();
        let labels: Vec<_> = q.buckets().into_iter().map(|b| b.0).collect();
        assert_eq!(labels, vec!["2026-03-02", "2026-03-09", "2026-03-16"]);
        // The first bucket is cut at the period's start.
        assert_eq!(q.buckets()[0].1, q.from);
        let p = ReportParams {
            grouping: Some("month".into()),
            from: Some("2016-02-29".into()),
            to: Some("2016-05-01".into()),
            ..Default::default()
        };
        let q = ReportQuery::parse("volumes", &p, 0).unwrap();
        let labels: Vec<_> = q.buckets().into_iter().map(|b| b.0).collect();
        assert_eq!(labels, vec!["2016-02", "2016-03", "2016-04"]);
    }

    #[test]
    fn bad_parameters_are_named() {
        let p = ReportParams {
            from: Some("yesterday".into()),
            grouping: Some("hour".into()),
            priority: Some(9),
            by: Some("colour".into()),
            ..Default::default()
        };
        let e = ReportQuery::parse("nope", &p, 0).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        for f in ["name", "from", "grouping", "priority", "by"] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn trend_is_relative_change() {
        let f = Figure::new("x", "X", "count", Some(120.0), Some(100.0));
        assert_eq!(f.change_percent, Some(20.0));
        assert_eq!(
            Figure::new("x", "X", "count", Some(1.0), Some(0.0)).change_percent,
            None
        );
    }
}

pub mod schedule;
