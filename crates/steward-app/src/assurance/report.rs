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
use steward_domain::reporting::report::{ChartSpec, Column, Figure, ReportQuery, round};
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

/// Agreed-time-weighted availability of several services; none when nothing was agreed.
fn overall(figures: &[Figures]) -> Option<f64> {
    let agreed: i64 = figures.iter().map(|f| f.agreed_seconds).sum();
    let down: i64 = figures.iter().map(|f| f.downtime_seconds).sum();
    (agreed > 0).then(|| round((agreed - down) as f64 * 100.0 / agreed as f64, 4))
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
    let mut calendars: HashMap<i64, Calendar> = HashMap::new();
    for (id, _, definition, _) in slas::calendars(ex.by_ref()).await? {
        calendars.insert(id, parse_stored(&definition)?);
    }
    let earliest: HashMap<i64, i64> = outages::earliest_starts(ex.by_ref())
        .await?
        .into_iter()
        .collect();
    let (pf, pt) = q.previous();
    let mut by_service: HashMap<i64, Vec<Span>> = HashMap::new();
    for (service, kind, start, end) in
        outages::overlapping_all(ex.by_ref(), pf.min(q.from), q.to).await?
    {
        by_service.entry(service).or_default().push(Span {
            start: ts(start)?,
            end: end.map(ts).transpose()?,
            kind,
        });
    }

    let mut rows = Vec::new();
    let (mut now_all, mut before_all) = (Vec::new(), Vec::new());
    for s in &list {
        let created = s
            .created_at
            .parse::<Timestamp>()
            .map_err(|e| AppError::Internal(format!("a service's creation time: {e}")))?
            .as_microsecond();
        let records_from = records_begin(created, earliest.get(&s.id).copied());
        let calendar = s
            .service_hours_calendar_id
            .and_then(|id| calendars.get(&id));
        let spans = by_service.get(&s.id).map(Vec::as_slice).unwrap_or(&[]);
        let current = measure(s, records_from, calendar, spans, (q.from, q.to), now)?;
        let previous = measure(s, records_from, calendar, spans, (pf, pt), now)?;
        let allowed = s
            .availability_target_percent
            .map(|t| (current.agreed_seconds as f64 * (100.0 - t) / 100.0).round() as i64);
        rows.push(vec![
            json!(s.name),
            hours(current.agreed_seconds),
            hours(current.downtime_seconds),
            allowed.map_or(Value::Null, hours),
            current
                .availability_percent
                .map_or(Value::Null, |p| json!(p)),
            s.availability_target_percent
                .map_or(Value::Null, |t| json!(t)),
            match current.met {
                Some(true) => json!("met"),
                Some(false) => json!("missed"),
                None => Value::Null,
            },
            json!(current.outage_count),
            current.mtrs_seconds.map_or(Value::Null, hours),
        ]);
        now_all.push(current);
        before_all.push(previous);
    }
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
    let col = |key: &str, label: &str| Column {
        key: key.into(),
        label: label.into(),
    };
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
    ];
    let chart = (!rows.is_empty()).then(|| ChartSpec::Bars {
        groups: vec![vec!["downtime_hours".into()], vec!["allowed_hours".into()]],
        unit: "hours".into(),
    });
    let mut notes = vec![
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
