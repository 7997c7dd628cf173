//! Change records (ISO/IEC 20000-1 8.5.1.2, 8.5.1.3): requests for change with their type,
//! affected services and CIs, risk answers, plans, planned window and a lifecycle
//! draft → assessment → authorized → scheduled → implementing → review → closed (or cancelled).
use crate::delivery::change_conflict::Conflict;
use crate::delivery::change_policy::{ApprovalRule, ApprovalState, ImpactLevel, RiskLevel};
use crate::delivery::service::id_set;
use crate::foundation::page::{micros, parse_instant, rfc3339_micros};
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 20_000;
pub const CATEGORY_MAX: usize = 100;
pub const LINKS_MAX: usize = 500;

text_enum!(ChangeType {
    /// Pre-approved, from a standard-change template.
    Standard = "standard",
    Normal = "normal",
    Emergency = "emergency",
});

text_enum!(ServiceChange {
    None = "none",
    /// The change introduces a new service.
    New = "new",
    /// The change removes a service.
    Removed = "removed",
});

text_enum!(ChangeStatus {
    Draft = "draft",
    Assessment = "assessment",
    Authorized = "authorized",
    Scheduled = "scheduled",
    Implementing = "implementing",
    Review = "review",
    Closed = "closed",
    Cancelled = "cancelled",
});

text_enum!(ChangeOutcome {
    Successful = "successful",
    Failed = "failed",
    BackedOut = "backed_out",
});

text_enum!(Decision as ChangeDecision {
    Approve = "approve",
    Reject = "reject",
});

impl ChangeStatus {
    /// The statuses a change may move to from this one.
    pub fn allowed_next(self) -> &'static [ChangeStatus] {
        use ChangeStatus::*;
        match self {
            Draft => &[Assessment, Cancelled],
            Assessment => &[Authorized, Cancelled],
            Authorized => &[Scheduled, Cancelled],
            Scheduled => &[Implementing, Authorized, Cancelled],
            Implementing => &[Review],
            Review => &[Closed],
            Closed | Cancelled => &[],
        }
    }
}

/// A move the lifecycle does not allow (a 409 naming the allowed ones).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a change that is {} cannot become {}", from.as_str(), to.as_str())]
pub struct NotAllowed {
    pub from: ChangeStatus,
    pub to: ChangeStatus,
    pub allowed: Vec<&'static str>,
}

/// Checks one move of the lifecycle.
pub fn transition(from: ChangeStatus, to: ChangeStatus) -> Result<ChangeStatus, NotAllowed> {
    if from.allowed_next().contains(&to) {
        Ok(to)
    } else {
        Err(NotAllowed {
            from,
            to,
            allowed: from.allowed_next().iter().map(|s| s.as_str()).collect(),
        })
    }
}

/// A post-implementation review is needed before closing failed, backed-out and emergency
/// changes (8.5.1.3: review the effectiveness of changes that did not go as planned).
pub fn needs_review(change_type: ChangeType, outcome: Option<ChangeOutcome>) -> bool {
    change_type == ChangeType::Emergency
        || matches!(
            outcome,
            Some(ChangeOutcome::Failed | ChangeOutcome::BackedOut)
        )
}

/// A major change needs a service design and transition record before authorization (8.5.2).
pub fn is_major(service_change: ServiceChange, impact: ImpactLevel) -> bool {
    service_change != ServiceChange::None || impact == ImpactLevel::Major
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAnswer {
    /// The question's key in the risk questionnaire.
    pub question: String,
    /// Index of the chosen answer.
    pub answer: i64,
}

/// The approval a change needs and the decisions so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeApproval)]
pub struct ApprovalStatus {
    pub state: ApprovalState,
    pub board_id: Option<i64>,
    pub rule: Option<ApprovalRule>,
    pub quorum: Option<i64>,
    pub decisions: Vec<DecisionRecord>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeDecisionRecord)]
pub struct DecisionRecord {
    pub user_id: i64,
    pub decision: Decision,
    pub comment: Option<String>,
    pub at: String,
}

/// The service design and transition record of a major change (8.5.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeDesign)]
pub struct Design {
    pub requirements: String,
    pub design: String,
    pub acceptance_criteria: String,
    pub transition_plan: String,
}

impl Design {
    pub fn validate(self) -> Result<Design, Invalid> {
        let mut e = Errors::new();
        let mut t = |f: &str, v: &str| {
            e.take(validation::text(f, v, 1, TEXT_MAX))
                .unwrap_or_default()
        };
        let d = Design {
            requirements: t("requirements", &self.requirements),
            design: t("design", &self.design),
            acceptance_criteria: t("acceptance_criteria", &self.acceptance_criteria),
            transition_plan: t("transition_plan", &self.transition_plan),
        };
        e.finish()?;
        Ok(d)
    }
}

/// The post-implementation review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeReview)]
pub struct Review {
    pub notes: String,
    pub outcome: String,
    pub at: String,
}

/// Body of `POST /api/v1/changes/{id}/review`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeReviewInput)]
pub struct ReviewInput {
    /// What happened and what was learnt (1–20000).
    pub notes: String,
    /// The review's conclusion, for example `objectives met` (1–200).
    pub outcome: String,
}

impl ReviewInput {
    pub fn parse(self) -> Result<(String, String), Invalid> {
        let mut e = Errors::new();
        let notes = e.take(validation::text("notes", &self.notes, 1, TEXT_MAX));
        let outcome = e.take(validation::text("outcome", &self.outcome, 1, TITLE_MAX));
        e.finish()?;
        Ok((notes.unwrap_or_default(), outcome.unwrap_or_default()))
    }
}

/// A change as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Change {
    pub id: i64,
    /// `CHG-000001`, gap-free.
    pub number: String,
    pub change_type: ChangeType,
    pub template_id: Option<i64>,
    pub category: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub justification: Option<String>,
    pub service_change: ServiceChange,
    pub service_ids: Vec<i64>,
    pub ci_ids: Vec<i64>,
    /// Computed from the affected services and the CI impact analysis.
    pub impact: ImpactLevel,
    /// Services affected directly, through an affected CI, or through the CIs that depend on
    /// an affected CI.
    pub impacted_service_ids: Vec<i64>,
    /// A new or removed service, or major impact: needs a design record before authorization.
    pub major: bool,
    pub risk_answers: Vec<RiskAnswer>,
    pub risk_score: i64,
    pub risk_level: RiskLevel,
    pub implementation_plan: Option<String>,
    pub test_plan: Option<String>,
    pub backout_plan: Option<String>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub status: ChangeStatus,
    /// The statuses the change may move to now.
    pub allowed_next: Vec<ChangeStatus>,
    pub approval: ApprovalStatus,
    pub design: Option<Design>,
    pub outcome: Option<ChangeOutcome>,
    pub review: Option<Review>,
    /// Incidents recorded as caused by this change.
    pub caused_incident_ids: Vec<i64>,
    /// The same incidents with their numbers, titles and statuses.
    pub caused_incidents: Vec<IncidentRef>,
    /// Starting the change opens a planned outage on each affected service; completing it
    /// ends them.
    pub planned_outage: bool,
    /// The planned outages the change opened.
    pub outage_ids: Vec<i64>,
    /// The assigned team (assignment group) that carries the change out; its calendar and
    /// feed show the change. Set with `PUT /api/v1/changes/{id}/team`.
    pub team_id: Option<i64>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub started_at: Option<String>,
    pub completed_at: Option<String>,
    pub closed_at: Option<String>,
    /// What the change conflicts with now (other changes on the same or dependent CIs,
    /// blackout windows, maintenance windows left): on `GET /api/v1/changes/{id}` and the
    /// answers of its actions; left out of lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conflicts: Option<Vec<Conflict>>,
    /// Why the change was scheduled over its conflicts.
    pub override_reason: Option<String>,
    /// The conflicts it was scheduled over, as they were then.
    pub overridden_conflicts: Vec<Conflict>,
}

/// Body of `POST /api/v1/changes`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeInput {
    pub change_type: ChangeType,
    /// Required for a standard change: its plans and category come from the template.
    pub template_id: Option<i64>,
    pub category: Option<String>,
    /// 1–200 characters.
    pub title: String,
    pub description: Option<String>,
    pub justification: Option<String>,
    /// Default `none`.
    pub service_change: Option<ServiceChange>,
    #[serde(default)]
    pub service_ids: Vec<i64>,
    #[serde(default)]
    pub ci_ids: Vec<i64>,
    #[serde(default)]
    pub risk_answers: Vec<RiskAnswer>,
    pub implementation_plan: Option<String>,
    pub test_plan: Option<String>,
    pub backout_plan: Option<String>,
    /// RFC 3339.
    pub planned_start: Option<String>,
    /// RFC 3339, after `planned_start`.
    pub planned_end: Option<String>,
    /// Open a planned outage on each affected service while the change is implemented
    /// (default no).
    pub planned_outage: Option<bool>,
}

/// A change's editable fields, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeDraft {
    pub change_type: ChangeType,
    pub template_id: Option<i64>,
    pub category: Option<String>,
    pub title: String,
    pub description: Option<String>,
    pub justification: Option<String>,
    pub service_change: ServiceChange,
    pub service_ids: Vec<i64>,
    pub ci_ids: Vec<i64>,
    pub risk_answers: Vec<(String, i64)>,
    pub implementation_plan: Option<String>,
    pub test_plan: Option<String>,
    pub backout_plan: Option<String>,
    pub planned_start: Option<i64>,
    pub planned_end: Option<i64>,
    pub planned_outage: bool,
}

fn opt(e: &mut Errors, field: &str, v: Option<&str>, max: usize) -> Option<String> {
    e.take(validation::optional_text(field, v, max)).flatten()
}

fn instant(e: &mut Errors, field: &str, v: Option<&str>) -> Option<i64> {
    match v.map(str::trim) {
        None | Some("") => None,
        Some(v) => e.take(parse_instant(field, v)).map(micros),
    }
}

impl ChangeInput {
    pub fn parse(self) -> Result<ChangeDraft, Invalid> {
        let mut e = Errors::new();
        let title = e
            .take(validation::text("title", &self.title, 1, TITLE_MAX))
            .unwrap_or_default();
        let category = opt(&mut e, "category", self.category.as_deref(), CATEGORY_MAX);
        let description = opt(&mut e, "description", self.description.as_deref(), TEXT_MAX);
        let justification = opt(
            &mut e,
            "justification",
            self.justification.as_deref(),
            TEXT_MAX,
        );
        let implementation_plan = opt(
            &mut e,
            "implementation_plan",
            self.implementation_plan.as_deref(),
            TEXT_MAX,
        );
        let test_plan = opt(&mut e, "test_plan", self.test_plan.as_deref(), TEXT_MAX);
        let backout_plan = opt(
            &mut e,
            "backout_plan",
            self.backout_plan.as_deref(),
            TEXT_MAX,
        );
        let planned_start = instant(&mut e, "planned_start", self.planned_start.as_deref());
        let planned_end = instant(&mut e, "planned_end", self.planned_end.as_deref());
        let service_ids = e
            .take(id_set("service_ids", self.service_ids, LINKS_MAX))
            .unwrap_or_default();
        let ci_ids = e
            .take(id_set("ci_ids", self.ci_ids, LINKS_MAX))
            .unwrap_or_default();
        let mut risk_answers: Vec<(String, i64)> = Vec::new();
        for a in self.risk_answers {
            if risk_answers.iter().any(|(k, _)| k == &a.question) {
                e.push(FieldError::new(
                    "risk_answers",
                    format!("question {:?} is answered twice", a.question),
                ));
            } else {
                risk_answers.push((a.question, a.answer));
            }
        }
        if self.change_type == ChangeType::Standard && self.template_id.is_none() {
            e.push(FieldError::new(
                "template_id",
                "a standard change is created from a standard-change template",
            ));
        }
        if self.change_type != ChangeType::Standard && self.template_id.is_some() {
            e.push(FieldError::new(
                "template_id",
                "only a standard change comes from a template",
            ));
        }
        let draft = ChangeDraft {
            change_type: self.change_type,
            template_id: self.template_id,
            category,
            title,
            description,
            justification,
            service_change: self.service_change.unwrap_or(ServiceChange::None),
            service_ids,
            ci_ids,
            risk_answers,
            implementation_plan,
            test_plan,
            backout_plan,
            planned_start,
            planned_end,
            planned_outage: self.planned_outage.unwrap_or(false),
        };
        if let Err(err) = draft.check_window() {
            e.push(err);
        }
        e.finish()?;
        Ok(draft)
    }
}

impl ChangeDraft {
    /// The planned end must come after the planned start.
    pub fn check_window(&self) -> Result<(), FieldError> {
        match (self.planned_start, self.planned_end) {
            (Some(s), Some(e)) if e <= s => Err(FieldError::new(
                "planned_end",
                "must be after planned_start",
            )),
            _ => Ok(()),
        }
    }

    /// What a change needs before it goes to assessment, every gap named at once.
    pub fn check_submittable(&self, unanswered: &[String]) -> Result<(), Invalid> {
        let mut e = Errors::new();
        for (field, v) in [
            ("implementation_plan", &self.implementation_plan),
            ("test_plan", &self.test_plan),
            ("backout_plan", &self.backout_plan),
        ] {
            if v.is_none() {
                e.push(FieldError::new(field, "is needed before submitting"));
            }
        }
        if self.planned_start.is_none() {
            e.push(FieldError::new(
                "planned_start",
                "is needed before submitting",
            ));
        }
        if self.planned_end.is_none() {
            e.push(FieldError::new(
                "planned_end",
                "is needed before submitting",
            ));
        }
        if self.change_type != ChangeType::Standard && !unanswered.is_empty() {
            e.push(FieldError::new(
                "risk_answers",
                format!("unanswered risk questions: {}", unanswered.join(", ")),
            ));
        }
        e.finish()
    }
}

impl From<&Change> for ChangeDraft {
    fn from(c: &Change) -> Self {
        let at = |s: &Option<String>| {
            s.as_deref()
                .and_then(|s| s.parse::<jiff::Timestamp>().ok())
                .map(micros)
        };
        ChangeDraft {
            change_type: c.change_type,
            template_id: c.template_id,
            category: c.category.clone(),
            title: c.title.clone(),
            description: c.description.clone(),
            justification: c.justification.clone(),
            service_change: c.service_change,
            service_ids: c.service_ids.clone(),
            ci_ids: c.ci_ids.clone(),
            risk_answers: c
                .risk_answers
                .iter()
                .map(|a| (a.question.clone(), a.answer))
                .collect(),
            implementation_plan: c.implementation_plan.clone(),
            test_plan: c.test_plan.clone(),
            backout_plan: c.backout_plan.clone(),
            planned_start: at(&c.planned_start),
            planned_end: at(&c.planned_end),
            planned_outage: c.planned_outage,
        }
    }
}

/// Body of `PATCH /api/v1/changes/{id}`: the fields present replace the recorded ones (a draft
/// or a change in assessment only). The type and template do not change.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePatch {
    pub category: Option<String>,
    pub title: Option<String>,
    pub description: Option<String>,
    pub justification: Option<String>,
    pub service_change: Option<ServiceChange>,
    pub service_ids: Option<Vec<i64>>,
    pub ci_ids: Option<Vec<i64>>,
    pub risk_answers: Option<Vec<RiskAnswer>>,
    pub implementation_plan: Option<String>,
    pub test_plan: Option<String>,
    pub backout_plan: Option<String>,
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    pub planned_outage: Option<bool>,
}

impl ChangePatch {
    pub fn apply(self, current: &Change) -> Result<ChangeDraft, Invalid> {
        let d = ChangeDraft::from(current);
        let fmt = |v: Option<i64>| v.map(rfc3339_micros);
        ChangeInput {
            change_type: d.change_type,
            template_id: d.template_id,
            category: self.category.or(d.category),
            title: self.title.unwrap_or(d.title),
            description: self.description.or(d.description),
            justification: self.justification.or(d.justification),
            service_change: Some(self.service_change.unwrap_or(d.service_change)),
            service_ids: self.service_ids.unwrap_or(d.service_ids),
            ci_ids: self.ci_ids.unwrap_or(d.ci_ids),
            risk_answers: self.risk_answers.unwrap_or_else(|| {
                d.risk_answers
                    .into_iter()
                    .map(|(question, answer)| RiskAnswer { question, answer })
                    .collect()
            }),
            implementation_plan: self.implementation_plan.or(d.implementation_plan),
            test_plan: self.test_plan.or(d.test_plan),
            backout_plan: self.backout_plan.or(d.backout_plan),
            planned_start: self.planned_start.or(fmt(d.planned_start)),
            planned_end: self.planned_end.or(fmt(d.planned_end)),
            planned_outage: Some(self.planned_outage.unwrap_or(d.planned_outage)),
        }
        .parse()
    }
}

/// Body of `POST /api/v1/changes/{id}/schedule`: optionally moves the planned window.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeScheduleInput)]
pub struct ScheduleInput {
    pub planned_start: Option<String>,
    pub planned_end: Option<String>,
    /// Required when the change has conflicts in the window (422 naming it, listing them):
    /// why it goes ahead anyway (up to 2000 characters). Stored with the conflicts it
    /// overrides.
    pub override_reason: Option<String>,
}

/// The most characters of an override reason.
pub const OVERRIDE_MAX: usize = 2000;

/// Body of `POST /api/v1/changes/{id}/complete`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeCompleteInput)]
pub struct CompleteInput {
    pub outcome: ChangeOutcome,
}

/// Body of `POST /api/v1/changes/{id}/decisions`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeDecisionInput)]
pub struct DecisionInput {
    pub decision: Decision,
    /// Up to 10000 characters; required for a rejection.
    pub comment: Option<String>,
}

impl DecisionInput {
    pub fn parse(self) -> Result<(Decision, Option<String>), Invalid> {
        let mut e = Errors::new();
        let comment = opt(&mut e, "comment", self.comment.as_deref(), 10_000);
        if self.decision == Decision::Reject && comment.is_none() {
            e.push(FieldError::new("comment", "a rejection says why"));
        }
        e.finish()?;
        Ok((self.decision, comment))
    }
}

/// Body of `POST /api/v1/changes/{id}/incidents`: the incident by id or by its number.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeIncidentLinkInput)]
pub struct IncidentLinkInput {
    pub incident_id: Option<i64>,
    /// `INC-000001` (what follows the number, such as a title, is ignored).
    pub incident_number: Option<String>,
}

/// A short reference to an incident a change caused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ChangeIncidentRef)]
pub struct IncidentRef {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: String,
}

/// A short reference to the change that caused an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChangeRef {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: ChangeStatus,
}

/// `CHG-000001`.
pub fn number(seq: i64) -> String {
    format!("CHG-{seq:06}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifecycle_moves_and_refusals() {
        use ChangeStatus::*;
        assert_eq!(transition(Draft, Assessment), Ok(Assessment));
        let err = transition(Draft, Closed).unwrap_err();
        assert_eq!(err.allowed, ["assessment", "cancelled"]);
        assert!(transition(Closed, Draft).unwrap_err().allowed.is_empty());
        assert!(transition(Implementing, Cancelled).is_err());
    }

    #[test]
    fn window_end_after_start() {
        let input: ChangeInput = serde_json::from_value(serde_json::json!({
            "change_type": "normal", "title": "Patch",
            "planned_start": "2026-05-01T10:00:00Z", "planned_end": "2026-05-01T09:00:00Z"
        }))
        .unwrap();
        let err = input.parse().unwrap_err();
        assert_eq!(err.0[0].field, "planned_end");
    }

    #[test]
    fn reviews_and_major_changes() {
        assert!(needs_review(
            ChangeType::Emergency,
            Some(ChangeOutcome::Successful)
        ));
        assert!(needs_review(
            ChangeType::Normal,
            Some(ChangeOutcome::Failed)
        ));
        assert!(!needs_review(
            ChangeType::Normal,
            Some(ChangeOutcome::Successful)
        ));
        assert!(is_major(ServiceChange::New, ImpactLevel::Low));
        assert!(is_major(ServiceChange::None, ImpactLevel::Major));
        assert!(!is_major(ServiceChange::None, ImpactLevel::High));
        assert_eq!(number(7), "CHG-000007");
    }
}
