//! Management reviews (ISO/IEC 20000-1 9.3): a review of a period, its input pack compiled
//! from the live records (the same figures the reports give for that period), the decisions
//! and actions recorded against it (tracked to done), and the pack frozen once, immutable and
//! hashed, as the minutes' evidence.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use crate::reporting::report::Report;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    ReviewItemKind { Decision = "decision", Action = "action" }
);

text_enum!(
    ReviewItemStatus { Open = "open", Done = "done" }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ManagementReview)]
pub struct Review {
    pub id: i64,
    pub title: String,
    /// `YYYY-MM-DD`, UTC.
    pub period_from: String,
    /// `YYYY-MM-DD`, not included.
    pub period_to: String,
    pub chair_id: Option<i64>,
    pub minutes: Option<String>,
    /// When the input pack was frozen; none while it is compiled live.
    pub frozen_at: Option<String>,
    /// SHA-256 of the frozen pack's JSON, hex.
    pub pack_sha256: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/reviews` (title and period required) and `PATCH` (what changes;
/// `freeze: true` freezes the pack, once).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ManagementReviewInput)]
pub struct ReviewInput {
    pub title: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    pub chair_id: Option<i64>,
    pub minutes: Option<String>,
    pub freeze: Option<bool>,
}

/// A decision or an action recorded against a review; actions are tracked to done.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewItem {
    pub id: i64,
    pub review_id: i64,
    pub kind: ReviewItemKind,
    pub text: String,
    pub owner_id: Option<i64>,
    pub due_date: Option<String>,
    pub status: ReviewItemStatus,
    pub done_at: Option<String>,
    pub created_at: String,
}

/// Body of `POST /api/v1/reviews/{id}/items` and (status only) `PATCH …/items/{item}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewItemInput {
    pub kind: Option<ReviewItemKind>,
    pub text: Option<String>,
    pub owner_id: Option<i64>,
    pub due_date: Option<String>,
    pub status: Option<ReviewItemStatus>,
}

/// Complaints in the period and open now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComplaintFigures {
    pub opened_in_period: i64,
    pub closed_in_period: i64,
    pub open_now: i64,
}

/// Supplier and agreement performance: breaches of the internal and supplier agreements
/// behind the service, and disputes with suppliers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupplierFigures {
    /// OLA targets breached in the period.
    pub ola_breaches: i64,
    /// Underpinning-contract targets breached in the period.
    pub contract_breaches: i64,
    pub disputes_opened_in_period: i64,
    pub disputes_open_now: i64,
}

/// Internal audits and nonconformities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ConformityFigures {
    /// Audits planned in the period.
    pub audits_planned: i64,
    /// Of those, completed.
    pub audits_completed: i64,
    /// Nonconformity findings recorded in the period.
    pub nonconformity_findings: i64,
    /// Nonconformities not closed, now.
    pub nonconformities_open: i64,
    /// Of those, with a corrective action past its due date, now.
    pub nonconformities_overdue: i64,
}

/// One line of the improvement register as the pack shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImprovementLine {
    pub number: String,
    pub title: String,
    pub status: String,
    pub score: Option<f64>,
    /// "99.7 % → 100 %, target reached", when measured.
    pub result: Option<String>,
}

/// The input pack: every input 9.3 asks for that Steward holds, compiled for the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewPack {
    pub review_id: i64,
    pub title: String,
    pub period_from: String,
    pub period_to: String,
    pub generated_at: String,
    /// Decisions and actions of earlier reviews, with their status now.
    pub previous_actions: Vec<ReviewItem>,
    /// Reports for the period, as `GET /api/v1/reports/{name}` gives them: SLA compliance by
    /// SLA, availability against target, customer satisfaction, workload against limits,
    /// volumes.
    pub reports: Vec<Report>,
    pub complaints: ComplaintFigures,
    pub suppliers: SupplierFigures,
    pub conformity: ConformityFigures,
    /// Open and completed improvements, with their measured results.
    pub improvements: Vec<ImprovementLine>,
    /// Inputs the standard asks for that this pack does not hold, said plainly.
    pub not_included: Vec<String>,
}

fn date(field: &str, v: &str) -> Result<Date, FieldError> {
    v.trim()
        .parse::<Date>()
        .map_err(|_| FieldError::new(field, "a date written YYYY-MM-DD"))
}

impl ReviewInput {
    /// The review this input makes of `current` (none: a new one).
    pub fn apply(&self, current: Option<&Review>) -> Result<Review, Invalid> {
        let mut e = Errors::new();
        let mut next = current.cloned().unwrap_or(Review {
            id: 0,
            title: String::new(),
            period_from: String::new(),
            period_to: String::new(),
            chair_id: None,
            minutes: None,
            frozen_at: None,
            pack_sha256: None,
            created_at: String::new(),
            updated_at: String::new(),
        });
        if let Some(t) = &self.title {
            if let Some(t) = e.take(validation::text("title", t, 1, 200)) {
                next.title = t;
            }
        } else if current.is_none() {
            e.push(FieldError::new("title", "is required"));
        }
        let from = match (&self.period_from, current) {
            (Some(v), _) => e.take(date("period_from", v)),
            (None, Some(c)) => c.period_from.parse().ok(),
            (None, None) => e.take(Err(FieldError::new("period_from", "is required"))),
        };
        let to = match (&self.period_to, current) {
            (Some(v), _) => e.take(date("period_to", v)),
            (None, Some(c)) => c.period_to.parse().ok(),
            (None, None) => e.take(Err(FieldError::new("period_to", "is required"))),
        };
        if let (Some(f), Some(t)) = (from, to) {
            if f >= t {
                e.push(FieldError::new("period_to", "must be after the start"));
            }
            next.period_from = f.to_string();
            next.period_to = t.to_string();
        }
        if let Some(c) = self.chair_id {
            next.chair_id = Some(c);
        }
        if let Some(m) = &self.minutes {
            next.minutes = e
                .take(validation::optional_text("minutes", Some(m), 50_000))
                .flatten();
        }
        e.finish()?;
        Ok(next)
    }
}

impl ReviewItemInput {
    pub fn parse_new(&self) -> Result<(ReviewItemKind, String, Option<String>), Invalid> {
        let mut e = Errors::new();
        let kind = self.kind.unwrap_or(ReviewItemKind::Action);
        let text = match &self.text {
            Some(t) => e.take(validation::text("text", t, 1, 4000)),
            None => e.take(Err(FieldError::new("text", "is required"))),
        };
        let due = match self.due_date.as_deref().map(str::trim) {
            Some("") | None => None,
            Some(d) => e.take(date("due_date", d)).map(|d| d.to_string()),
        };
        if kind == ReviewItemKind::Action && self.owner_id.is_none() {
            e.push(FieldError::new("owner_id", "an action needs an owner"));
        }
        e.finish()?;
        Ok((kind, text.unwrap_or_default(), due))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_needs_a_title_and_a_period_in_order() {
        let bad = ReviewInput {
            title: Some("Q1".into()),
            period_from: Some("2026-04-01".into()),
            period_to: Some("2026-01-01".into()),
            ..Default::default()
        };
        assert_eq!(bad.apply(None).unwrap_err().0[0].field, "period_to");
        let missing = ReviewInput::default().apply(None).unwrap_err();
        let fields: Vec<_> = missing.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "period_from", "period_to"]);
    }

    #[test]
    fn an_action_needs_an_owner_a_decision_does_not() {
        let action = ReviewItemInput {
            text: Some("Hire a second DBA".into()),
            ..Default::default()
        };
        assert_eq!(action.parse_new().unwrap_err().0[0].field, "owner_id");
        let decision = ReviewItemInput {
            kind: Some(ReviewItemKind::Decision),
            ..action
        };
        assert!(decision.parse_new().is_ok());
    }
}
