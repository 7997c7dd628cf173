//! Releases and deployments (ISO/IEC 20000-1 8.5.3): a release groups changes, is accepted
//! against its acceptance criteria and deployed to each environment, production last and only
//! with a manager's approval. Lifecycle planning → build → testing → accepted → deployed →
//! closed (or cancelled before it is deployed).
use super::change::ChangeStatus;
use crate::foundation::page::{micros, parse_instant};
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use serde::{Deserialize, Serialize};

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 20_000;
pub const CRITERION_MAX: usize = 1000;
pub const ENVIRONMENT_MAX: usize = 100;

text_enum!(ReleaseType {
    Major = "major",
    Minor = "minor",
    Emergency = "emergency",
});

text_enum!(ReleaseStatus {
    Planning = "planning",
    Build = "build",
    Testing = "testing",
    /// Every acceptance criterion is met: ready to deploy to production.
    Accepted = "accepted",
    /// Deployed to production successfully.
    Deployed = "deployed",
    Closed = "closed",
    Cancelled = "cancelled",
});

text_enum!(DeploymentResult {
    Successful = "successful",
    Failed = "failed",
    RolledBack = "rolled_back",
});

impl ReleaseStatus {
    /// The statuses a release may move to from this one. Testing may send it back to build,
    /// and an accepted release back to testing (a criterion found unmet after all).
    pub fn allowed_next(self) -> &'static [ReleaseStatus] {
        use ReleaseStatus::*;
        match self {
            Planning => &[Build, Cancelled],
            Build => &[Testing, Cancelled],
            Testing => &[Accepted, Build, Cancelled],
            Accepted => &[Deployed, Testing, Cancelled],
            Deployed => &[Closed],
            Closed | Cancelled => &[],
        }
    }

    /// Changes are added and removed, and criteria written, until the release is deployed.
    pub fn open(self) -> bool {
        matches!(
            self,
            ReleaseStatus::Planning
                | ReleaseStatus::Build
                | ReleaseStatus::Testing
                | ReleaseStatus::Accepted
        )
    }
}

/// A move the lifecycle does not allow (409 naming the allowed ones).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a release that is {} cannot become {}", from.as_str(), to.as_str())]
pub struct NotAllowed {
    pub from: ReleaseStatus,
    pub to: ReleaseStatus,
    pub allowed: Vec<&'static str>,
}

pub fn transition(from: ReleaseStatus, to: ReleaseStatus) -> Result<ReleaseStatus, NotAllowed> {
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

/// Why a release may not be accepted: it needs criteria, and every one met.
pub fn acceptance_gap(criteria: &[Criterion]) -> Option<String> {
    if criteria.is_empty() {
        return Some("a release is accepted against acceptance criteria, and it has none".into());
    }
    let open: Vec<String> = criteria
        .iter()
        .filter(|c| !c.met)
        .map(|c| format!("{:?}", c.text))
        .collect();
    (!open.is_empty()).then(|| format!("acceptance criteria not met: {}", open.join(", ")))
}

/// A change ships in a release once change management has authorized it: a draft or a change
/// still under assessment has not been approved, and a cancelled one will not be made.
fn change_ready(status: &str) -> bool {
    use ChangeStatus::*;
    matches!(
        ChangeStatus::parse(status),
        Some(Authorized | Scheduled | Implementing | Review | Closed)
    )
}

/// Why the release's changes do not allow it to be accepted or deployed: it needs at least
/// one change, and every change authorized (8.5.3 deploys only approved changes).
pub fn changes_gap(changes: &[ChangeRef]) -> Option<String> {
    if changes.is_empty() {
        return Some("a release ships changes, and it groups none".into());
    }
    let waiting: Vec<String> = changes
        .iter()
        .filter(|c| !change_ready(&c.status))
        .map(|c| format!("{} is {}", c.number, c.status))
        .collect();
    (!waiting.is_empty()).then(|| {
        format!(
            "every change must be authorized before the release is accepted or deployed: {}",
            waiting.join(", ")
        )
    })
}

/// Why a release may not make this (allowed) move yet, naming the field to mend: accepting
/// needs every change authorized and every acceptance criterion met; `deployed` needs a
/// successful production deployment.
pub fn transition_gap(release: &Release, to: ReleaseStatus) -> Option<(&'static str, String)> {
    match to {
        ReleaseStatus::Accepted => changes_gap(&release.changes)
            .map(|why| ("changes", why))
            .or_else(|| {
                acceptance_gap(&release.acceptance_criteria).map(|why| ("acceptance_criteria", why))
            }),
        ReleaseStatus::Deployed => (!release
            .deployments
            .iter()
            .any(|d| d.production && d.result == Some(DeploymentResult::Successful)))
        .then(|| {
            (
                "deployments",
                "a release is deployed once its production deployment succeeded".into(),
            )
        }),
        _ => None,
    }
}

/// Why a deployment's result may not be recorded (or approved) yet: a production deployment
/// needs the release accepted (every criterion met), every change still authorized — one may
/// have been added or cancelled since — and a manager's approval first.
pub fn deployment_gap(
    production: bool,
    release: ReleaseStatus,
    changes: &[ChangeRef],
    approved: bool,
) -> Option<(&'static str, String)> {
    if !production {
        return None;
    }
    if !matches!(release, ReleaseStatus::Accepted | ReleaseStatus::Deployed) {
        return Some((
            "status",
            format!(
                "a release is deployed to production once accepted; this one is {}",
                release.as_str()
            ),
        ));
    }
    if release == ReleaseStatus::Accepted
        && let Some(why) = changes_gap(changes)
    {
        return Some(("changes", why));
    }
    if !approved {
        return Some((
            "approval",
            "a production deployment needs a manager's approval before its result is recorded"
                .into(),
        ));
    }
    None
}

/// A change the release groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ReleaseChange)]
pub struct ChangeRef {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: String,
}

/// An acceptance criterion, met or not, with who decided and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ReleaseCriterion)]
pub struct Criterion {
    pub id: i64,
    pub text: String,
    pub met: bool,
    pub decided_by: Option<i64>,
    pub decided_at: Option<String>,
}

/// A place a release is deployed to (test, staging, production, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Environment {
    pub id: i64,
    pub name: String,
    /// Deploying here needs the release accepted and a manager's approval.
    pub production: bool,
    /// Order in lists: test before staging before production.
    pub position: i64,
}

/// Body of `POST /api/v1/release-environments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentInput {
    /// 1–100 characters, unique.
    pub name: String,
    #[serde(default)]
    pub production: bool,
    /// Default: after the others.
    pub position: Option<i64>,
}

impl EnvironmentInput {
    pub fn parse(self) -> Result<(String, bool, Option<i64>), Invalid> {
        let mut e = Errors::new();
        let name = e
            .take(validation::text("name", &self.name, 1, ENVIRONMENT_MAX))
            .unwrap_or_default();
        e.finish()?;
        Ok((name, self.production, self.position))
    }
}

/// One deployment of the release to one environment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Deployment {
    pub id: i64,
    pub environment_id: i64,
    pub environment: String,
    pub production: bool,
    pub planned_at: Option<String>,
    pub actual_at: Option<String>,
    pub result: Option<DeploymentResult>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<String>,
    pub notes: Option<String>,
    pub updated_at: String,
}

/// A release as the API reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Release {
    pub id: i64,
    /// `REL-000001`, gap-free.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub release_type: ReleaseType,
    /// `YYYY-MM-DD`.
    pub planned_date: Option<String>,
    pub status: ReleaseStatus,
    /// The statuses the release may move to now.
    pub allowed_next: Vec<ReleaseStatus>,
    pub changes: Vec<ChangeRef>,
    pub acceptance_criteria: Vec<Criterion>,
    /// One per environment, in the environments' order.
    pub deployments: Vec<Deployment>,
    pub created_by: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub closed_at: Option<String>,
}

/// Body of `POST /api/v1/releases`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// 1–200 characters.
    pub title: String,
    pub description: Option<String>,
    pub release_type: ReleaseType,
    /// `YYYY-MM-DD`.
    pub planned_date: Option<String>,
    /// Changes to group at once (ids).
    #[serde(default)]
    pub change_ids: Vec<i64>,
    /// Acceptance criteria, one text each.
    #[serde(default)]
    pub acceptance_criteria: Vec<String>,
}

/// A release's own fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseDraft {
    pub title: String,
    pub description: Option<String>,
    pub release_type: ReleaseType,
    pub planned_date: Option<String>,
}

fn date(e: &mut Errors, v: Option<&str>) -> Option<String> {
    match v.map(str::trim) {
        None | Some("") => None,
        Some(d) => match d.parse::<jiff::civil::Date>() {
            Ok(d) => Some(d.to_string()),
            Err(_) => {
                e.push(FieldError::new(
                    "planned_date",
                    "must be a date, YYYY-MM-DD",
                ));
                None
            }
        },
    }
}

pub fn criterion_text(field: &str, text: &str) -> Result<String, FieldError> {
    validation::text(field, text, 1, CRITERION_MAX)
}

impl ReleaseInput {
    pub fn parse(self) -> Result<(ReleaseDraft, Vec<i64>, Vec<String>), Invalid> {
        let mut e = Errors::new();
        let title = e
            .take(validation::text("title", &self.title, 1, TITLE_MAX))
            .unwrap_or_default();
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                TEXT_MAX,
            ))
            .flatten();
        let planned_date = date(&mut e, self.planned_date.as_deref());
        let criteria: Vec<String> = self
            .acceptance_criteria
            .iter()
            .enumerate()
            .filter_map(|(i, c)| e.take(criterion_text(&format!("acceptance_criteria[{i}]"), c)))
            .collect();
        let mut changes = self.change_ids;
        changes.sort_unstable();
        changes.dedup();
        e.finish()?;
        Ok((
            ReleaseDraft {
                title,
                description,
                release_type: self.release_type,
                planned_date,
            },
            changes,
            criteria,
        ))
    }
}

/// Body of `PATCH /api/v1/releases/{id}`: the fields present replace the recorded ones;
/// `null` clears the description or the planned date.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleasePatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    pub release_type: Option<ReleaseType>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub planned_date: Option<Option<String>>,
}

impl ReleasePatch {
    pub fn apply(self, r: &Release) -> Result<ReleaseDraft, Invalid> {
        let (draft, _, _) = ReleaseInput {
            title: self.title.unwrap_or_else(|| r.title.clone()),
            description: self.description.unwrap_or_else(|| r.description.clone()),
            release_type: self.release_type.unwrap_or(r.release_type),
            planned_date: self.planned_date.unwrap_or_else(|| r.planned_date.clone()),
            change_ids: Vec::new(),
            acceptance_criteria: Vec::new(),
        }
        .parse()?;
        Ok(draft)
    }
}

/// Body of `POST /api/v1/releases/{id}/transition`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ReleaseTransitionInput)]
pub struct TransitionInput {
    pub to: ReleaseStatus,
}

/// Body of `POST /api/v1/releases/{id}/changes`: the change by id or by its number.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseChangeInput {
    pub change_id: Option<i64>,
    /// `CHG-000001`.
    pub change_number: Option<String>,
}

/// Body of `POST /api/v1/releases/{id}/criteria`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionInput {
    /// 1–1000 characters.
    pub text: String,
}

/// Body of `PATCH /api/v1/releases/{id}/criteria/{criterion}`: met or not (recorded with
/// who and when), and optionally a new text.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CriterionPatch {
    pub met: Option<bool>,
    pub text: Option<String>,
}

/// Body of `POST /api/v1/releases/{id}/deployments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentInput {
    pub environment_id: i64,
    /// RFC 3339.
    pub planned_at: Option<String>,
    pub notes: Option<String>,
}

/// Body of `PATCH /api/v1/releases/{id}/deployments/{deployment}`: the fields present replace
/// the recorded ones. A result needs the actual time (given, or now).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeploymentPatch {
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub planned_at: Option<Option<String>>,
    pub actual_at: Option<String>,
    pub result: Option<DeploymentResult>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub notes: Option<Option<String>>,
}

/// A deployment's checked fields, instants in microseconds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeploymentFields {
    pub planned_at: Option<i64>,
    pub actual_at: Option<i64>,
    pub result: Option<DeploymentResult>,
    pub notes: Option<String>,
}

fn instant(e: &mut Errors, field: &str, v: Option<&str>) -> Option<i64> {
    match v.map(str::trim) {
        None | Some("") => None,
        Some(v) => e.take(parse_instant(field, v)).map(micros),
    }
}

fn notes(e: &mut Errors, v: Option<&str>) -> Option<String> {
    e.take(validation::optional_text("notes", v, TEXT_MAX))
        .flatten()
}

impl DeploymentInput {
    pub fn parse(self) -> Result<(i64, DeploymentFields), Invalid> {
        let mut e = Errors::new();
        let planned_at = instant(&mut e, "planned_at", self.planned_at.as_deref());
        let notes = notes(&mut e, self.notes.as_deref());
        e.finish()?;
        Ok((
            self.environment_id,
            DeploymentFields {
                planned_at,
                notes,
                ..Default::default()
            },
        ))
    }
}

impl DeploymentPatch {
    /// The recorded fields with this patch applied; a result without an actual time takes
    /// `now`.
    pub fn apply(self, current: &DeploymentFields, now: i64) -> Result<DeploymentFields, Invalid> {
        let mut e = Errors::new();
        let planned_at = match self.planned_at {
            Some(v) => instant(&mut e, "planned_at", v.as_deref()),
            None => current.planned_at,
        };
        let mut actual_at = match self.actual_at {
            Some(v) => instant(&mut e, "actual_at", Some(&v)),
            None => current.actual_at,
        };
        let result = self.result.or(current.result);
        if result.is_some() && actual_at.is_none() {
            actual_at = Some(now);
        }
        let notes = match self.notes {
            Some(v) => notes(&mut e, v.as_deref()),
            None => current.notes.clone(),
        };
        e.finish()?;
        Ok(DeploymentFields {
            planned_at,
            actual_at,
            result,
            notes,
        })
    }
}

/// `REL-000001`.
pub fn number(seq: i64) -> String {
    format!("REL-{seq:06}")
}

/// The sequence number of `REL-000001` / `CHG-000001`-style numbers with this prefix.
pub fn parse_number(prefix: &str, text: &str) -> Option<i64> {
    let t = text.trim();
    let rest = t
        .get(..prefix.len())
        .filter(|p| p.eq_ignore_ascii_case(prefix))
        .map(|_| &t[prefix.len()..])?;
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn criterion(met: bool) -> Criterion {
        Criterion {
            id: 1,
            text: "Load test passes".into(),
            met,
            decided_by: None,
            decided_at: None,
        }
    }

    fn change(status: &str) -> ChangeRef {
        ChangeRef {
            id: 1,
            number: "CHG-000001".into(),
            title: "Upgrade".into(),
            status: status.into(),
        }
    }

    #[test]
    fn lifecycle_moves_and_refusals() {
        use ReleaseStatus::*;
        assert_eq!(transition(Planning, Build), Ok(Build));
        assert_eq!(transition(Testing, Build), Ok(Build));
        let err = transition(Planning, Deployed).unwrap_err();
        assert_eq!(err.allowed, ["build", "cancelled"]);
        assert!(transition(Deployed, Cancelled).is_err());
        assert!(transition(Closed, Planning).unwrap_err().allowed.is_empty());
    }

    #[test]
    fn acceptance_needs_every_criterion_met() {
        assert!(acceptance_gap(&[]).is_some());
        assert!(acceptance_gap(&[criterion(true), criterion(false)]).is_some());
        assert_eq!(acceptance_gap(&[criterion(true)]), None);
    }

    #[test]
    fn production_needs_acceptance_and_approval() {
        use ReleaseStatus::*;
        let ready = [change("authorized")];
        assert_eq!(deployment_gap(false, Build, &[], false), None);
        assert_eq!(
            deployment_gap(true, Testing, &ready, true).unwrap().0,
            "status"
        );
        assert_eq!(
            deployment_gap(true, Accepted, &ready, false).unwrap().0,
            "approval"
        );
        assert_eq!(deployment_gap(true, Accepted, &ready, true), None);
        // A draft change added after acceptance stops the production deployment.
        let late = [change("authorized"), change("draft")];
        assert_eq!(
            deployment_gap(true, Accepted, &late, true).unwrap().0,
            "changes"
        );
    }

    #[test]
    fn changes_must_be_authorized_to_ship() {
        assert!(changes_gap(&[]).is_some());
        for waiting in ["draft", "assessment", "cancelled"] {
            let gap = changes_gap(&[change("closed"), change(waiting)]).unwrap();
            assert!(gap.contains(waiting), "{gap}");
        }
        for ready in [
            "authorized",
            "scheduled",
            "implementing",
            "review",
            "closed",
        ] {
            assert_eq!(changes_gap(&[change(ready)]), None, "{ready}");
        }
    }

    #[test]
    fn numbers() {
        assert_eq!(number(12), "REL-000012");
        assert_eq!(parse_number("INC-", "INC-000042"), Some(42));
        assert_eq!(parse_number("INC-", " inc-7 — Mail down"), Some(7));
        assert_eq!(parse_number("INC-", "CHG-000001"), None);
        assert_eq!(parse_number("CHG-", "CHG-"), None);
    }

    #[test]
    fn a_result_takes_now_when_no_time_is_given() {
        let patch = DeploymentPatch {
            result: Some(DeploymentResult::Successful),
            ..Default::default()
        };
        let d = patch.apply(&DeploymentFields::default(), 99).unwrap();
        assert_eq!(d.actual_at, Some(99));
    }
}
