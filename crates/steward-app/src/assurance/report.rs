//! The availability report: every live service's availability against its target over the
//! period, with the period before for the trend, computed with the same rule as
//! `GET /api/v1/services/{id}/availability` from one read of the outages.
use crate::reporting::reports::Built;
use crate::service_level::calendars::parse_stored;
use crate::{AppError, Result};
use jiff::Timestamp;
use serde_json::{Value, json};
use std::collections::HashMap;
use steward_domain::assurance::availability::{
    Figures, Span, availability, measured_from, records_begin,
};
use steward_domain::delivery::service::{Service, ServiceStatus};
use steward_domain::foundation::page::PageRequest;
use steward_domain::reporting::report::{
    AvailabilityBy, ChartSpec, Column, Figure, Grouping, ReportQuery, round,
};
use steward_domain::service_level::calendar::Calendar;
use steward_store::Ex;
use steward_store::assurance::outages;
use steward_store::delivery::services;
use steward_store::service_level::slas;

/// The most services one report lists.
const MAX_SERVICES: u32 = 10_000;

const HOUR: f64 = 3600.0;

fn ts(micros: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(micros).map_err(|e| AppError::Internal(e.to_string()))
}

fn hours(seconds: i64) -> Value {
    json!(round(seconds as f64 / HOUR, 2))
}

/// One service over one period: measured from its records (creation or an earlier outage).
fn measure(
    s: &Service,
    records_from: i64,
    calendar: Option<&Calendar>,
    spans: &[Span],
    (from, to): (i64, i64),
    now: i64,
) -> Result<Figures> {
    let measured_from = measured_from(from, to, records_from);
    availability(
        calendar,
        ts(measured_from)?,
        ts(to)?,
        ts(now)?,
        spans,
        s.availability_target_percent,
    )
    .map_err(|e| AppError::Internal(format!("business time failed: {e}")))
}

/// One service's figures: over the period, the period before, and each month (by month).
struct Measured<'a> {
    service: &'a Service,
    current: Figures,
    previous: Figures,
    months: Vec<Figures>,
}

type Rows = (Vec<Column>, Vec<Vec<Value>>, Option<ChartSpec>);

fn col(key: &str, label: &str) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
    }
}

fn percent(p: Option<f64>) -> Value {
    p.map_or(Value::Null, |p| json!(p))
}

/// The change in percentage points, when both periods were measured.
fn change(now: Option<f64>, before: Option<f64>) -> Value {
    match (now, before) {
        (Some(n), Some(b)) => json!(round(n - b, 4)),
        _ => Value::Null,
    }
}

/// The whole calendar month (UTC) before the one `at` falls in.
fn month_before(at: i64) -> (i64, i64) {
    use jiff::ToSpan;
    let utc = jiff::tz::TimeZone::UTC;
    let micros = |d: jiff::civil::Date| {
        d.to_zoned_datetime(utc.clone())
            .map_or(at, |z| z.timestamp().as_microsecond())
    };
    let Ok(t) = Timestamp::from_microsecond(at) else {
        return (at, at);
    };
    let first = t.to_zoned_datetime(utc.clone()).date().first_of_month();
    let before = first.checked_sub(1.month()).unwrap_or(first);
    (micros(before), micros(first))
}

fn by_service_rows(measured: &[Measured]) -> Rows {
    let rows: Vec<Vec<Value>> = measured
        .iter()
        .map(|m| {
            let (s, current) = (m.service, &m.current);
            let allowed = s
                .availability_target_percent
                .map(|t| (current.agreed_seconds as f64 * (100.0 - t) / 100.0).round() as i64);
            vec![
                json!(s.name),
                hours(current.agreed_seconds),
                hours(current.downtime_seconds),
                allowed.map_or(Value::Null, hours),
                percent(current.availability_percent),
                percent(s.availability_target_percent),
                match current.met {
                    Some(true) => json!("met"),
                    Some(false) => json!("missed"),
                    None => Value::Null,
                },
                json!(current.outage_count),
                current.mtrs_seconds.map_or(Value::Null, hours),
                percent(m.previous.availability_percent),
                change(
                    current.availability_percent,
                    m.previous.availability_percent,
                ),
            ]
        })
        .collect();
    let columns = vec![
        col("service", "Service"),
        col("agreed_hours", "Agreed hours"),
        col("downtime_hours", "Downtime hours"),
        col("allowed_hours", "Allowed downtime hours"),
        col("availability", "Availability %"),
        col("target", "Target %"),
        col("verdict", "Verdict"),
        col("outages", "Outages"),
        col("mtrs_hours", "Mean time to restore (hours)"),
        col("previous_availability", "Previous period %"),
        col("change_points", "Change (points)"),
    ];
    let chart = (!rows.is_empty()).then(|| ChartSpec::Bars {
        groups: vec![vec!["downtime_hours".into()], vec!["allowed_hours".into()]],
        unit: "hours".into(),
    });
    (columns, rows, chart)
}

/// Agreed time, downtime, availability and how many met their target, over several services.
fn pooled<'a>(figures: impl Iterator<Item = &'a Figures>) -> (i64, i64, Option<f64>, usize, usize) {
    let (mut agreed, mut down, mut met, mut targeted) = (0, 0, 0, 0);
    for f in figures {
        agreed += f.agreed_seconds;
        down += f.downtime_seconds;
        if let Some(m) = f.met {
            targeted += 1;
            met += usize::from(m);
        }
    }
    let share = (agreed > 0).then(|| round((agreed - down) as f64 * 100.0 / agreed as f64, 4));
    (agreed, down, share, met, targeted)
}

async fn customer_names(ex: Ex<'_>, measured: &[Measured<'_>]) -> Result<HashMap<i64, String>> {
    let page = PageRequest {
        limit: MAX_SERVICES,
        offset: 0,
    };
    let wanted: std::collections::HashSet<i64> = measured
        .iter()
        .flat_map(|m| m.service.customer_ids.iter().copied())
        .collect();
    let (orgs, _) = steward_store::foundation::orgs::list(ex, &Default::default(), page).await?;
    Ok(orgs
        .into_iter()
        .filter(|o| wanted.contains(&o.id))
        .map(|o| (o.id, o.name))
        .collect())
}

fn by_customer_rows(
    measured: &[Measured],
    names: &HashMap<i64, String>,
    only: Option<i64>,
) -> Rows {
    let mut customers: Vec<(&String, i64)> = names.iter().map(|(id, n)| (n, *id)).collect();
    customers.sort();
    let mut rows = Vec::new();
    for (name, id) in customers {
        if only.is_some_and(|o| o != id) {
            continue;
        }
        let theirs: Vec<&Measured> = measured
            .iter()
            .filter(|m| m.service.customer_ids.contains(&id))
            .collect();
        let (agreed, down, share, met, targeted) = pooled(theirs.iter().map(|m| &m.current));
        let (_, _, before, _, _) = pooled(theirs.iter().map(|m| &m.previous));
        rows.push(vec![
            json!(name),
            json!(theirs.len()),
            hours(agreed),
            hours(down),
            percent(share),
            json!(format!("{met} of {targeted}")),
            json!(theirs.iter().map(|m| m.current.outage_count).sum::<i64>()),
            percent(before),
            change(share, before),
        ]);
    }
    let columns = vec![
        col("customer", "Customer"),
        col("services", "Services"),
        col("agreed_hours", "Agreed hours"),
        col("downtime_hours", "Downtime hours"),
        col("availability", "Availability %"),
        col("meeting_target", "Services meeting their target"),
        col("outages", "Outages"),
        col("previous_availability", "Previous period %"),
        col("change_points", "Change (points)"),
    ];
    let chart = (!rows.is_empty()).then(|| ChartSpec::Bars {
        groups: vec![vec!["downtime_hours".into()]],
        unit: "hours".into(),
    });
    (columns, rows, chart)
}

fn by_month_rows(measured: &[Measured], months: &[(String, i64, i64)]) -> Rows {
    let mut rows = Vec::new();
    let mut before = None;
    for (i, (label, _, _)) in months.iter().enumerate() {
        let (agreed, down, share, met, targeted) = pooled(measured.iter().map(|m| &m.months[i]));
        // The first month is only the trend's starting point.
        if i > 0 {
            rows.push(vec![
                json!(label),
                hours(agreed),
                hours(down),
                percent(share),
                json!(format!("{met} of {targeted}")),
                json!(
                    measured
                        .iter()
                        .map(|m| m.months[i].outage_count)
                        .sum::<i64>()
                ),
                percent(before),
                change(share, before),
            ]);
        }
        before = share;
    }
    let columns = vec![
        col("month", "Month"),
        col("agreed_hours", "Agreed hours"),
        col("downtime_hours", "Downtime hours"),
        col("availability", "Availability %"),
        col("meeting_target", "Services meeting their target"),
        col("outages", "Outages"),
        col("previous_availability", "Month before %"),
        col("change_points", "Change (points)"),
    ];
    let chart = (!rows.is_empty()).then(|| ChartSpec::Line {
        series: vec!["availability".into()],
        unit: "percent".into(),
    });
    (columns, rows, chart)
}

/// Agreed-time-weighted availability of several services; none when nothing was agreed.
fn overall(figures: &[Figures]) -> Option<f64> {
    let agreed: i64 = figures.iter().map(|f| f.agreed_seconds).sum();
    let down: i64 = figures.iter().map(|f| f.downtime_seconds).sum();
    (agreed > 0).then(|| round((agreed - down) as f64 * 100.0 / agreed as f64, 4))
}

/// What measuring services needs, read once for all of them: the calendars, when each
/// service's records begin, and the outages overlapping `[from, to)` per service.
pub(crate) struct Inputs {
    calendars: HashMap<i64, Calendar>,
    earliest: HashMap<i64, i64>,
    spans: HashMap<i64, Vec<Span>>,
}

impl Inputs {
    pub(crate) async fn load(mut ex: Ex<'_>, from: i64, to: i64) -> Result<Inputs> {
        let mut calendars = HashMap::new();
        for (id, _, definition, _) in slas::calendars(ex.by_ref()).await? {
            calendars.insert(id, parse_stored(&definition)?);
        }
        let earliest = outages::earliest_starts(ex.by_ref())
            .await?
            .into_iter()
            .collect();
        let mut spans: HashMap<i64, Vec<Span>> = HashMap::new();
        for (service, kind, start, end) in outages::overlapping_all(ex, from, to).await? {
            spans.entry(service).or_default().push(Span {
                start: ts(start)?,
                end: end.map(ts).transpose()?,
                kind,
            });
        }
        Ok(Inputs {
            calendars,
            earliest,
            spans,
        })
    }

    /// One service over `period`, which must lie within the loaded range.
    pub(crate) fn measure(&self, s: &Service, period: (i64, i64), now: i64) -> Result<Figures> {
        let created = s
            .created_at
            .parse::<Timestamp>()
            .map_err(|e| AppError::Internal(format!("a service's creation time: {e}")))?
            .as_microsecond();
        let records_from = records_begin(created, self.earliest.get(&s.id).copied());
        let calendar = s
            .service_hours_calendar_id
            .and_then(|id| self.calendars.get(&id));
        let spans = self.spans.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        measure(s, records_from, calendar, spans, period, now)
    }
}

pub(crate) async fn availability_report(
    mut ex: Ex<'_>,
    q: &ReportQuery,
    now: i64,
) -> Result<Built> {
    let f = &q.filters;
    let filter = services::Filter {
        status: Some(ServiceStatus::Live),
        customer: f.organization_id,
        ..Default::default()
    };
    let page = PageRequest {
        limit: MAX_SERVICES,
        offset: 0,
    };
    let (mut list, _) = services::list(ex.by_ref(), &filter, page).await?;
    if let Some(id) = f.service_id {
        list.retain(|s| s.id == id);
    }
    let (pf, pt) = q.previous();
    // By month: each calendar month (UTC) of the period, and the month before the first for
    // its trend.
    let month_periods = if q.availability_by == AvailabilityBy::Month {
        let first = ReportQuery {
            grouping: Grouping::Month,
            ..q.clone()
        }
        .buckets();
        let before = first.first().map(|(_, a, _)| {
            let (from, to) = month_before(*a);
            ReportQuery {
                from,
                to,
                grouping: Grouping::Month,
                ..q.clone()
            }
            .buckets()
        });
        before
            .unwrap_or_default()
            .into_iter()
            .chain(first)
            .collect()
    } else {
        Vec::new()
    };
    let earliest_needed = month_periods.first().map_or(pf, |(_, a, _)| (*a).min(pf));
    let inputs = Inputs::load(ex.by_ref(), earliest_needed.min(q.from), q.to).await?;

    // Each service over the period and the one before, and (by month) over each month.
    let mut measured = Vec::with_capacity(list.len());
    for s in &list {
        let current = inputs.measure(s, (q.from, q.to), now)?;
        let previous = inputs.measure(s, (pf, pt), now)?;
        let mut months = Vec::new();
        if q.availability_by == AvailabilityBy::Month {
            for (_, a, b) in &month_periods {
                months.push(inputs.measure(s, (*a, *b), now)?);
            }
        }
        measured.push(Measured {
            service: s,
            current,
            previous,
            months,
        });
    }
    let now_all: Vec<Figures> = measured.iter().map(|m| m.current.clone()).collect();
    let before_all: Vec<Figures> = measured.iter().map(|m| m.previous.clone()).collect();
    let (columns, rows, chart) = match q.availability_by {
        AvailabilityBy::Service => by_service_rows(&measured),
        AvailabilityBy::Customer => {
            let names = customer_names(ex.by_ref(), &measured).await?;
            by_customer_rows(&measured, &names, f.organization_id)
        }
        AvailabilityBy::Month => by_month_rows(&measured, &month_periods),
    };
    let meeting = |v: &[Figures]| v.iter().filter(|f| f.met == Some(true)).count() as f64;
    let down = |v: &[Figures]| v.iter().map(|f| f.downtime_seconds).sum::<i64>() as f64 / HOUR;
    let summary = vec![
        Figure::new(
            "availability",
            "Availability, all services",
            "percent",
            overall(&now_all),
            overall(&before_all),
        ),
        Figure::new(
            "meeting_target",
            "Services meeting their target",
            "count",
            Some(meeting(&now_all)),
            Some(meeting(&before_all)),
        ),
        Figure::new(
            "downtime",
            "Downtime",
            "hours",
            Some(round(down(&now_all), 2)),
            Some(round(down(&before_all), 2)),
        ),
    ];
    let mut notes = vec![
        match q.availability_by {
            AvailabilityBy::Service => "One row per live service; the trend compares each with the period of the same length just before.".to_owned(),
            AvailabilityBy::Customer => "One row per customer, over the live services delivered to it (a service delivered to several customers counts for each); availability is their downtime over their agreed time together, the trend against the period of the same length just before.".to_owned(),
            AvailabilityBy::Month => "One row per calendar month (UTC) of the period, over all the services listed; a month cut by the period's edges counts only its part inside. The trend compares each month with the month before.".to_owned(),
        },
        "Agreed time is the business time of each service's hours (its calendar; none means around the clock) in the period, less planned maintenance. Downtime is the business time inside unplanned outages and outside maintenance; overlapping outages count once, an open one up to now.".to_owned(),
        "Allowed downtime is what the target leaves: agreed time × (100 − target) %. A service below its target has more downtime than allowed.".to_owned(),
        "A service is measured from when Steward has records of it (its creation, or an earlier outage entered afterwards); time before that is not counted as agreed.".to_owned(),
        "All services: downtime over agreed time of every live service together. Live services only.".to_owned(),
    ];
    if f.team_id.is_some() || f.priority.is_some() {
        notes.push(
            "The team and priority filters do not apply to availability and were not used.".into(),
        );
    }
    Ok((summary, columns, rows, chart, notes))
}
