//! Risks and opportunities of the SMS (ISO/IEC 20000-1 6.1): each scored likelihood ×
//! impact, the level read from the score, a chosen treatment, an owner and a review date.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use crate::improvement::system_document::date_field;
use serde::{Deserialize, Serialize};

text_enum!(
    RiskKind { Risk = "risk", Opportunity = "opportunity" }
);

text_enum!(
    RiskStatus { Open = "open", Treated = "treated", Closed = "closed" }
);

text_enum!(
    /// Exploit is for an opportunity; the others answer a risk (accept may answer either).
    Treatment { Accept = "accept", Reduce = "reduce", Transfer = "transfer", Avoid = "avoid", Exploit = "exploit" }
);

text_enum!(
    RiskLevel { Low = "low", Medium = "medium", High = "high" }
);

impl RiskLevel {
    /// On a 5 × 5 grid: up to 4 low, up to 9 medium, 10 and above high.
    pub fn of_score(score: i64) -> RiskLevel {
        match score {
            ..=4 => RiskLevel::Low,
            5..=9 => RiskLevel::Medium,
            _ => RiskLevel::High,
        }
    }
}

/// How the register is ordered.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskSort {
    /// Highest score first (the default).
    #[default]
    Score,
    /// Newest first.
    Newest,
    /// Earliest review date first, undated last.
    Review,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Risk {
    pub id: i64,
    /// `RSK-0001`.
    pub number: String,
    pub title: String,
    pub kind: RiskKind,
    pub description: Option<String>,
    /// 1–5.
    pub likelihood: i64,
    /// 1–5.
    pub impact: i64,
    /// likelihood × impact.
    pub score: i64,
    pub level: RiskLevel,
    pub treatment: Option<Treatment>,
    pub treatment_text: Option<String>,
    pub owner_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub review_due_on: Option<String>,
    pub status: RiskStatus,
    pub service_ids: Vec<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl Risk {
    /// Fills in the score and level from likelihood and impact.
    pub fn scored(mut self) -> Risk {
        self.score = self.likelihood * self.impact;
        self.level = RiskLevel::of_score(self.score);
        self
    }

    pub fn review_overdue(&self, today: &str) -> bool {
        self.status == RiskStatus::Open && self.review_due_on.as_deref().is_some_and(|d| d < today)
    }

    pub fn high_untreated(&self) -> bool {
        self.level == RiskLevel::High && self.status == RiskStatus::Open && self.treatment.is_none()
    }
}

/// Body of `POST /api/v1/system/risks` (`title`, `kind`, `likelihood`, `impact` required)
/// and `PATCH` (what changes; `null` clears).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskInput {
    pub title: Option<String>,
    pub kind: Option<RiskKind>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<Treatment>)]
    pub treatment: Option<Option<Treatment>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub treatment_text: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub review_due_on: Option<Option<String>>,
    pub status: Option<RiskStatus>,
    pub service_ids: Option<Vec<i64>>,
}

const TEXT_MAX: usize = 20_000;

impl RiskInput {
    pub fn apply(self, current: Option<&Risk>) -> Result<Risk, Invalid> {
        let mut e = Errors::new();
        let mut next = current.cloned().unwrap_or(Risk {
            id: 0,
            number: String::new(),
            title: String::new(),
            kind: RiskKind::Risk,
            description: None,
            likelihood: 0,
            impact: 0,
            score: 0,
            level: RiskLevel::Low,
            treatment: None,
            treatment_text: None,
            owner_id: None,
            review_due_on: None,
            status: RiskStatus::Open,
            service_ids: Vec::new(),
            created_at: String::new(),
            updated_at: String::new(),
        });
        let new = current.is_none();
        match self.title {
            Some(t) => {
                if let Some(t) = e.take(validation::text("title", &t, 1, 200)) {
                    next.title = t;
                }
            }
            None if new => e.push(FieldError::new("title", "is required")),
            None => {}
        }
        match self.kind {
            Some(k) => next.kind = k,
            None if new => e.push(FieldError::new(
                "kind",
                format!("is required: {}", RiskKind::choices()),
            )),
            None => {}
        }
        for (field, value, slot) in [
            ("likelihood", self.likelihood, &mut next.likelihood),
            ("impact", self.impact, &mut next.impact),
        ] {
            match value {
                Some(v) if (1..=5).contains(&v) => *slot = v,
                Some(_) => e.push(FieldError::new(field, "1 (lowest) to 5 (highest)")),
                None if new => e.push(FieldError::new(field, "is required: 1 to 5")),
                None => {}
            }
        }
        if let Some(d) = self.description {
            next.description = e
                .take(validation::optional_text(
                    "description",
                    d.as_deref(),
                    TEXT_MAX,
                ))
                .flatten();
        }
        if let Some(t) = self.treatment_text {
            next.treatment_text = e
                .take(validation::optional_text(
                    "treatment_text",
                    t.as_deref(),
                    TEXT_MAX,
                ))
                .flatten();
        }
        if let Some(t) = self.treatment {
            next.treatment = t;
        }
        if let Some(o) = self.owner_id {
            next.owner_id = o;
        }
        if let Some(d) = self.review_due_on {
            next.review_due_on = e.take(date_field("review_due_on", d)).flatten();
        }
        if let Some(s) = self.status {
            next.status = s;
        }
        if let Some(mut ids) = self.service_ids {
            ids.sort_unstable();
            ids.dedup();
            next.service_ids = ids;
        }
        match (next.kind, next.treatment) {
            (RiskKind::Risk, Some(Treatment::Exploit)) => e.push(FieldError::new(
                "treatment",
                "a risk is accepted, reduced, transferred or avoided; exploit is for an opportunity",
            )),
            (RiskKind::Opportunity, Some(Treatment::Reduce | Treatment::Transfer | Treatment::Avoid)) => {
                e.push(FieldError::new(
                    "treatment",
                    "an opportunity is exploited or accepted",
                ))
            }
            _ => {}
        }
        if next.status == RiskStatus::Treated && next.treatment.is_none() {
            e.push(FieldError::new(
                "treatment",
                "a treated risk says how it was treated",
            ));
        }
        e.finish()?;
        Ok(next.scored())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_comes_from_the_score_and_treatments_fit_the_kind() {
        let r = RiskInput {
            title: Some("Single data centre".into()),
            kind: Some(RiskKind::Risk),
            likelihood: Some(2),
            impact: Some(5),
            ..Default::default()
        }
        .apply(None)
        .unwrap();
        assert_eq!((r.score, r.level), (10, RiskLevel::High));
        assert!(r.high_untreated());
        assert_eq!(RiskLevel::of_score(4), RiskLevel::Low);
        assert_eq!(RiskLevel::of_score(9), RiskLevel::Medium);
        let bad = RiskInput {
            treatment: Some(Some(Treatment::Exploit)),
            likelihood: Some(6),
            ..Default::default()
        }
        .apply(Some(&r))
        .unwrap_err();
        let fields: Vec<_> = bad.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["likelihood", "treatment"]);
    }
}
