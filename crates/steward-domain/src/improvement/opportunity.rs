//! The improvement register (ISO/IEC 20000-1 10.2): opportunities from any source, scored on
//! weighted evaluation criteria, decided with a reason, owned against an objective and a
//! target, linked to the records behind them, and after implementation measured: the same
//! figure for a period before and one after, against the target.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

text_enum!(
    OpportunitySource {
        SlaBreach = "sla_breach",
        MissedAvailability = "missed_availability",
        LowSatisfaction = "low_satisfaction",
        Complaint = "complaint",
        AuditFinding = "audit_finding",
        ManagementReview = "management_review",
        StaffSuggestion = "staff_suggestion",
        Other = "other"
    }
);

text_enum!(
    /// proposed → approved | rejected | deferred; approved → implemented → closed; deferred
    /// may be decided again.
    OpportunityStatus {
        Proposed = "proposed",
        Approved = "approved",
        Rejected = "rejected",
        Deferred = "deferred",
        Implemented = "implemented",
        Closed = "closed"
    }
);

text_enum!(
    LinkKind { Incident = "incident", Request = "request", Problem = "problem", Sla = "sla", Service = "service", Complaint = "complaint" }
);

text_enum!(
    /// The figure an improvement is measured by, as the reports compute it.
    Metric {
        /// A service's availability in percent (the availability report's figure).
        Availability = "availability",
        /// Resolution targets met of those decided, in percent, for an SLA (SLA compliance).
        SlaCompliance = "sla_compliance"
    }
);

/// One evaluation criterion: opportunities score 1 (poor) to 5 (good) on it, so a cost or a
/// risk is named the way a high score is good ("low cost", "low risk").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    /// `a-z`, `0-9` and `_`.
    pub key: String,
    pub label: String,
    /// 0.1 to 10.
    pub weight: f64,
}

/// Body of `GET`/`PUT /api/v1/settings/improvement`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImprovementSettings {
    pub criteria: Vec<Criterion>,
}

impl Default for ImprovementSettings {
    fn default() -> Self {
        let c = |key: &str, label: &str, weight: f64| Criterion {
            key: key.into(),
            label: label.into(),
            weight,
        };
        Self {
            criteria: vec![
                c("benefit", "Benefit", 3.0),
                c("low_cost", "Low cost", 2.0),
                c("low_risk", "Low risk", 2.0),
                c("urgency", "Urgency", 1.0),
            ],
        }
    }
}

impl ImprovementSettings {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        if self.criteria.is_empty() || self.criteria.len() > 10 {
            e.push(FieldError::new("criteria", "one to ten criteria"));
        }
        for (i, c) in self.criteria.iter().enumerate() {
            let good = !c.key.is_empty()
                && c.key
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_');
            if !good {
                e.push(FieldError::new(
                    format!("criteria[{i}].key"),
                    "letters a-z, digits and _",
                ));
            }
            if self.criteria[..i].iter().any(|o| o.key == c.key) {
                e.push(FieldError::new(
                    format!("criteria[{i}].key"),
                    "is used twice",
                ));
            }
            if c.label.trim().is_empty() {
                e.push(FieldError::new(
                    format!("criteria[{i}].label"),
                    "is required",
                ));
            }
            if !(0.1..=10.0).contains(&c.weight) {
                e.push(FieldError::new(
                    format!("criteria[{i}].weight"),
                    "between 0.1 and 10",
                ));
            }
        }
        e.finish()
    }

    /// The weighted mean of the scores given, 1–5 to two decimals; none before any score.
    pub fn score(&self, scores: &BTreeMap<String, u8>) -> Option<f64> {
        let (mut sum, mut weights) = (0.0, 0.0);
        for c in &self.criteria {
            if let Some(s) = scores.get(&c.key) {
                sum += c.weight * f64::from(*s);
                weights += c.weight;
            }
        }
        (weights > 0.0).then(|| (sum / weights * 100.0).round() / 100.0)
    }
}

/// A record an opportunity links to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub kind: LinkKind,
    pub id: i64,
}

/// The result measured after implementation: the figure over a period before and one after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Measurement {
    pub metric: Metric,
    /// The service (availability) or SLA (compliance) measured.
    pub subject_id: i64,
    pub before_from: String,
    pub before_to: String,
    /// None when the period had nothing to measure (no agreed time, no decided records).
    pub before_value: Option<f64>,
    pub after_from: String,
    pub after_to: String,
    pub after_value: Option<f64>,
    pub target_value: Option<f64>,
    /// Whether the after figure reached the target; none without a target or a figure.
    pub achieved: Option<bool>,
    pub measured_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Opportunity {
    pub id: i64,
    /// `IMP-000001`.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub source: OpportunitySource,
    /// What raised it automatically (`availability:{service}:{YYYY-MM}`), once per key.
    pub source_key: Option<String>,
    pub status: OpportunityStatus,
    /// Criterion key → 1–5.
    pub scores: BTreeMap<String, u8>,
    /// The weighted score on the current criteria (filled on reading).
    pub score: Option<f64>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
    pub owner_id: Option<i64>,
    pub objective: Option<String>,
    pub metric: Option<Metric>,
    pub target_value: Option<f64>,
    /// `YYYY-MM-DD`.
    pub due_date: Option<String>,
    pub links: Vec<Link>,
    pub measurement: Option<Measurement>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/improvements` (`title` and `source` required) and of `PATCH` (what
/// changes; a status of approved, rejected or deferred is a decision and needs its reason).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OpportunityInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub source: Option<OpportunitySource>,
    pub status: Option<OpportunityStatus>,
    pub scores: Option<BTreeMap<String, u8>>,
    pub decision_reason: Option<String>,
    pub owner_id: Option<i64>,
    pub objective: Option<String>,
    pub metric: Option<Metric>,
    pub target_value: Option<f64>,
    pub due_date: Option<String>,
    pub links: Option<Vec<Link>>,
}

pub const TEXT_MAX: usize = 20_000;

fn text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    validation::optional_text(field, value, TEXT_MAX)
}

/// Which status may follow which.
pub fn allowed_next(from: OpportunityStatus) -> &'static [OpportunityStatus] {
    use OpportunityStatus::*;
    match from {
        Proposed | Deferred => &[Approved, Rejected, Deferred],
        Approved => &[Implemented, Deferred],
        Implemented => &[Closed, Approved],
        Rejected | Closed => &[],
    }
}

impl OpportunityInput {
    /// The opportunity this input makes of `current` (none: a new one), checked against the
    /// criteria. The caller fills in who decided and when.
    pub fn apply(
        self,
        current: Option<&Opportunity>,
        settings: &ImprovementSettings,
    ) -> Result<Opportunity, Invalid> {
        let mut e = Errors::new();
        let mut next = current.cloned().unwrap_or_else(|| Opportunity {
            id: 0,
            number: String::new(),
            title: String::new(),
            description: None,
            source: OpportunitySource::Other,
            source_key: None,
            status: OpportunityStatus::Proposed,
            scores: BTreeMap::new(),
            score: None,
            decision_reason: None,
            decided_by: None,
            decided_at: None,
            owner_id: None,
            objective: None,
            metric: None,
            target_value: None,
            due_date: None,
            links: Vec::new(),
            measurement: None,
            created_at: String::new(),
            updated_at: String::new(),
        });
        match (self.title, current) {
            (Some(t), _) => {
                if let Some(t) = e.take(validation::text("title", &t, 1, 200)) {
                    next.title = t;
                }
            }
            (None, None) => e.push(FieldError::new("title", "is required")),
            (None, Some(_)) => {}
        }
        match (self.source, current) {
            (Some(s), _) => next.source = s,
            (None, None) => e.push(FieldError::new(
                "source",
                format!("is required: {}", OpportunitySource::choices()),
            )),
            (None, Some(_)) => {}
        }
        if let Some(d) = self.description {
            next.description = e.take(text("description", Some(&d))).flatten();
        }
        if let Some(o) = self.objective {
            next.objective = e.take(text("objective", Some(&o))).flatten();
        }
        if let Some(scores) = self.scores {
            for (key, value) in &scores {
                if !settings.criteria.iter().any(|c| &c.key == key) {
                    e.push(FieldError::new(
                        format!("scores.{key}"),
                        format!(
                            "no such criterion; the criteria are {}",
                            settings
                                .criteria
                                .iter()
                                .map(|c| c.key.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                    ));
                } else if !(1..=5).contains(value) {
                    e.push(FieldError::new(format!("scores.{key}"), "1 to 5"));
                }
            }
            next.scores = scores;
        }
        if let Some(owner) = self.owner_id {
            next.owner_id = Some(owner);
        }
        if let Some(m) = self.metric {
            next.metric = Some(m);
        }
        if let Some(t) = self.target_value {
            if t.is_finite() && (0.0..=100.0).contains(&t) {
                next.target_value = Some(t);
            } else {
                e.push(FieldError::new(
                    "target_value",
                    "a percentage from 0 to 100",
                ));
            }
        }
        if let Some(d) = self.due_date.map(|d| d.trim().to_owned()) {
            if d.is_empty() {
                next.due_date = None;
            } else if d.parse::<Date>().is_ok() {
                next.due_date = Some(d);
            } else {
                e.push(FieldError::new("due_date", "a date written YYYY-MM-DD"));
            }
        }
        if let Some(links) = self.links {
            next.links = links;
            next.links.sort_by_key(|l| (l.kind.as_str(), l.id));
            next.links.dedup();
        }
        if let Some(r) = self.decision_reason {
            next.decision_reason = e.take(text("decision_reason", Some(&r))).flatten();
        }
        if let Some(status) = self.status
            && status != next.status
        {
            let from = current.map_or(OpportunityStatus::Proposed, |c| c.status);
            let decision = matches!(
                status,
                OpportunityStatus::Approved
                    | OpportunityStatus::Rejected
                    | OpportunityStatus::Deferred
            ) && matches!(
                from,
                OpportunityStatus::Proposed | OpportunityStatus::Deferred
            );
            if current.is_none() && status != OpportunityStatus::Proposed {
                e.push(FieldError::new("status", "a new opportunity is proposed"));
            } else if !allowed_next(from).contains(&status) {
                e.push(FieldError::new(
                    "status",
                    format!("cannot move from {} to {}", from.as_str(), status.as_str()),
                ));
            } else if decision && next.decision_reason.is_none() {
                e.push(FieldError::new(
                    "decision_reason",
                    "say why it is approved, rejected or deferred",
                ));
            } else if status == OpportunityStatus::Approved && next.owner_id.is_none() {
                e.push(FieldError::new(
                    "owner_id",
                    "an approved improvement needs an owner",
                ));
            } else if status == OpportunityStatus::Closed && next.measurement.is_none() {
                e.push(FieldError::new(
                    "measurement",
                    "measure the result against the objective before closing",
                ));
            }
            next.status = status;
        }
        e.finish()?;
        next.score = settings.score(&next.scores);
        Ok(next)
    }
}

/// Body of `POST /api/v1/improvements/{id}/measure`: the figure, what it is taken of, and
/// the two periods (`YYYY-MM-DD`, the end not included).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureInput {
    /// Default: the opportunity's metric.
    pub metric: Option<Metric>,
    /// The service (availability) or SLA (compliance).
    pub subject_id: i64,
    pub before_from: String,
    pub before_to: String,
    pub after_from: String,
    pub after_to: String,
}

/// A checked measurement request: (metric, subject, before, after) with periods as dates.
pub type MeasureRequest = (Metric, i64, (Date, Date), (Date, Date));

impl MeasureInput {
    pub fn parse(&self, default: Option<Metric>) -> Result<MeasureRequest, Invalid> {
        let mut e = Errors::new();
        let date = |e: &mut Errors, field: &str, v: &str| {
            e.take(
                v.trim()
                    .parse::<Date>()
                    .map_err(|_| FieldError::new(field, "a date written YYYY-MM-DD")),
            )
        };
        let bf = date(&mut e, "before_from", &self.before_from);
        let bt = date(&mut e, "before_to", &self.before_to);
        let af = date(&mut e, "after_from", &self.after_from);
        let at = date(&mut e, "after_to", &self.after_to);
        let metric = self.metric.or(default);
        if metric.is_none() {
            e.push(FieldError::new(
                "metric",
                format!("is required: {}", Metric::choices()),
            ));
        }
        if let (Some(a), Some(b)) = (bf, bt)
            && a >= b
        {
            e.push(FieldError::new("before_to", "must be after before_from"));
        }
        if let (Some(a), Some(b)) = (af, at)
            && a >= b
        {
            e.push(FieldError::new("after_to", "must be after after_from"));
        }
        if let (Some(b), Some(a)) = (bt, af)
            && a < b
        {
            e.push(FieldError::new(
                "after_from",
                "the period after must not begin before the period before ends",
            ));
        }
        e.finish()?;
        Ok((
            metric.unwrap_or(Metric::Availability),
            self.subject_id,
            (bf.unwrap_or_default(), bt.unwrap_or_default()),
            (af.unwrap_or_default(), at.unwrap_or_default()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(title: &str) -> OpportunityInput {
        OpportunityInput {
            title: Some(title.into()),
            source: Some(OpportunitySource::StaffSuggestion),
            ..Default::default()
        }
    }

    #[test]
    fn scores_are_weighted_on_the_criteria() {
        let settings = ImprovementSettings::default();
        let o = OpportunityInput {
            scores: Some(BTreeMap::from([
                ("benefit".into(), 5),
                ("low_cost".into(), 2),
            ])),
            ..new("Self-service password reset")
        }
        .apply(None, &settings)
        .unwrap();
        // (3 × 5 + 2 × 2) / 5
        assert_eq!(o.score, Some(3.8));
        let bad = OpportunityInput {
            scores: Some(BTreeMap::from([
                ("beauty".into(), 5),
                ("benefit".into(), 9),
            ])),
            ..new("x")
        };
        let fields: Vec<String> = bad
            .apply(None, &settings)
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        assert_eq!(fields, ["scores.beauty", "scores.benefit"]);
    }

    #[test]
    fn a_decision_needs_a_reason_and_closing_needs_a_measured_result() {
        let settings = ImprovementSettings::default();
        let o = new("Faster failover").apply(None, &settings).unwrap();
        let approve = OpportunityInput {
            status: Some(OpportunityStatus::Approved),
            owner_id: Some(1),
            ..Default::default()
        };
        let err = approve.clone().apply(Some(&o), &settings).unwrap_err();
        assert_eq!(err.0[0].field, "decision_reason");
        let approved = OpportunityInput {
            decision_reason: Some("Two outages last quarter".into()),
            ..approve
        }
        .apply(Some(&o), &settings)
        .unwrap();
        assert_eq!(approved.status, OpportunityStatus::Approved);
        let implemented = OpportunityInput {
            status: Some(OpportunityStatus::Implemented),
            ..Default::default()
        }
        .apply(Some(&approved), &settings)
        .unwrap();
        let close = OpportunityInput {
            status: Some(OpportunityStatus::Closed),
            ..Default::default()
        };
        assert_eq!(
            close.apply(Some(&implemented), &settings).unwrap_err().0[0].field,
            "measurement"
        );
        let reject = OpportunityInput {
            status: Some(OpportunityStatus::Rejected),
            decision_reason: Some("no".into()),
            ..Default::default()
        };
        assert_eq!(
            reject.apply(Some(&implemented), &settings).unwrap_err().0[0].field,
            "status"
        );
    }
}
