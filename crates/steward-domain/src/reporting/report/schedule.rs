//! Report definitions and their schedule: who a pack of reports is for, which reports with
//! which filters, and how often a snapshot is generated. A snapshot covers the last complete
//! period (yesterday, last week Monday to Monday, last month), in UTC.
use super::{Filters, ReportName};
use crate::foundation::validation::{Errors, FieldError, Invalid};
use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan};
use serde::{Deserialize, Serialize};

crate::foundation::text_enum::text_enum!(
    /// How often a definition's snapshot is generated.
    Cadence { Daily = "daily", Weekly = "weekly", Monthly = "monthly" }
);

pub const NAME_MAX: usize = 200;
pub const AUDIENCE_MAX: usize = 500;
pub const REPORTS_MAX: usize = 20;
pub const ACTION_MAX: usize = 5_000;

/// Body of `POST /api/v1/report-definitions` and `PUT …/{id}`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefinitionInput {
    pub name: String,
    /// Who reads it, e.g. "Service review board, Acme".
    pub audience: String,
    /// Report names, e.g. `["sla-compliance", "volumes"]`.
    pub reports: Vec<String>,
    #[serde(default)]
    pub service_id: Option<i64>,
    #[serde(default)]
    pub organization_id: Option<i64>,
    #[serde(default)]
    pub team_id: Option<i64>,
    #[serde(default)]
    pub priority: Option<i64>,
    /// day, week or month; default by the cadence.
    #[serde(default)]
    pub grouping: Option<String>,
    pub cadence: Cadence,
}

/// A checked definition.
#[derive(Debug, Clone, PartialEq)]
pub struct DefinitionDraft {
    pub name: String,
    pub audience: String,
    pub reports: Vec<ReportName>,
    pub filters: Filters,
    pub grouping: super::Grouping,
    pub cadence: Cadence,
}

impl DefinitionInput {
    pub fn parse(self) -> Result<DefinitionDraft, Invalid> {
        let mut e = Errors::new();
        let name = e.take(crate::foundation::validation::text(
            "name", &self.name, 1, NAME_MAX,
        ));
        let audience = e.take(crate::foundation::validation::text(
            "audience",
            &self.audience,
            1,
            AUDIENCE_MAX,
        ));
        if self.reports.is_empty() || self.reports.len() > REPORTS_MAX {
            e.push(FieldError::new(
                "reports",
                format!("1 to {REPORTS_MAX} report names"),
            ));
        }
        let mut reports = Vec::new();
        for (i, r) in self.reports.iter().enumerate() {
            match ReportName::parse(r) {
                Some(r) if !reports.contains(&r) => reports.push(r),
                Some(_) => e.push(FieldError::new(format!("reports[{i}]"), "named twice")),
                None => e.push(FieldError::new(
                    format!("reports[{i}]"),
                    format!("no report named {r:?}; reports: {}", ReportName::choices()),
                )),
            }
        }
        if let Some(p) = self.priority
            && !(1..=5).contains(&p)
        {
            e.push(FieldError::new("priority", "1 to 5"));
        }
        let grouping = match self.grouping.as_deref() {
            Some(g) => e.take(super::Grouping::parse(g).ok_or_else(|| {
                FieldError::new("grouping", format!("one of {}", super::Grouping::choices()))
            })),
            None => Some(match self.cadence {
                Cadence::Daily | Cadence::Weekly => super::Grouping::Day,
                Cadence::Monthly => super::Grouping::Week,
            }),
        };
        e.finish()?;
        Ok(DefinitionDraft {
            name: name.unwrap_or_default(),
            audience: audience.unwrap_or_default(),
            reports,
            filters: Filters {
                service_id: self.service_id,
                organization_id: self.organization_id,
                team_id: self.team_id,
                priority: self.priority,
            },
            grouping: grouping.unwrap_or(super::Grouping::Day),
            cadence: self.cadence,
        })
    }
}

/// A definition as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Definition {
    pub id: i64,
    pub name: String,
    pub audience: String,
    pub reports: Vec<String>,
    pub filters: Filters,
    pub grouping: String,
    pub cadence: Cadence,
    /// When the next snapshot is due (RFC 3339).
    pub next_run_at: String,
    pub owner_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// A generated report pack, kept as it was generated.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub id: i64,
    pub definition_id: i64,
    pub period_from: String,
    pub period_to: String,
    pub generated_at: String,
    /// SHA-256 (hex) of `content` exactly as stored.
    pub content_sha256: String,
    /// `{"definition": …, "reports": [Report…]}`; absent in lists.
    #[schema(value_type = Option<Object>)]
    pub content: Option<serde_json::Value>,
}

crate::foundation::text_enum::text_enum!(
    /// What was recorded against a report.
    ActionKind { Decision = "decision", Action = "action" }
);

/// Body of `POST /api/v1/report-snapshots/{id}/actions`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReportActionInput)]
pub struct ActionInput {
    pub kind: ActionKind,
    pub text: String,
    #[serde(default)]
    pub owner_id: Option<i64>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub due_date: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ReportAction {
    pub id: i64,
    pub snapshot_id: i64,
    pub kind: ActionKind,
    pub text: String,
    pub owner_id: Option<i64>,
    pub due_date: Option<String>,
    pub created_by: String,
    pub created_at: String,
}

impl ActionInput {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        e.take(crate::foundation::validation::text(
            "text", &self.text, 1, ACTION_MAX,
        ));
        if let Some(d) = &self.due_date
            && d.parse::<Date>().is_err()
        {
            e.push(FieldError::new("due_date", "write the date as YYYY-MM-DD"));
        }
        e.finish()
    }
}

fn day_of(at: i64) -> Date {
    Timestamp::from_microsecond(at)
        .unwrap_or(Timestamp::UNIX_EPOCH)
        .to_zoned_datetime(TimeZone::UTC)
        .date()
}

fn micros(d: Date) -> i64 {
    d.to_zoned_datetime(TimeZone::UTC)
        .map(|z| z.timestamp().as_microsecond())
        .unwrap_or(i64::MAX)
}

/// The start of the period containing `at`.
fn period_start(cadence: Cadence, at: i64) -> Date {
    let d = day_of(at);
    match cadence {
        Cadence::Daily => d,
        Cadence::Weekly => d
            .checked_sub(i64::from(d.weekday().to_monday_zero_offset()).days())
            .unwrap_or(d),
        Cadence::Monthly => d.first_of_month(),
    }
}

fn step(cadence: Cadence) -> jiff::Span {
    match cadence {
        Cadence::Daily => 1.day(),
        Cadence::Weekly => 1.week(),
        Cadence::Monthly => 1.month(),
    }
}

/// The last complete period before `at`: `(from, to)`, `to` exclusive.
pub fn last_complete_period(cadence: Cadence, at: i64) -> (i64, i64) {
    let end = period_start(cadence, at);
    let start = end.checked_sub(step(cadence)).unwrap_or(end);
    (micros(start), micros(end))
}

/// When the snapshot after `at` is due: the start of the next period.
pub fn next_run(cadence: Cadence, at: i64) -> i64 {
    let start = period_start(cadence, at);
    micros(start.checked_add(step(cadence)).unwrap_or(start))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> i64 {
        s.parse::<Timestamp>().unwrap().as_microsecond()
    }

    #[test]
    fn periods_are_the_last_complete_day_week_and_month() {
        let now = at("2026-11-25T10:00:00Z"); // a Wednesday
        assert_eq!(
            last_complete_period(Cadence::Daily, now),
            (at("2026-11-24T00:00:00Z"), at("2026-11-25T00:00:00Z"))
        );
        assert_eq!(
            last_complete_period(Cadence::Weekly, now),
            (at("2026-11-16T00:00:00Z"), at("2026-11-23T00:00:00Z"))
        );
        assert_eq!(
            last_complete_period(Cadence::Monthly, now),
            (at("2026-10-01T00:00:00Z"), at("2026-11-01T00:00:00Z"))
        );
        assert_eq!(next_run(Cadence::Monthly, now), at("2026-12-01T00:00:00Z"));
        assert_eq!(next_run(Cadence::Weekly, now), at("2026-11-30T00:00:00Z"));
        // Exactly at a boundary, the period that just ended is the one reported.
        let boundary = at("2026-12-01T00:00:00Z");
        assert_eq!(
            last_complete_period(Cadence::Monthly, boundary).0,
            at("2026-11-01T00:00:00Z")
        );
    }

    #[test]
    fn bad_definitions_name_each_field() {
        let input = DefinitionInput {
            name: String::new(),
            audience: "Board".into(),
            reports: vec!["volumes".into(), "volumes".into(), "nope".into()],
            service_id: None,
            organization_id: None,
            team_id: None,
            priority: Some(7),
            grouping: Some("hour".into()),
            cadence: Cadence::Weekly,
        };
        let fields: Vec<String> = input
            .parse()
            .unwrap_err()
            .0
            .into_iter()
            .map(|f| f.field)
            .collect();
        for f in ["name", "reports[1]", "reports[2]", "priority", "grouping"] {
            assert!(fields.contains(&f.to_owned()), "{f} in {fields:?}");
        }
    }
}
