//! Service reports: each is built from aggregate queries over the period and the period
//! before it (for the trend), into the one `Report` shape that JSON, CSV and HTML render.
use crate::app::instant;
use crate::app::require;
use crate::service_level::clocks::stored_calendar;
use crate::{App, Result};
use serde_json::{Value, json};
use steward_domain::Actor;
use steward_domain::Permission;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::reporting::report::{
    ChartSpec, Column, Figure, Report, ReportName, ReportParams, ReportQuery, Stats, percent, round,
};
use steward_domain::service_level::calendar::Calendar;
use steward_domain::service_level::clock::BusinessTime;
use steward_store::{Ex, reporting::reports, service_level::slas};

const DAY: f64 = 86_400_000_000.0;

fn col(key: &str, label: &str) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
    }
}

fn num(v: Option<f64>) -> Value {
    v.map(|v| json!(round(v, 3))).unwrap_or(Value::Null)
}

impl App {
    /// Builds a report; `params` come from the API's query or the CLI's flags.
    pub async fn report(&self, actor: &Actor, name: &str, params: &ReportParams) -> Result<Report> {
        require(actor, Permission::ReadReports)?;
        let q = ReportQuery::parse(name, params, self.now())?;
        let mut conn = self.db.read().await?;
        let mut ex = conn.ex();
        let (summary, columns, rows, chart, notes) = match q.name {
            ReportName::Volumes => volumes(ex.by_ref(), &q).await?,
            ReportName::SlaCompliance => compliance(ex.by_ref(), &q).await?,
            ReportName::ResolutionTimes => times(&self.db, &q).await?,
            ReportName::Rates => rates(ex.by_ref(), &q).await?,
            ReportName::BacklogAging => aging(ex.by_ref(), &q).await?,
            ReportName::Problems => problems(ex.by_ref(), &q).await?,
            ReportName::Workload => workload(ex.by_ref(), &q, self.today()).await?,
            ReportName::Availability => {
                crate::assurance::report::availability_report(ex.by_ref(), &q, self.now()).await?
            }
            ReportName::Satisfaction => {
                crate::improvement::satisfaction_report::satisfaction_report(
                    ex.by_ref(),
                    &q,
                    params.kind.is_some(),
                )
                .await?
            }
            ReportName::Changes => {
                crate::delivery::change_report::changes_report(ex.by_ref(), &q).await?
            }
        };
        let caveats = match q.name.counted(q.kind) {
            Some(kind) => {
                let first = reports::first_opened(ex, kind).await?;
                q.coverage_note(kind, first).into_iter().collect()
            }
            None => Vec::new(),
        };
        let (pf, pt) = q.previous();
        Ok(Report {
            name: q.name.as_str().into(),
            title: q.name.title().into(),
            from: rfc3339_micros(q.from),
            to: rfc3339_micros(q.to),
            previous_from: rfc3339_micros(pf),
            previous_to: rfc3339_micros(pt),
            grouping: q.grouping.as_str().into(),
            kind: q.kind.as_str().into(),
            filters: q.filters,
            summary,
            columns,
            rows,
            chart,
            caveats,
            notes,
            generated_at: rfc3339_micros(self.now()),
        })
    }
}

pub(crate) type Built = (
    Vec<Figure>,
    Vec<Column>,
    Vec<Vec<Value>>,
    Option<ChartSpec>,
    Vec<String>,
);

async fn volumes(mut ex: Ex<'_>, q: &ReportQuery) -> Result<Built> {
    let f = &q.filters;
    let (pf, pt) = q.previous();
    // Open at the start of the period, which is also the end of the previous one; the
    // backlog at the end follows from it and the buckets' counts.
    let backlog_start = reports::open_at(ex.by_ref(), q.kind, q.from, f).await?;
    let mut backlog = backlog_start;
    let mut rows = Vec::new();
    let (mut opened_total, mut ended_total) = (0, 0);
    let buckets = q.buckets();
    let bounds: Vec<(i64, i64)> = buckets.iter().map(|(_, a, b)| (*a, *b)).collect();
    let opened = reports::count_in_buckets(ex.by_ref(), q.kind, "opened_at", &bounds, f).await?;
    let resolved =
        reports::count_in_buckets(ex.by_ref(), q.kind, "resolved_at", &bounds, f).await?;
    let cancelled = reports::count_in_buckets(ex.by_ref(), q.kind, "closed_at", &bounds, f).await?;
    for (i, (label, _, _)) in buckets.into_iter().enumerate() {
        let (opened, resolved, cancelled) = (opened[i], resolved[i], cancelled[i]);
        backlog += opened - resolved - cancelled;
        opened_total += opened;
        ended_total += resolved + cancelled;
        rows.push(vec![
            json!(label),
            json!(opened),
            json!(resolved),
            json!(cancelled),
            json!(backlog),
        ]);
    }
    let prev_opened = reports::count_in(ex.by_ref(), q.kind, "opened_at", pf, pt, f).await?;
    let prev_resolved = reports::count_in(ex.by_ref(), q.kind, "resolved_at", pf, pt, f).await?
        + reports::count_in(ex.by_ref(), q.kind, "closed_at", pf, pt, f).await?;
    let (prev_backlog, backlog_end) = (backlog_start, backlog);
    let summary = vec![
        Figure::new(
            "opened",
            "Opened",
            "count",
            Some(opened_total as f64),
            Some(prev_opened as f64),
        ),
        Figure::new(
            "resolved",
            "Resolved or closed",
            "count",
            Some(ended_total as f64),
            Some(prev_resolved as f64),
        ),
        Figure::new(
            "backlog",
            "Backlog at the end",
            "count",
            Some(backlog_end as f64),
            Some(prev_backlog as f64),
        ),
    ];
    let columns = vec![
        col("period", "Period"),
        col("opened", "Opened"),
        col("resolved", "Resolved"),
        col("cancelled", "Closed unresolved"),
        col("backlog", "Backlog at end"),
    ];
    let chart = ChartSpec::Bars {
        groups: vec![
            vec!["opened".into()],
            vec!["resolved".into(), "cancelled".into()],
        ],
        unit: "records".into(),
    };
    let notes = vec![
        "Backlog: records opened and not yet resolved or closed at the end of each period.".into(),
    ];
    Ok((summary, columns, rows, Some(chart), notes))
}

async fn compliance(mut ex: Ex<'_>, q: &ReportQuery) -> Result<Built> {
    let f = &q.filters;
    let (pf, pt) = q.previous();
    let now = reports::compliance(ex.by_ref(), q.kind, q.from, q.to, f, q.by).await?;
    let before = reports::compliance(ex.by_ref(), q.kind, pf, pt, f, q.by).await?;
    let share = |met: i64, breached: i64| percent(met, met + breached);
    let total = |rows: &[reports::ComplianceRow]| {
        rows.iter().fold((0, 0, 0, 0), |a, r| {
            (
                a.0 + r.response_met,
                a.1 + r.response_breached,
                a.2 + r.resolution_met,
                a.3 + r.resolution_breached,
            )
        })
    };
    let (rm, rb, sm, sb) = total(&now);
    let (prm, prb, psm, psb) = total(&before);
    let summary = vec![
        Figure::new(
            "response_compliance",
            "Response targets met",
            "percent",
            share(rm, rb),
            share(prm, prb),
        ),
        Figure::new(
            "resolution_compliance",
            "Resolution targets met",
            "percent",
            share(sm, sb),
            share(psm, psb),
        ),
        Figure::new(
            "resolution_breached",
            "Resolution targets breached",
            "count",
            Some(sb as f64),
            Some(psb as f64),
        ),
    ];
    let rows = now
        .iter()
        .map(|r| {
            vec![
                json!(r.label),
                json!(r.response_met),
                json!(r.response_breached),
                json!(r.response_open),
                num(share(r.response_met, r.response_breached)),
                json!(r.resolution_met),
                json!(r.resolution_breached),
                json!(r.resolution_open),
                num(share(r.resolution_met, r.resolution_breached)),
            ]
        })
        .collect();
    let columns = vec![
        col(
            q.by.as_str(),
            match q.by.as_str() {
                "sla" => "SLA",
                "service" => "Service",
                "customer" => "Customer",
                _ => "Priority",
            },
        ),
        col("response_met", "Response met"),
        col("response_breached", "Response breached"),
        col("response_in_progress", "Response without verdict"),
        col("response_percent", "Response met %"),
        col("resolution_met", "Resolution met"),
        col("resolution_breached", "Resolution breached"),
        col("resolution_in_progress", "Resolution without verdict"),
        col("resolution_percent", "Resolution met %"),
    ];
    let chart = ChartSpec::BarsWithTarget {
        value: "resolution_percent".into(),
        target: q.target_percent,
        unit: "% met".into(),
    };
    let notes = vec![
        "Records opened in the period. Met and breached are clocks with a verdict. Without verdict: the clock is still running or paused, or there was none to judge (no target, or an imported record whose source gave no verdict), so a closed record can be among them.".into(),
        "Imported records keep the source system's own verdict (for ServiceNow, made_sla on the last row), counted as resolution.".into(),
    ];
    Ok((summary, columns, rows, Some(chart), notes))
}

/// Wall-clock and business durations in days: the business time of a ticket is counted on
/// its SLA's calendar (24×7 without one).
async fn duration_stats(
    mut ex: Ex<'_>,
    q: &ReportQuery,
    end: &str,
    from: i64,
    to: i64,
) -> Result<(Stats, Stats)> {
    let mut lists = reports::durations(ex.by_ref(), q.kind, end, from, to, &q.filters).await?;
    let mut calendars = Vec::new();
    for (c, list) in std::mem::take(&mut lists.calendars) {
        if list.is_empty() {
            continue;
        }
        calendars.push((stored_calendar(ex.by_ref(), c).await?, list));
    }
    // A million durations to parse and measure: on a blocking thread, so that the report's
    // other measures (and other requests) run meanwhile.
    tokio::task::spawn_blocking(move || measure_durations(&lists, calendars))
        .await
        .map_err(|e| crate::AppError::Internal(format!("measuring durations: {e}")))?
}

/// Parses the lists and measures each duration in days on the wall clock and in business
/// time. Each calendar's business intervals over the span its tickets cover are laid out
/// once ([`Calendar::timeline`]), so each ticket is measured by lookups instead of a walk
/// over its days.
fn measure_durations(
    lists: &reports::DurationLists,
    calendars: Vec<(Calendar, String)>,
) -> Result<(Stats, Stats)> {
    let capacity = usize::try_from(lists.count).unwrap_or_default();
    let mut wall = Vec::with_capacity(capacity);
    for d in lists.wall() {
        wall.push(d? as f64 / DAY);
    }
    if calendars.is_empty() {
        // Without calendars business time is wall-clock time: the same figures.
        let stats = Stats::of(wall);
        return Ok((stats, stats));
    }
    let mut business = wall.clone();
    for (calendar, list) in &calendars {
        let pairs = reports::DurationLists::pairs(list).collect::<Result<Vec<_>, _>>()?;
        let first = pairs.iter().map(|p| p.0).min().unwrap_or_default();
        let last = pairs.iter().map(|p| p.1).max().unwrap_or_default();
        let line = calendar
            .timeline(instant(first), instant(last.max(first)))
            .map_err(|e| crate::AppError::Internal(format!("calendar timeline: {e}")))?;
        for (start, stop) in pairs {
            let (a, b) = (instant(start), instant(stop));
            let seconds = line
                .as_ref()
                .and_then(|l| l.elapsed(a, b))
                .unwrap_or_else(|| BusinessTime::elapsed(calendar, a, b));
            wall.push((stop - start) as f64 / DAY);
            business.push(seconds as f64 / 86_400.0);
        }
    }
    Ok((Stats::of(wall), Stats::of(business)))
}

/// The current and previous period's statistics of one measure, on a connection of its own.
async fn measure(
    db: &steward_store::Db,
    q: &ReportQuery,
    end: &str,
) -> Result<((Stats, Stats), Stats)> {
    let (pf, pt) = q.previous();
    let mut conn = db.read().await?;
    let current = duration_stats(conn.ex(), q, end, q.from, q.to).await?;
    let (previous, _) = duration_stats(conn.ex(), q, end, pf, pt).await?;
    Ok((current, previous))
}

async fn times(db: &steward_store::Db, q: &ReportQuery) -> Result<Built> {
    let mut summary = Vec::new();
    let mut rows = Vec::new();
    // The three measures scan different indexes; run them side by side on separate
    // connections rather than one after another.
    let (acknowledge, resolve, close) = tokio::try_join!(
        measure(db, q, "responded_at"),
        measure(db, q, "resolved_at"),
        measure(db, q, "closed_at"),
    )?;
    for ((label, key), ((wall, business), prev_wall)) in [
        ("Time to acknowledge (MTTA)", "acknowledge"),
        ("Time to resolve (MTTR)", "resolve"),
        ("Time to close", "close"),
    ]
    .into_iter()
    .zip([acknowledge, resolve, close])
    {
        summary.push(Figure::new(
            &format!("{key}_mean_days"),
            &format!("{label}, mean"),
            "days",
            wall.mean.map(|v| round(v, 3)),
            prev_wall.mean.map(|v| round(v, 3)),
        ));
        summary.push(Figure::new(
            &format!("{key}_median_days"),
            &format!("{label}, median"),
            "days",
            wall.median.map(|v| round(v, 3)),
            prev_wall.median.map(|v| round(v, 3)),
        ));
        for (clock, s) in [("wall clock", wall), ("business time", business)] {
            rows.push(vec![
                json!(format!("{label}, {clock}")),
                json!(s.n),
                num(s.mean),
                num(s.median),
                num(s.p90),
            ]);
        }
    }
    let columns = vec![
        col("measure", "Measure"),
        col("n", "Records"),
        col("mean_days", "Mean (days)"),
        col("median_days", "Median (days)"),
        col("p90_days", "90th percentile (days)"),
    ];
    let chart = ChartSpec::Bars {
        groups: ["mean_days", "median_days", "p90_days"]
            .map(|key| vec![key.to_owned()])
            .to_vec(),
        unit: "days".into(),
    };
    let notes = vec![
        "Each measure covers the records acknowledged, resolved or closed in the period, from when they were opened.".into(),
        "Business time is counted on the calendar of each record's SLA; records without one count every second.".into(),
    ];
    Ok((summary, columns, rows, Some(chart), notes))
}

async fn rates(mut ex: Ex<'_>, q: &ReportQuery) -> Result<Built> {
    let f = &q.filters;
    let (pf, pt) = q.previous();
    let mut rows = Vec::new();
    let buckets = q.buckets();
    let bounds: Vec<(i64, i64)> = buckets.iter().map(|(_, a, b)| (*a, *b)).collect();
    let per = reports::rates_in_buckets(ex.by_ref(), q.kind, &bounds, f).await?;
    for ((label, _, _), (n, reassigned, reopened, _)) in buckets.into_iter().zip(per) {
        rows.push(vec![
            json!(label),
            json!(n),
            num(percent(reassigned, n)),
            num(percent(reopened, n)),
        ]);
    }
    let (n, reassigned, reopened, moves) =
        reports::rates(ex.by_ref(), q.kind, q.from, q.to, f).await?;
    let (pn, preassigned, preopened, pmoves) =
        reports::rates(ex.by_ref(), q.kind, pf, pt, f).await?;
    let mean = |m: i64, n: i64| (n > 0).then(|| m as f64 / n as f64);
    let summary = vec![
        Figure::new(
            "records",
            "Records opened",
            "count",
            Some(n as f64),
            Some(pn as f64),
        ),
        Figure::new(
            "reassigned_percent",
            "Reassigned at least once",
            "percent",
            percent(reassigned, n).map(|v| round(v, 2)),
            percent(preassigned, pn).map(|v| round(v, 2)),
        ),
        Figure::new(
            "reopened_percent",
            "Reopened at least once",
            "percent",
            percent(reopened, n).map(|v| round(v, 2)),
            percent(preopened, pn).map(|v| round(v, 2)),
        ),
        Figure::new(
            "mean_reassignments",
            "Reassignments per record",
            "count",
            mean(moves, n).map(|v| round(v, 3)),
            mean(pmoves, pn).map(|v| round(v, 3)),
        ),
    ];
    let columns = vec![
        col("period", "Period"),
        col("records", "Records opened"),
        col("reassigned_percent", "Reassigned %"),
        col("reopened_percent", "Reopened %"),
    ];
    let chart = ChartSpec::Line {
        series: vec!["reassigned_percent".into(), "reopened_percent".into()],
        unit: "%".into(),
    };
    Ok((
        summary,
        columns,
        rows,
        Some(chart),
        vec!["Of the records opened in each period.".into()],
    ))
}

const AGE_BANDS: [(&str, i64); 5] = [
    ("under 1 day", 0),
    ("1–3 days", 1),
    ("3–7 days", 3),
    ("7–30 days", 7),
    ("30 days or more", 30),
];

async fn aging(mut ex: Ex<'_>, q: &ReportQuery) -> Result<Built> {
    let f = &q.filters;
    let lowers: Vec<i64> = AGE_BANDS.iter().map(|(_, d)| d * 86_400_000_000).collect();
    let counts = reports::aging(ex.by_ref(), q.kind, q.to, &lowers, f).await?;
    let (_, pt) = q.previous();
    let before = reports::open_at(ex.by_ref(), q.kind, pt, f).await?;
    let mut rows = Vec::new();
    let mut total = 0;
    let mut old = 0;
    for p in 1..=5i64 {
        let mut row = vec![json!(format!("P{p}"))];
        for band in 0..AGE_BANDS.len() as i64 {
            let n = counts
                .iter()
                .find(|(pr, b, _)| *pr == p && *b == band)
                .map(|c| c.2)
                .unwrap_or(0);
            total += n;
            if band >= 3 {
                old += n;
            }
            row.push(json!(n));
        }
        rows.push(row);
    }
    let mut columns = vec![col("priority", "Priority")];
    for (label, days) in AGE_BANDS {
        columns.push(col(&format!("age_{days}d"), label));
    }
    let summary = vec![
        Figure::new(
            "open",
            "Open at the end of the period",
            "count",
            Some(total as f64),
            Some(before as f64),
        ),
        Figure::new(
            "older_than_7_days",
            "Open for 7 days or more",
            "count",
            Some(old as f64),
            None,
        ),
    ];
    let chart = ChartSpec::StackedBars {
        series: AGE_BANDS.iter().map(|(_, d)| format!("age_{d}d")).collect(),
        unit: "open records".into(),
    };
    Ok((
        summary,
        columns,
        rows,
        Some(chart),
        vec!["Age at the end of the period of each record still open then.".into()],
    ))
}

async fn problems(mut ex: Ex<'_>, q: &ReportQuery) -> Result<Built> {
    let f = &q.filters;
    let (pf, pt) = q.previous();
    let now = reports::problems(ex.by_ref(), q.from, q.to, f).await?;
    let before = reports::problems(ex.by_ref(), pf, pt, f).await?;
    let sum = |rows: &[(String, i64, i64)]| rows.iter().fold((0, 0), |a, r| (a.0 + r.1, a.1 + r.2));
    let (n, ke) = sum(&now);
    let (pn, pke) = sum(&before);
    let summary = vec![
        Figure::new(
            "problems",
            "Problems opened",
            "count",
            Some(n as f64),
            Some(pn as f64),
        ),
        Figure::new(
            "known_errors",
            "Of them known errors",
            "count",
            Some(ke as f64),
            Some(pke as f64),
        ),
    ];
    let rows = now
        .iter()
        .map(|(s, n, ke)| vec![json!(s), json!(n), json!(ke)])
        .collect();
    let columns = vec![
        col("status", "Status now"),
        col("problems", "Problems"),
        col("known_errors", "Known errors"),
    ];
    let chart = ChartSpec::StackedBars {
        series: vec!["problems".into()],
        unit: "problems".into(),
    };
    Ok((
        summary,
        columns,
        rows,
        Some(chart),
        vec!["Problems opened in the period, by their status now.".into()],
    ))
}

async fn workload(mut ex: Ex<'_>, q: &ReportQuery, today: jiff::civil::Date) -> Result<Built> {
    let all = slas::list(ex.by_ref(), today).await?;
    let mut rows = Vec::new();
    let mut over = 0;
    let months = ReportQuery {
        grouping: steward_domain::reporting::report::Grouping::Month,
        ..q.clone()
    };
    for sla in all.iter().filter(|s| s.workload_limit.is_some()) {
        let Some(service) = sla.service_id else {
            continue;
        };
        if q.filters.service_id.is_some_and(|s| s != service) {
            continue;
        }
        let limit = sla.workload_limit.map(|l| l.per_month).unwrap_or_default();
        for (label, a, b) in months.buckets() {
            for (org, n) in reports::opened_by_customer(ex.by_ref(), q.kind, service, a, b).await? {
                if q.filters.organization_id.is_some_and(|o| Some(o) != org)
                    || (!sla.organization_ids.is_empty()
                        && !org.is_some_and(|o| sla.organization_ids.contains(&o)))
                {
                    continue;
                }
                if n > limit {
                    over += 1;
                }
                rows.push(vec![
                    json!(sla.name),
                    json!(label),
                    json!(org),
                    json!(n),
                    json!(limit),
                    num(percent(n, limit)),
                ]);
            }
        }
    }
    let summary = vec![Figure::new(
        "over_limit",
        "Customer-months over the limit",
        "count",
        Some(over as f64),
        None,
    )];
    let columns = vec![
        col("sla", "SLA"),
        col("month", "Month"),
        col("organization_id", "Customer"),
        col("records", "Records opened"),
        col("limit", "Monthly limit"),
        col("percent_of_limit", "% of limit"),
    ];
    let chart = ChartSpec::BarsWithTarget {
        value: "percent_of_limit".into(),
        target: 100.0,
        unit: "% of limit".into(),
    };
    Ok((
        summary,
        columns,
        rows,
        Some(chart),
        vec!["Records opened per customer and month against each SLA's workload limit.".into()],
    ))
}

impl App {
    /// A page of the process-mining event log (staff who read reports).
    pub async fn event_log(
        &self,
        actor: &Actor,
        kind: Option<steward_domain::resolution::ticket::TicketKind>,
        after: (i64, i64),
        limit: i64,
    ) -> Result<Vec<reports::LogEvent>> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        Ok(reports::event_log(conn.ex(), kind, after, limit.clamp(1, 50_000)).await?)
    }

    /// Team names by id, to name each event's team in the event log.
    pub async fn event_log_teams(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<i64, String>> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        Ok(reports::team_names(conn.ex()).await?.into_iter().collect())
    }
}
