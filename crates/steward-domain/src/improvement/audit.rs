//! Internal audits (ISO/IEC 20000-1 9.2): an audit programme per period holding planned
//! audits, each with its scope (services, teams, free text), its criteria as clauses of the
//! standard, its auditor — who may not audit an area they are responsible for — and its
//! findings. A nonconformity finding raises a nonconformity (10.1).
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use crate::improvement::nonconformity::{LINE_MAX, Severity, TEXT_MAX, parse_date};
use serde::{Deserialize, Serialize};

text_enum!(
    AuditStatus {
        Planned = "planned",
        InProgress = "in_progress",
        Completed = "completed",
    }
);

text_enum!(
    FindingKind {
        Conformity = "conformity",
        Opportunity = "opportunity",
        MinorNonconformity = "minor_nonconformity",
        MajorNonconformity = "major_nonconformity",
    }
);

impl FindingKind {
    /// The severity of the nonconformity this finding raises, if it raises one.
    pub fn severity(self) -> Option<Severity> {
        match self {
            FindingKind::MinorNonconformity => Some(Severity::Minor),
            FindingKind::MajorNonconformity => Some(Severity::Major),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditProgramme {
    pub id: i64,
    pub title: String,
    /// `YYYY-MM-DD`, first day of the period.
    pub period_from: String,
    /// `YYYY-MM-DD`, last day of the period.
    pub period_to: String,
    pub objectives: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/audit-programmes`; every field may be sent to `PATCH` as well.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammeInput {
    pub title: String,
    pub period_from: String,
    pub period_to: String,
    pub objectives: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgrammePatch {
    pub title: Option<String>,
    pub period_from: Option<String>,
    pub period_to: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub objectives: Option<Option<String>>,
}

impl ProgrammeInput {
    pub fn parse(&self) -> Result<AuditProgramme, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, LINE_MAX));
        let objectives = e
            .take(validation::optional_text(
                "objectives",
                self.objectives.as_deref(),
                TEXT_MAX,
            ))
            .flatten();
        let (from, to) = period(&mut e, &self.period_from, &self.period_to);
        e.finish()?;
        Ok(AuditProgramme {
            id: 0,
            title: title.unwrap_or_default(),
            period_from: from,
            period_to: to,
            objectives,
            created_at: String::new(),
            updated_at: String::new(),
        })
    }
}

impl ProgrammePatch {
    pub fn apply(&self, current: &AuditProgramme) -> Result<AuditProgramme, Invalid> {
        ProgrammeInput {
            title: self.title.clone().unwrap_or_else(|| current.title.clone()),
            period_from: self
                .period_from
                .clone()
                .unwrap_or_else(|| current.period_from.clone()),
            period_to: self
                .period_to
                .clone()
                .unwrap_or_else(|| current.period_to.clone()),
            objectives: self
                .objectives
                .clone()
                .unwrap_or_else(|| current.objectives.clone()),
        }
        .parse()
        .map(|p| AuditProgramme {
            id: current.id,
            created_at: current.created_at.clone(),
            updated_at: current.updated_at.clone(),
            ..p
        })
    }
}

fn period(e: &mut Errors, from: &str, to: &str) -> (String, String) {
    let f = e.take(parse_date("period_from", from));
    let t = e.take(parse_date("period_to", to));
    if let (Some(f), Some(t)) = (f, t)
        && t < f
    {
        e.push(FieldError::new(
            "period_to",
            "must not be before the start of the period",
        ));
    }
    (
        f.map(|d| d.to_string()).unwrap_or_default(),
        t.map(|d| d.to_string()).unwrap_or_default(),
    )
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Audit {
    pub id: i64,
    pub programme_id: i64,
    pub title: String,
    /// Services audited.
    pub scope_service_ids: Vec<i64>,
    /// Teams audited.
    pub scope_team_ids: Vec<i64>,
    /// The rest of the scope, in words.
    pub scope_text: Option<String>,
    /// Clauses of ISO/IEC 20000-1 audited against, like `8.7.1`.
    pub criteria: Vec<String>,
    /// `YYYY-MM-DD`.
    pub planned_on: String,
    pub auditor_id: i64,
    pub status: AuditStatus,
    pub report_summary: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// An audit with its findings, as `GET /api/v1/audits/{id}` answers.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AuditDetail {
    #[serde(flatten)]
    pub audit: Audit,
    pub findings: Vec<Finding>,
}

/// Body of `POST /api/v1/audits`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditInput {
    pub programme_id: i64,
    pub title: String,
    #[serde(default)]
    pub scope_service_ids: Vec<i64>,
    #[serde(default)]
    pub scope_team_ids: Vec<i64>,
    pub scope_text: Option<String>,
    pub criteria: Vec<String>,
    pub planned_on: String,
    pub auditor_id: i64,
}

/// Body of `PATCH /api/v1/audits/{id}`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuditPatch {
    pub title: Option<String>,
    pub scope_service_ids: Option<Vec<i64>>,
    pub scope_team_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub scope_text: Option<Option<String>>,
    pub criteria: Option<Vec<String>>,
    pub planned_on: Option<String>,
    pub auditor_id: Option<i64>,
    /// Completing needs the report summary.
    pub status: Option<AuditStatus>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub report_summary: Option<Option<String>>,
}

/// A clause number of the standard: `4` to `10`, then dotted parts, like `8.7.1`.
pub fn clause(field: &str, value: &str) -> Result<String, FieldError> {
    let v = value.trim();
    let parts: Vec<&str> = v.split('.').collect();
    let ok = !v.is_empty()
        && parts.len() <= 5
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|c| c.is_ascii_digit()))
        && parts[0].parse::<u32>().is_ok_and(|n| (4..=10).contains(&n));
    if ok {
        Ok(v.to_owned())
    } else {
        Err(FieldError::new(
            field,
            format!(
                "{v:?} is not a clause of ISO/IEC 20000-1: write a clause number from 4 to 10 like 8.7.1"
            ),
        ))
    }
}

fn criteria(e: &mut Errors, list: &[String]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in list.iter().filter(|c| !c.trim().is_empty()) {
        if let Some(c) = e.take(clause("criteria", c))
            && !out.contains(&c)
        {
            out.push(c);
        }
    }
    if out.is_empty() && list.iter().all(|c| c.trim().is_empty()) {
        e.push(FieldError::new(
            "criteria",
            "name at least one clause audited against, like 8.7.1",
        ));
    }
    out
}

fn dedup(ids: &[i64]) -> Vec<i64> {
    let mut v = ids.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

impl AuditInput {
    pub fn parse(&self) -> Result<Audit, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, LINE_MAX));
        let scope_text = e
            .take(validation::optional_text(
                "scope_text",
                self.scope_text.as_deref(),
                TEXT_MAX,
            ))
            .flatten();
        let criteria = criteria(&mut e, &self.criteria);
        let planned = e.take(parse_date("planned_on", &self.planned_on));
        if self.scope_service_ids.is_empty()
            && self.scope_team_ids.is_empty()
            && scope_text.is_none()
        {
            e.push(FieldError::new(
                "scope_text",
                "say what is audited: services, teams, or the scope in words",
            ));
        }
        e.finish()?;
        Ok(Audit {
            id: 0,
            programme_id: self.programme_id,
            title: title.unwrap_or_default(),
            scope_service_ids: dedup(&self.scope_service_ids),
            scope_team_ids: dedup(&self.scope_team_ids),
            scope_text,
            criteria,
            planned_on: planned.map(|d| d.to_string()).unwrap_or_default(),
            auditor_id: self.auditor_id,
            status: AuditStatus::Planned,
            report_summary: None,
            created_at: String::new(),
            updated_at: String::new(),
        })
    }
}

impl AuditPatch {
    pub fn apply(&self, current: &Audit) -> Result<Audit, Invalid> {
        let mut e = Errors::new();
        let input = AuditInput {
            programme_id: current.programme_id,
            title: self.title.clone().unwrap_or_else(|| current.title.clone()),
            scope_service_ids: self
                .scope_service_ids
                .clone()
                .unwrap_or_else(|| current.scope_service_ids.clone()),
            scope_team_ids: self
                .scope_team_ids
                .clone()
                .unwrap_or_else(|| current.scope_team_ids.clone()),
            scope_text: self
                .scope_text
                .clone()
                .unwrap_or_else(|| current.scope_text.clone()),
            criteria: self
                .criteria
                .clone()
                .unwrap_or_else(|| current.criteria.clone()),
            planned_on: self
                .planned_on
                .clone()
                .unwrap_or_else(|| current.planned_on.clone()),
            auditor_id: self.auditor_id.unwrap_or(current.auditor_id),
        };
        let parsed = match input.parse() {
            Ok(p) => Some(p),
            Err(Invalid(errors)) => {
                errors.into_iter().for_each(|x| e.push(x));
                None
            }
        };
        let report_summary = match &self.report_summary {
            None => current.report_summary.clone(),
            Some(v) => e
                .take(validation::optional_text(
                    "report_summary",
                    v.as_deref(),
                    TEXT_MAX,
                ))
                .flatten(),
        };
        let status = self.status.unwrap_or(current.status);
        if status == AuditStatus::Completed && report_summary.is_none() {
            e.push(FieldError::new(
                "report_summary",
                "summarize the audit's results before completing it",
            ));
        }
        e.finish()?;
        let p = parsed.unwrap_or_else(|| current.clone());
        Ok(Audit {
            status,
            report_summary,
            id: current.id,
            created_at: current.created_at.clone(),
            updated_at: current.updated_at.clone(),
            ..p
        })
    }
}

/// Whether the change touches who audits or what is audited (the independence check then
/// runs again).
pub fn auditor_or_scope_changed(before: &Audit, after: &Audit) -> bool {
    before.auditor_id != after.auditor_id
        || before.scope_service_ids != after.scope_service_ids
        || before.scope_team_ids != after.scope_team_ids
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = AuditFinding)]
pub struct Finding {
    pub id: i64,
    pub audit_id: i64,
    pub kind: FindingKind,
    pub clause: Option<String>,
    pub description: String,
    pub evidence: Option<String>,
    /// The nonconformity a nonconformity finding raised.
    pub nonconformity_id: Option<i64>,
    pub recorded_by: Option<i64>,
    pub created_at: String,
}

/// Body of `POST /api/v1/audits/{id}/findings`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingInput {
    pub kind: FindingKind,
    /// The clause concerned; required for a nonconformity.
    pub clause: Option<String>,
    pub description: String,
    pub evidence: Option<String>,
}

impl FindingInput {
    pub fn parse(&self) -> Result<(FindingKind, Option<String>, String, Option<String>), Invalid> {
        let mut e = Errors::new();
        let written = self
            .clause
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty());
        let clause = written.and_then(|c| e.take(clause("clause", c)));
        if written.is_none() && self.kind.severity().is_some() {
            e.push(FieldError::new(
                "clause",
                "name the clause the nonconformity is against, like 8.7.1",
            ));
        }
        let description = e.take(validation::text(
            "description",
            &self.description,
            1,
            TEXT_MAX,
        ));
        let evidence = e
            .take(validation::optional_text(
                "evidence",
                self.evidence.as_deref(),
                TEXT_MAX,
            ))
            .flatten();
        e.finish()?;
        Ok((self.kind, clause, description.unwrap_or_default(), evidence))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clauses_are_numbers_of_the_standard() {
        for ok in ["8.7.1", "9.2", "10", "4.1.2.3"] {
            assert!(clause("c", ok).is_ok(), "{ok}");
        }
        for bad in ["", "3.1", "11", "8..1", "8.a", "Annex A"] {
            assert!(clause("c", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn an_audit_needs_scope_criteria_and_a_date_and_completes_with_a_summary() {
        let input = AuditInput {
            programme_id: 1,
            title: "Availability".into(),
            scope_service_ids: vec![],
            scope_team_ids: vec![],
            scope_text: None,
            criteria: vec![],
            planned_on: "soon".into(),
            auditor_id: 1,
        };
        let e = input.parse().unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["criteria", "planned_on", "scope_text"]);
        let audit = AuditInput {
            scope_service_ids: vec![3, 3],
            criteria: vec!["8.7.1".into(), " 8.7.1 ".into()],
            planned_on: "2026-04-01".into(),
            ..input
        }
        .parse()
        .unwrap();
        assert_eq!(audit.scope_service_ids, [3]);
        assert_eq!(audit.criteria, ["8.7.1"]);
        let complete = AuditPatch {
            status: Some(AuditStatus::Completed),
            ..Default::default()
        };
        assert_eq!(
            complete.apply(&audit).unwrap_err().0[0].field,
            "report_summary"
        );
    }

    #[test]
    fn nonconformity_findings_name_their_clause() {
        let f = FindingInput {
            kind: FindingKind::MajorNonconformity,
            clause: None,
            description: "No availability reports".into(),
            evidence: None,
        };
        assert_eq!(f.parse().unwrap_err().0[0].field, "clause");
        assert_eq!(
            FindingKind::MajorNonconformity.severity(),
            Some(Severity::Major)
        );
        assert_eq!(FindingKind::Opportunity.severity(), None);
    }
}
