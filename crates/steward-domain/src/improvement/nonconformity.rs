//! Nonconformities and corrective actions (ISO/IEC 20000-1 10.1): what was found not to meet
//! a requirement, the immediate correction, the cause, the corrective actions with owners and
//! due dates, and the effectiveness check without which the record does not close.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// Where the nonconformity was found.
    NcSource {
        Audit = "audit",
        Complaint = "complaint",
        IncidentReview = "incident_review",
        Monitoring = "monitoring",
        Other = "other",
    }
);

text_enum!(
    Severity { Minor = "minor", Major = "major" }
);

text_enum!(
    /// open → action_planned → verifying → closed; closed is final.
    NcStatus {
        Open = "open",
        ActionPlanned = "action_planned",
        Verifying = "verifying",
        Closed = "closed",
    }
);

text_enum!(
    ActionStatus { Open = "open", Done = "done" }
);

pub const TEXT_MAX: usize = 20_000;
pub const LINE_MAX: usize = 500;

/// Whether the corrective actions removed the cause: recorded by a person on a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EffectivenessCheck {
    pub text: String,
    pub checked_by: i64,
    /// `YYYY-MM-DD`.
    pub checked_on: String,
    pub effective: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct CorrectiveAction {
    pub id: i64,
    pub nonconformity_id: i64,
    pub description: String,
    pub owner_id: i64,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub status: ActionStatus,
    /// RFC 3339, when it was marked done.
    pub done_at: Option<String>,
    /// Open and past its due date (by the server's UTC date).
    pub overdue: bool,
    pub created_at: String,
    pub updated_at: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Nonconformity {
    pub id: i64,
    /// `NC-0001`.
    pub number: String,
    pub source: NcSource,
    /// The audit and finding it came from (source `audit`).
    pub audit_id: Option<i64>,
    pub finding_id: Option<i64>,
    /// The complaint it came from (source `complaint`).
    pub complaint_id: Option<i64>,
    /// The incident whose review found it (source `incident_review`).
    pub incident_id: Option<i64>,
    pub description: String,
    /// The requirement not met: a clause like `8.7.1`, or the organization's own requirement.
    pub requirement: String,
    pub severity: Severity,
    pub owner_id: Option<i64>,
    /// The immediate fix.
    pub correction: Option<String>,
    pub cause_analysis: Option<String>,
    pub status: NcStatus,
    pub effectiveness_check: Option<EffectivenessCheck>,
    /// The corrective actions, oldest first.
    pub actions: Vec<CorrectiveAction>,
    /// Any action open past its due date.
    pub has_overdue_actions: bool,
    pub closed_at: Option<String>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `POST /api/v1/nonconformities`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NonconformityInput {
    pub source: NcSource,
    /// An audit finding (source `audit`).
    pub finding_id: Option<i64>,
    /// A complaint (source `complaint`).
    pub complaint_id: Option<i64>,
    /// An incident (source `incident_review`).
    pub incident_id: Option<i64>,
    pub description: String,
    pub requirement: String,
    pub severity: Severity,
    pub owner_id: Option<i64>,
    pub correction: Option<String>,
    pub cause_analysis: Option<String>,
}

/// A checked new nonconformity.
#[derive(Debug, Clone, PartialEq)]
pub struct NcDraft {
    pub source: NcSource,
    pub audit_id: Option<i64>,
    pub finding_id: Option<i64>,
    pub complaint_id: Option<i64>,
    pub incident_id: Option<i64>,
    pub description: String,
    pub requirement: String,
    pub severity: Severity,
    pub owner_id: Option<i64>,
    pub correction: Option<String>,
    pub cause_analysis: Option<String>,
}

fn opt_text(field: &str, value: Option<&str>) -> Result<Option<String>, FieldError> {
    validation::optional_text(field, value, TEXT_MAX)
}

impl NonconformityInput {
    pub fn parse(&self) -> Result<NcDraft, Invalid> {
        let mut e = Errors::new();
        let description = e.take(validation::text(
            "description",
            &self.description,
            1,
            TEXT_MAX,
        ));
        let requirement = e.take(validation::text(
            "requirement",
            &self.requirement,
            1,
            LINE_MAX,
        ));
        let correction = e
            .take(opt_text("correction", self.correction.as_deref()))
            .flatten();
        let cause_analysis = e
            .take(opt_text("cause_analysis", self.cause_analysis.as_deref()))
            .flatten();
        // A link names a record of the kind the source says.
        let links = [
            ("finding_id", self.finding_id, NcSource::Audit),
            ("complaint_id", self.complaint_id, NcSource::Complaint),
            ("incident_id", self.incident_id, NcSource::IncidentReview),
        ];
        for (field, value, source) in links {
            if value.is_some() && self.source != source {
                e.push(FieldError::new(
                    field,
                    format!(
                        "links only a nonconformity whose source is {}",
                        source.as_str()
                    ),
                ));
            }
        }
        e.finish()?;
        Ok(NcDraft {
            source: self.source,
            audit_id: None,
            finding_id: self.finding_id,
            complaint_id: self.complaint_id,
            incident_id: self.incident_id,
            description: description.unwrap_or_default(),
            requirement: requirement.unwrap_or_default(),
            severity: self.severity,
            owner_id: self.owner_id,
            correction,
            cause_analysis,
        })
    }
}

/// Body of `PATCH /api/v1/nonconformities/{id}`; `null` clears an optional text or the owner.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NonconformityPatch {
    pub description: Option<String>,
    pub requirement: Option<String>,
    pub severity: Option<Severity>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub correction: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub cause_analysis: Option<Option<String>>,
    /// Closing needs the cause analysis, every action done and an effective check.
    pub status: Option<NcStatus>,
}

fn cleared(
    field: &str,
    value: &Option<Option<String>>,
    current: &Option<String>,
    e: &mut Errors,
) -> Option<String> {
    match value {
        None => current.clone(),
        Some(v) => e.take(opt_text(field, v.as_deref())).flatten(),
    }
}

impl NonconformityPatch {
    /// The record as the patch leaves it, with the closing rules applied (all refusals
    /// together, each naming its field).
    pub fn apply(&self, current: &Nonconformity) -> Result<Nonconformity, Invalid> {
        let mut e = Errors::new();
        if current.status == NcStatus::Closed {
            return Err(Invalid::one(
                "status",
                "the nonconformity is closed and no longer changes; raise a new one if it recurs",
            ));
        }
        let description = match &self.description {
            Some(d) => e.take(validation::text("description", d, 1, TEXT_MAX)),
            None => Some(current.description.clone()),
        };
        let requirement = match &self.requirement {
            Some(r) => e.take(validation::text("requirement", r, 1, LINE_MAX)),
            None => Some(current.requirement.clone()),
        };
        let correction = cleared("correction", &self.correction, &current.correction, &mut e);
        let cause_analysis = cleared(
            "cause_analysis",
            &self.cause_analysis,
            &current.cause_analysis,
            &mut e,
        );
        let status = self.status.unwrap_or(current.status);
        let next = Nonconformity {
            description: description.unwrap_or_default(),
            requirement: requirement.unwrap_or_default(),
            severity: self.severity.unwrap_or(current.severity),
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            correction,
            cause_analysis,
            status,
            ..current.clone()
        };
        if status == NcStatus::Closed {
            for refusal in closing_refusals(&next) {
                e.push(refusal);
            }
        }
        e.finish()?;
        Ok(next)
    }
}

/// Why the record may not close yet, one error per missing piece.
pub fn closing_refusals(nc: &Nonconformity) -> Vec<FieldError> {
    let mut out = Vec::new();
    if nc.cause_analysis.is_none() {
        out.push(FieldError::new(
            "cause_analysis",
            "record the cause analysis before closing: why did the nonconformity happen?",
        ));
    }
    let open = nc
        .actions
        .iter()
        .filter(|a| a.status == ActionStatus::Open)
        .count();
    if open > 0 {
        out.push(FieldError::new(
            "actions",
            match open {
                1 => "1 corrective action is still open: finish it before closing".to_owned(),
                n => format!("{n} corrective actions are still open: finish them before closing"),
            },
        ));
    }
    match &nc.effectiveness_check {
        None => out.push(FieldError::new(
            "effectiveness_check",
            "record the effectiveness check before closing: did the actions remove the cause?",
        )),
        Some(c) if !c.effective => out.push(FieldError::new(
            "effectiveness_check",
            "the effectiveness check found the actions not effective: plan new corrective actions, then check again",
        )),
        Some(_) => {}
    }
    out
}

/// Body of `PUT /api/v1/nonconformities/{id}/effectiveness-check`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EffectivenessCheckInput {
    /// What was checked and what it showed.
    pub text: String,
    /// The person who checked; the caller when left out.
    pub checked_by: Option<i64>,
    /// `YYYY-MM-DD`, not in the future; today when left out.
    pub checked_on: Option<String>,
    pub effective: bool,
}

impl EffectivenessCheckInput {
    pub fn parse(&self, me: Option<i64>, today: Date) -> Result<EffectivenessCheck, Invalid> {
        let mut e = Errors::new();
        let text = e.take(validation::text("text", &self.text, 1, TEXT_MAX));
        let checked_on = match &self.checked_on {
            None => Some(today),
            Some(d) => e.take(parse_date("checked_on", d).and_then(|d| {
                if d > today {
                    Err(FieldError::new("checked_on", "must not be in the future"))
                } else {
                    Ok(d)
                }
            })),
        };
        let checked_by = self.checked_by.or(me);
        if checked_by.is_none() {
            e.push(FieldError::new("checked_by", "say who checked"));
        }
        e.finish()?;
        Ok(EffectivenessCheck {
            text: text.unwrap_or_default(),
            checked_by: checked_by.unwrap_or_default(),
            checked_on: checked_on.unwrap_or_default().to_string(),
            effective: self.effective,
        })
    }
}

/// Body of `POST /api/v1/nonconformities/{id}/actions`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = CorrectiveActionInput)]
pub struct ActionInput {
    pub description: String,
    pub owner_id: i64,
    /// `YYYY-MM-DD`.
    pub due_on: String,
}

/// A checked new action: description and due date.
pub type ActionDraft = (String, i64, Date);

impl ActionInput {
    pub fn parse(&self) -> Result<ActionDraft, Invalid> {
        let mut e = Errors::new();
        let description = e.take(validation::text(
            "description",
            &self.description,
            1,
            TEXT_MAX,
        ));
        let due = e.take(parse_date("due_on", &self.due_on));
        e.finish()?;
        Ok((
            description.unwrap_or_default(),
            self.owner_id,
            due.unwrap_or_default(),
        ))
    }
}

/// Body of `PATCH /api/v1/nonconformities/{id}/actions/{action}`. An action's owner who is
/// not a manager may change only `status`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActionPatch {
    pub description: Option<String>,
    pub owner_id: Option<i64>,
    pub due_on: Option<String>,
    pub status: Option<ActionStatus>,
}

impl ActionPatch {
    pub fn only_status(&self) -> bool {
        self.description.is_none() && self.owner_id.is_none() && self.due_on.is_none()
    }

    /// The action as the patch leaves it; `done_at` is set when it becomes done (`now`,
    /// RFC 3339) and cleared when reopened.
    pub fn apply(
        &self,
        current: &CorrectiveAction,
        now: &str,
    ) -> Result<CorrectiveAction, Invalid> {
        let mut e = Errors::new();
        let description = match &self.description {
            Some(d) => e.take(validation::text("description", d, 1, TEXT_MAX)),
            None => Some(current.description.clone()),
        };
        let due_on = match &self.due_on {
            Some(d) => e.take(parse_date("due_on", d)).map(|d| d.to_string()),
            None => Some(current.due_on.clone()),
        };
        e.finish()?;
        let status = self.status.unwrap_or(current.status);
        let done_at = match (current.status, status) {
            (ActionStatus::Open, ActionStatus::Done) => Some(now.to_owned()),
            (_, ActionStatus::Open) => None,
            _ => current.done_at.clone(),
        };
        Ok(CorrectiveAction {
            description: description.unwrap_or_default(),
            owner_id: self.owner_id.unwrap_or(current.owner_id),
            due_on: due_on.unwrap_or_default(),
            status,
            done_at,
            ..current.clone()
        })
    }
}

/// An action is overdue when it is open and its due date has passed.
pub fn is_overdue(status: ActionStatus, due_on: &str, today: Date) -> bool {
    status == ActionStatus::Open && due_on.parse::<Date>().is_ok_and(|d| d < today)
}

/// `NC-0001`.
pub fn number(seq: i64) -> String {
    format!("NC-{seq:04}")
}

pub fn parse_date(field: &str, value: &str) -> Result<Date, FieldError> {
    let v = value.trim();
    v.parse::<Date>()
        .ok()
        .filter(|_| v.len() == 10)
        .ok_or_else(|| FieldError::new(field, "must be a date written YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nc() -> Nonconformity {
        Nonconformity {
            id: 1,
            number: number(1),
            source: NcSource::Other,
            audit_id: None,
            finding_id: None,
            complaint_id: None,
            incident_id: None,
            description: "Changes deployed without approval".into(),
            requirement: "8.5.1.3".into(),
            severity: Severity::Minor,
            owner_id: None,
            correction: None,
            cause_analysis: None,
            status: NcStatus::Verifying,
            effectiveness_check: None,
            actions: vec![CorrectiveAction {
                id: 1,
                nonconformity_id: 1,
                description: "Gate deploys on approval".into(),
                owner_id: 2,
                due_on: "2026-03-10".into(),
                status: ActionStatus::Open,
                done_at: None,
                overdue: false,
                created_at: String::new(),
                updated_at: String::new(),
            }],
            has_overdue_actions: false,
            closed_at: None,
            created_by: None,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn close() -> NonconformityPatch {
        NonconformityPatch {
            status: Some(NcStatus::Closed),
            ..Default::default()
        }
    }

    #[test]
    fn closing_names_every_missing_piece() {
        let e = close().apply(&nc()).unwrap_err();
        let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["cause_analysis", "actions", "effectiveness_check"]);
    }

    #[test]
    fn an_ineffective_check_keeps_it_open_and_an_effective_one_closes() {
        let mut n = nc();
        n.cause_analysis = Some("No gate in the pipeline".into());
        n.actions[0].status = ActionStatus::Done;
        n.effectiveness_check = Some(EffectivenessCheck {
            text: "Two unapproved deploys since".into(),
            checked_by: 2,
            checked_on: "2026-03-20".into(),
            effective: false,
        });
        let e = close().apply(&n).unwrap_err();
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].field, "effectiveness_check");
        n.effectiveness_check.as_mut().unwrap().effective = true;
        assert_eq!(close().apply(&n).unwrap().status, NcStatus::Closed);
    }

    #[test]
    fn links_match_the_source_and_dates_are_checked() {
        let input = NonconformityInput {
            source: NcSource::Monitoring,
            finding_id: None,
            complaint_id: Some(3),
            incident_id: None,
            description: "x".into(),
            requirement: "8.7.1".into(),
            severity: Severity::Major,
            owner_id: None,
            correction: None,
            cause_analysis: None,
        };
        assert_eq!(input.parse().unwrap_err().0[0].field, "complaint_id");
        let today: Date = "2026-03-10".parse().unwrap();
        assert!(is_overdue(ActionStatus::Open, "2026-03-09", today));
        assert!(!is_overdue(ActionStatus::Open, "2026-03-10", today));
        assert!(!is_overdue(ActionStatus::Done, "2026-03-01", today));
        let future = EffectivenessCheckInput {
            text: "ok".into(),
            checked_by: None,
            checked_on: Some("2026-03-11".into()),
            effective: true,
        };
        assert_eq!(
            future.parse(Some(1), today).unwrap_err().0[0].field,
            "checked_on"
        );
    }
}
