//! The satisfaction report: surveys offered in the period (by when their record was first
//! resolved) with the answers they got, in rows per service, team, customer, agent or month,
//! against the period of the same length just before.
use crate::Result;
use crate::reporting::reports::Built;
use serde_json::{Value, json};
use std::collections::BTreeMap;
use steward_domain::reporting::report::{
    ChartSpec, Column, Figure, ReportQuery, SatisfactionBy, percent, round,
};
use steward_store::Ex;
use steward_store::improvement::satisfaction::{self as surveys, ReportFilter, ReportRow};

/// Counts over a set of offered surveys.
#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub(crate) struct Tally {
    pub offered: i64,
    pub answered: i64,
    pub rating_sum: i64,
    /// Rated 4 or 5.
    pub satisfied: i64,
    /// Rated 1 or 2.
    pub dissatisfied: i64,
}

impl Tally {
    fn add(&mut self, r: &ReportRow) {
        self.offered += 1;
        if let (Some(_), Some(rating)) = (r.answered_at, r.rating) {
            self.answered += 1;
            self.rating_sum += rating;
            self.satisfied += i64::from(rating >= 4);
            self.dissatisfied += i64::from(rating <= 2);
        }
    }

    fn of<'a>(rows: impl IntoIterator<Item = &'a ReportRow>) -> Tally {
        let mut t = Tally::default();
        for r in rows {
            t.add(r);
        }
        t
    }

    pub fn response_rate(&self) -> Option<f64> {
        percent(self.answered, self.offered).map(|p| round(p, 1))
    }

    pub fn mean(&self) -> Option<f64> {
        (self.answered > 0).then(|| round(self.rating_sum as f64 / self.answered as f64, 2))
    }

    pub fn satisfied_percent(&self) -> Option<f64> {
        percent(self.satisfied, self.answered).map(|p| round(p, 1))
    }

    pub fn dissatisfied_percent(&self) -> Option<f64> {
        percent(self.dissatisfied, self.answered).map(|p| round(p, 1))
    }
}

fn col(key: &str, label: &str) -> Column {
    Column {
        key: key.into(),
        label: label.into(),
    }
}

fn opt(v: Option<f64>) -> Value {
    v.map_or(Value::Null, |v| json!(v))
}

/// The row a survey falls in.
fn group(by: SatisfactionBy, r: &ReportRow) -> String {
    let or = |v: &Option<String>, none: &str| v.clone().unwrap_or_else(|| none.to_owned());
    match by {
        SatisfactionBy::Service => or(&r.service, "(no service)"),
        SatisfactionBy::Team => or(&r.team, "(no team)"),
        SatisfactionBy::Customer => or(&r.customer, "(no customer)"),
        SatisfactionBy::Agent => or(&r.agent, "(unassigned)"),
        SatisfactionBy::Month => jiff::Timestamp::from_microsecond(r.offered_at)
            .map(|t| t.strftime("%Y-%m").to_string())
            .unwrap_or_default(),
    }
}

pub(crate) async fn satisfaction_report(
    mut ex: Ex<'_>,
    q: &ReportQuery,
    kind_given: bool,
) -> Result<Built> {
    let f = &q.filters;
    let filter = ReportFilter {
        kind: kind_given.then_some(q.kind),
        service: f.service_id,
        organization: f.organization_id,
        team: f.team_id,
        priority: f.priority,
    };
    let (pf, pt) = q.previous();
    let current = surveys::offered_in(ex.by_ref(), q.from, q.to, &filter).await?;
    let previous = surveys::offered_in(ex.by_ref(), pf, pt, &filter).await?;
    let by = q.satisfaction_by;
    let mut groups: BTreeMap<String, Tally> = BTreeMap::new();
    for r in &current {
        groups.entry(group(by, r)).or_default().add(r);
    }
    let rows: Vec<Vec<Value>> = groups
        .iter()
        .map(|(label, t)| {
            vec![
                json!(label),
                json!(t.offered),
                json!(t.answered),
                opt(t.response_rate()),
                opt(t.mean()),
                opt(t.satisfied_percent()),
                opt(t.dissatisfied_percent()),
            ]
        })
        .collect();
    let first = match by {
        SatisfactionBy::Service => col("service", "Service"),
        SatisfactionBy::Team => col("team", "Team"),
        SatisfactionBy::Customer => col("customer", "Customer"),
        SatisfactionBy::Agent => col("agent", "Agent"),
        SatisfactionBy::Month => col("month", "Month"),
    };
    let columns = vec![
        first,
        col("offered", "Surveys offered"),
        col("answered", "Answered"),
        col("response_rate", "Response rate %"),
        col("mean_rating", "Mean rating (1–5)"),
        col("satisfied", "Satisfied % (4–5)"),
        col("dissatisfied", "Dissatisfied % (1–2)"),
    ];
    let chart = (!rows.is_empty()).then(|| ChartSpec::Bars {
        groups: vec![vec!["satisfied".into()], vec!["dissatisfied".into()]],
        unit: "percent".into(),
    });
    let (now, before) = (Tally::of(&current), Tally::of(&previous));
    let summary = vec![
        Figure::new(
            "offered",
            "Surveys offered",
            "count",
            Some(now.offered as f64),
            Some(before.offered as f64),
        ),
        Figure::new(
            "answered",
            "Surveys answered",
            "count",
            Some(now.answered as f64),
            Some(before.answered as f64),
        ),
        Figure::new(
            "response_rate",
            "Response rate",
            "percent",
            now.response_rate(),
            before.response_rate(),
        ),
        Figure::new(
            "mean_rating",
            "Mean rating (1–5)",
            "rating",
            now.mean(),
            before.mean(),
        ),
        Figure::new(
            "satisfied",
            "Satisfied (rated 4–5)",
            "percent",
            now.satisfied_percent(),
            before.satisfied_percent(),
        ),
        Figure::new(
            "dissatisfied",
            "Dissatisfied (rated 1–2)",
            "percent",
            now.dissatisfied_percent(),
            before.dissatisfied_percent(),
        ),
    ];
    let notes = vec![
        "A survey is offered to the requester when an incident or request is first resolved, once per record; a survey counts in the period in which it was offered, with its answer whenever it came.".to_owned(),
        match by {
            SatisfactionBy::Service => "One row per service of the records.",
            SatisfactionBy::Team => "One row per team the record was with when the figures were read.",
            SatisfactionBy::Customer => "One row per customer organization of the records.",
            SatisfactionBy::Agent => "One row per agent the record is assigned to.",
            SatisfactionBy::Month => "One row per calendar month (UTC) in which surveys were offered.",
        }
        .to_owned(),
        "Response rate: answered over offered. Mean rating and the satisfied (4–5) and dissatisfied (1–2) shares are over the answered surveys. The trend compares with the period of the same length just before.".to_owned(),
        if kind_given {
            format!("Only {} records.", q.kind.as_str())
        } else {
            "Incidents and requests together (choose Records to see one kind).".to_owned()
        },
    ];
    Ok((summary, columns, rows, chart, notes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(rating: Option<i64>) -> ReportRow {
        ReportRow {
            offered_at: 0,
            answered_at: rating.map(|_| 1),
            rating,
            service: None,
            team: None,
            customer: None,
            agent: None,
        }
    }

    #[test]
    fn shares_are_over_the_answered_and_the_rate_over_the_offered() {
        let rows = [row(Some(5)), row(Some(4)), row(Some(1)), row(None)];
        let t = Tally::of(&rows);
        assert_eq!(t.response_rate(), Some(75.0));
        assert_eq!(t.mean(), Some(3.33));
        assert_eq!(t.satisfied_percent(), Some(66.7));
        assert_eq!(t.dissatisfied_percent(), Some(33.3));
        assert_eq!(Tally::default().mean(), None);
    }
}
