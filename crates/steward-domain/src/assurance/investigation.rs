//! Investigations of unplanned non-availability (ISO/IEC 20000-1 8.7.1): a service that
//! missed its availability target in a calendar month gets one record — its owner, what was
//! found and what is done about it — once per service and month.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    InvestigationStatus { Open = "open", Closed = "closed" }
);

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Investigation {
    pub id: i64,
    pub service_id: i64,
    /// The calendar month investigated, `YYYY-MM` (UTC).
    pub month: String,
    pub owner_id: i64,
    pub findings: Option<String>,
    pub actions: Option<String>,
    pub status: InvestigationStatus,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/services/{id}/investigations`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestigationInput {
    /// `YYYY-MM`: a month that has ended or is under way.
    pub month: String,
    pub owner_id: i64,
    pub findings: Option<String>,
    pub actions: Option<String>,
}

/// Body of `PATCH /api/v1/services/{id}/investigations/{investigation}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvestigationPatch {
    pub owner_id: Option<i64>,
    pub findings: Option<String>,
    pub actions: Option<String>,
    pub status: Option<InvestigationStatus>,
}

pub const TEXT_MAX: usize = 20_000;

/// The first day of a `YYYY-MM` month.
pub fn parse_month(value: &str) -> Result<Date, FieldError> {
    format!("{}-01", value.trim())
        .parse::<Date>()
        .ok()
        .filter(|d| d.day() == 1 && value.trim().len() == 7)
        .ok_or_else(|| {
            FieldError::new(
                "month",
                "must be a month written YYYY-MM, for example 2026-03",
            )
        })
}

fn text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    validation::optional_text(field, value, TEXT_MAX)
}

impl InvestigationInput {
    /// The month's first day, and the texts checked.
    pub fn parse(&self) -> Result<(Date, Option<String>, Option<String>), Invalid> {
        let mut e = Errors::new();
        let month = e.take(parse_month(&self.month));
        let findings = e.take(text("findings", self.findings.as_deref())).flatten();
        let actions = e.take(text("actions", self.actions.as_deref())).flatten();
        e.finish()?;
        Ok((month.unwrap_or_default(), findings, actions))
    }
}

impl InvestigationPatch {
    pub fn apply(self, current: &Investigation) -> Result<Investigation, Invalid> {
        let mut e = Errors::new();
        let findings = match &self.findings {
            Some(f) => e.take(text("findings", Some(f))).flatten(),
            None => current.findings.clone(),
        };
        let actions = match &self.actions {
            Some(a) => e.take(text("actions", Some(a))).flatten(),
            None => current.actions.clone(),
        };
        let status = self.status.unwrap_or(current.status);
        if status == InvestigationStatus::Closed && findings.is_none() {
            e.push(FieldError::new(
                "findings",
                "say what was found before closing the investigation",
            ));
        }
        e.finish()?;
        Ok(Investigation {
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            findings,
            actions,
            status,
            ..current.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_written_yyyy_mm() {
        assert_eq!(parse_month("2026-03").unwrap().to_string(), "2026-03-01");
        for bad in ["2026-3", "2026-13", "March", "2026-03-01"] {
            assert!(parse_month(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_investigation_closes_only_with_findings() {
        let open = Investigation {
            id: 1,
            service_id: 1,
            month: "2026-03".into(),
            owner_id: 1,
            findings: None,
            actions: None,
            status: InvestigationStatus::Open,
            created_at: String::new(),
            updated_at: String::new(),
        };
        let close = InvestigationPatch {
            status: Some(InvestigationStatus::Closed),
            ..Default::default()
        };
        assert_eq!(
            close.clone().apply(&open).unwrap_err().0[0].field,
            "findings"
        );
        let with = InvestigationPatch {
            findings: Some("Failover took 40 minutes".into()),
            ..close
        };
        assert_eq!(
            with.apply(&open).unwrap().status,
            InvestigationStatus::Closed
        );
    }
}
