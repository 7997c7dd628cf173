//! The `changes` report (8.5.1, 9.4): change success rate, emergency share, changes that
//! caused incidents and lead time, per period bucket, with the period before for the trend.
//! Read in one pass over the changes of both periods and bucketed here.
use crate::Result;
use crate::reporting::reports::Built;
use serde_json::{Value, json};
use steward_domain::delivery::change::{ChangeOutcome, ChangeType};
use steward_domain::reporting::report::{
    ChartSpec, Column, Figure, ReportQuery, Stats, percent, round,
};
use steward_store::Ex;
use steward_store::delivery::changes::{self, Completed};

const DAY: f64 = 86_400_000_000.0;

fn col(key: &str, label: &str) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
    }
}

fn num(v: Option<f64>) -> Value {
    v.map(|v| json!(round(v, 2))).unwrap_or(Value::Null)
}

/// The figures of one span: completed changes and those raised in it.
#[derive(Default)]
struct Tally {
    completed: i64,
    successful: i64,
    failed: i64,
    backed_out: i64,
    causing_incidents: i64,
    raised: i64,
    emergency: i64,
    lead_days: Vec<f64>,
}

impl Tally {
    fn of(completed: &[&Completed], raised: &[&(ChangeType, i64)]) -> Tally {
        let mut t = Tally {
            raised: raised.len() as i64,
            emergency: raised
                .iter()
                .filter(|r| r.0 == ChangeType::Emergency)
                .count() as i64,
            ..Default::default()
        };
        for c in completed {
            t.completed += 1;
            match c.outcome {
                ChangeOutcome::Successful => t.successful += 1,
                ChangeOutcome::Failed => t.failed += 1,
                ChangeOutcome::BackedOut => t.backed_out += 1,
            }
            if c.incidents > 0 {
                t.causing_incidents += 1;
            }
            t.lead_days
                .push((c.completed_at - c.created_at) as f64 / DAY);
        }
        t
    }

    fn success(&self) -> Option<f64> {
        percent(self.successful, self.completed)
    }

    fn emergency_share(&self) -> Option<f64> {
        percent(self.emergency, self.raised)
    }

    fn incident_share(&self) -> Option<f64> {
        percent(self.causing_incidents, self.completed)
    }
}

pub(crate) async fn changes_report(mut ex: Ex<'_>, q: &ReportQuery) -> Result<Built> {
    let service = q.filters.service_id;
    let (pf, pt) = q.previous();
    let (completed, raised) = changes::report_rows(ex.by_ref(), q.from, q.to, service).await?;
    let (prev_completed, prev_raised) = changes::report_rows(ex.by_ref(), pf, pt, service).await?;
    let within = |a: i64, b: i64| move |at: i64| at >= a && at < b;

    let mut rows = Vec::new();
    for (label, a, b) in q.buckets() {
        let inside = within(a, b);
        let done: Vec<&Completed> = completed
            .iter()
            .filter(|c| inside(c.completed_at))
            .collect();
        let new: Vec<&(ChangeType, i64)> = raised.iter().filter(|r| inside(r.1)).collect();
        let t = Tally::of(&done, &new);
        let lead = Stats::of(t.lead_days.clone());
        rows.push(vec![
            json!(label),
            json!(t.completed),
            json!(t.successful),
            json!(t.failed),
            json!(t.backed_out),
            num(t.success()),
            json!(t.raised),
            json!(t.emergency),
            num(t.emergency_share()),
            json!(t.causing_incidents),
            num(lead.median),
        ]);
    }

    fn all<T>(list: &[T]) -> Vec<&T> {
        list.iter().collect()
    }
    let now = Tally::of(&all(&completed), &all(&raised));
    let before = Tally::of(&all(&prev_completed), &all(&prev_raised));
    let (lead, prev_lead) = (
        Stats::of(now.lead_days.clone()),
        Stats::of(before.lead_days.clone()),
    );
    let r2 = |v: Option<f64>| v.map(|v| round(v, 2));
    let summary = vec![
        Figure::new(
            "completed",
            "Changes implemented",
            "count",
            Some(now.completed as f64),
            Some(before.completed as f64),
        ),
        Figure::new(
            "success_percent",
            "Change success rate",
            "percent",
            r2(now.success()),
            r2(before.success()),
        ),
        Figure::new(
            "emergency_percent",
            "Emergency changes, share of those raised",
            "percent",
            r2(now.emergency_share()),
            r2(before.emergency_share()),
        ),
        Figure::new(
            "causing_incidents",
            "Changes that caused incidents",
            "count",
            Some(now.causing_incidents as f64),
            Some(before.causing_incidents as f64),
        ),
        Figure::new(
            "causing_incidents_percent",
            "Share of implemented changes that caused incidents",
            "percent",
            r2(now.incident_share()),
            r2(before.incident_share()),
        ),
        Figure::new(
            "lead_time_median_days",
            "Lead time, median (raised → implemented)",
            "days",
            lead.median.map(|v| round(v, 3)),
            prev_lead.median.map(|v| round(v, 3)),
        ),
        Figure::new(
            "lead_time_mean_days",
            "Lead time, mean (raised → implemented)",
            "days",
            lead.mean.map(|v| round(v, 3)),
            prev_lead.mean.map(|v| round(v, 3)),
        ),
    ];
    let columns = vec![
        col("period", "Period"),
        col("completed", "Implemented"),
        col("successful", "Successful"),
        col("failed", "Failed"),
        col("backed_out", "Backed out"),
        col("success_percent", "Success %"),
        col("raised", "Raised"),
        col("emergency", "Emergency"),
        col("emergency_percent", "Emergency %"),
        col("causing_incidents", "Caused incidents"),
        col("lead_time_median_days", "Lead time, median (days)"),
    ];
    let chart = ChartSpec::Bars {
        groups: vec![
            vec!["successful".into()],
            vec!["failed".into(), "backed_out".into()],
        ],
        unit: "changes".into(),
    };
    let notes = vec![
        "Implemented: changes completed in the period (moved from implementing to review), by outcome; the success rate is the successful share of them.".into(),
        "Emergency share: emergency changes among all changes raised (created) in the period.".into(),
        "Caused incidents: implemented changes with at least one incident recorded as caused by them (counted whenever the link was made).".into(),
        "Lead time: from when the change was raised (created) to when it was implemented (completed), wall-clock days.".into(),
        "Filters: a service counts the changes that list it among their affected services; customer, team and priority do not apply to changes.".into(),
    ];
    Ok((summary, columns, rows, Some(chart), notes))
}
