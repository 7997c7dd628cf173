//! The change policy as configuration (ISO/IEC 20000-1 8.5.1.1): the risk questionnaire and its
//! thresholds, which change types and risk levels need which approval, when a change counts as
//! major (and so needs a service design and transition record, 8.5.2), and how a board's
//! decisions add up under an approval rule.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

pub const QUESTIONS_MAX: usize = 50;
pub const ANSWERS_MAX: usize = 10;
pub const QUESTION_TEXT_MAX: usize = 500;
pub const KEY_MAX: usize = 50;

text_enum!(RiskLevel as ChangeRiskLevel {
    Low = "low",
    Medium = "medium",
    High = "high",
    VeryHigh = "very_high",
});

text_enum!(ApprovalRule as ChangeApprovalRule {
    /// Every member of the board approves.
    All = "all",
    /// One member approves.
    Any = "any",
    /// `quorum` members approve.
    Quorum = "quorum",
});

text_enum!(ImpactLevel as ChangeImpact {
    /// No service is affected.
    Low = "low",
    /// One service is affected.
    Medium = "medium",
    /// Several services, fewer than the policy's major threshold.
    High = "high",
    /// At least the policy's `major_impact_services` services.
    Major = "major",
});

/// One weighted answer of a risk question.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskAnswerOption {
    pub label: String,
    /// 0–100, added to the change's risk score when chosen.
    pub weight: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskQuestion {
    /// A stable key the changes' answers name (`[a-z0-9_]`, 1–50).
    pub key: String,
    pub text: String,
    /// 2–10 answers; a change answers with the index of one.
    pub answers: Vec<RiskAnswerOption>,
}

/// The lowest score of each level above `low`; ascending.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskThresholds {
    pub medium: i64,
    pub high: i64,
    pub very_high: i64,
}

/// Body and answer of `/api/v1/change-risk-questionnaire`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskQuestionnaire {
    pub questions: Vec<RiskQuestion>,
    pub thresholds: RiskThresholds,
}

impl Default for RiskQuestionnaire {
    fn default() -> Self {
        let q = |key: &str, text: &str, answers: &[(&str, i64)]| RiskQuestion {
            key: key.into(),
            text: text.into(),
            answers: answers
                .iter()
                .map(|(l, w)| RiskAnswerOption {
                    label: (*l).into(),
                    weight: *w,
                })
                .collect(),
        };
        RiskQuestionnaire {
            questions: vec![
                q(
                    "tested",
                    "Has the change been tested in a production-like environment?",
                    &[("yes", 0), ("partly", 10), ("no", 20)],
                ),
                q(
                    "backout",
                    "Can the change be backed out quickly?",
                    &[("yes", 0), ("with effort", 10), ("no", 25)],
                ),
                q(
                    "users",
                    "How many users notice the change while it is made?",
                    &[("none", 0), ("some", 10), ("most", 20)],
                ),
            ],
            thresholds: RiskThresholds {
                medium: 10,
                high: 25,
                very_high: 45,
            },
        }
    }
}

impl RiskQuestionnaire {
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        if self.questions.len() > QUESTIONS_MAX {
            e.push(FieldError::new(
                "questions",
                format!("at most {QUESTIONS_MAX} questions"),
            ));
        }
        let mut keys = std::collections::HashSet::new();
        for (i, q) in self.questions.iter().enumerate() {
            let key_ok = !q.key.is_empty()
                && q.key.len() <= KEY_MAX
                && q.key
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
            if !key_ok {
                e.push(FieldError::new(
                    format!("questions[{i}].key"),
                    "must be 1–50 of a–z, 0–9 and _",
                ));
            } else if !keys.insert(q.key.as_str()) {
                e.push(FieldError::new(
                    format!("questions[{i}].key"),
                    format!("{:?} is used by another question", q.key),
                ));
            }
            e.take(validation::text(
                &format!("questions[{i}].text"),
                &q.text,
                1,
                QUESTION_TEXT_MAX,
            ));
            if !(2..=ANSWERS_MAX).contains(&q.answers.len()) {
                e.push(FieldError::new(
                    format!("questions[{i}].answers"),
                    format!("must hold 2 to {ANSWERS_MAX} answers"),
                ));
            }
            for (j, a) in q.answers.iter().enumerate() {
                e.take(validation::text(
                    &format!("questions[{i}].answers[{j}].label"),
                    &a.label,
                    1,
                    200,
                ));
                if !(0..=100).contains(&a.weight) {
                    e.push(FieldError::new(
                        format!("questions[{i}].answers[{j}].weight"),
                        "must be between 0 and 100",
                    ));
                }
            }
        }
        let t = self.thresholds;
        if !(0 < t.medium && t.medium < t.high && t.high < t.very_high) {
            e.push(FieldError::new(
                "thresholds",
                "must rise: 0 < medium < high < very_high",
            ));
        }
        e.finish()
    }

    /// The level of a score under these thresholds.
    pub fn level(&self, score: i64) -> RiskLevel {
        let t = self.thresholds;
        if score >= t.very_high {
            RiskLevel::VeryHigh
        } else if score >= t.high {
            RiskLevel::High
        } else if score >= t.medium {
            RiskLevel::Medium
        } else {
            RiskLevel::Low
        }
    }

    /// Checks answers (question key → answer index) against the questions; `field` names the
    /// input list in errors.
    pub fn check_answers(&self, answers: &[(String, i64)]) -> Result<(), FieldError> {
        for (key, index) in answers {
            let Some(q) = self.questions.iter().find(|q| &q.key == key) else {
                return Err(FieldError::new(
                    "risk_answers",
                    format!("no risk question with key {key:?}"),
                ));
            };
            if *index < 0 || *index as usize >= q.answers.len() {
                return Err(FieldError::new(
                    "risk_answers",
                    format!(
                        "question {key:?} has answers 0 to {}",
                        q.answers.len().saturating_sub(1)
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The sum of the chosen answers' weights (unknown keys or indexes count nothing).
    pub fn score(&self, answers: &[(String, i64)]) -> i64 {
        answers
            .iter()
            .filter_map(|(key, index)| {
                let q = self.questions.iter().find(|q| &q.key == key)?;
                q.answers
                    .get(usize::try_from(*index).ok()?)
                    .map(|a| a.weight)
            })
            .sum()
    }

    /// Keys of questions the answers leave open.
    pub fn unanswered(&self, answers: &[(String, i64)]) -> Vec<String> {
        self.questions
            .iter()
            .filter(|q| !answers.iter().any(|(k, _)| k == &q.key))
            .map(|q| q.key.clone())
            .collect()
    }
}

/// One approval requirement: a rule over a board's members.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeEmergencyApproval)]
pub struct Approval {
    pub rule: ApprovalRule,
    /// Approvals needed under `quorum` (1–100); absent for `all` and `any`.
    pub quorum: Option<i64>,
}

/// Which board approves normal changes of one risk level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ChangeNormalApproval)]
pub struct NormalApproval {
    pub risk_level: RiskLevel,
    pub board_id: i64,
    pub rule: ApprovalRule,
    pub quorum: Option<i64>,
}

/// Body and answer of `/api/v1/change-policy`. Standard changes are pre-approved; a normal
/// change needs the board of its risk level's entry (none listed: no approval); an emergency
/// change needs the board flagged `emergency` under `emergency`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePolicy {
    pub normal: Vec<NormalApproval>,
    pub emergency: Approval,
    /// A change affecting at least this many services (directly or through the CI impact
    /// analysis) has major impact (1–1000).
    pub major_impact_services: i64,
}

impl Default for ChangePolicy {
    fn default() -> Self {
        ChangePolicy {
            normal: Vec::new(),
            emergency: Approval {
                rule: ApprovalRule::Any,
                quorum: None,
            },
            major_impact_services: 3,
        }
    }
}

fn check_quorum(field: &str, rule: ApprovalRule, quorum: Option<i64>) -> Result<(), FieldError> {
    match (rule, quorum) {
        (ApprovalRule::Quorum, Some(q)) if (1..=100).contains(&q) => Ok(()),
        (ApprovalRule::Quorum, _) => Err(FieldError::new(
            field,
            "a quorum rule needs a quorum from 1 to 100",
        )),
        (_, Some(_)) => Err(FieldError::new(field, "only a quorum rule takes a quorum")),
        (_, None) => Ok(()),
    }
}

impl ChangePolicy {
    /// Checks its own shape; the app checks that the boards exist.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        let mut levels = std::collections::HashSet::new();
        for (i, n) in self.normal.iter().enumerate() {
            if !levels.insert(n.risk_level) {
                e.push(FieldError::new(
                    format!("normal[{i}].risk_level"),
                    format!("{} is listed twice", n.risk_level.as_str()),
                ));
            }
            e.take(check_quorum(
                &format!("normal[{i}].quorum"),
                n.rule,
                n.quorum,
            ));
        }
        e.take(check_quorum(
            "emergency.quorum",
            self.emergency.rule,
            self.emergency.quorum,
        ));
        if !(1..=1000).contains(&self.major_impact_services) {
            e.push(FieldError::new(
                "major_impact_services",
                "must be between 1 and 1000",
            ));
        }
        e.finish()
    }

    /// The impact level of a change that affects `services` services.
    pub fn impact(&self, services: usize) -> ImpactLevel {
        let n = services as i64;
        if n >= self.major_impact_services {
            ImpactLevel::Major
        } else if n >= 2 {
            ImpactLevel::High
        } else if n == 1 {
            ImpactLevel::Medium
        } else {
            ImpactLevel::Low
        }
    }
}

text_enum!(
    /// Where a change's approvals stand.
    ApprovalState as ChangeApprovalState {
    /// Not assessed yet.
    Pending = "pending",
    /// The policy needs no approval for this change.
    NotRequired = "not_required",
    /// Waiting for the board's decisions.
    Requested = "requested",
    Approved = "approved",
    Rejected = "rejected",
});

/// How the decisions so far add up: one rejection rejects; reaching the rule approves.
pub fn tally(
    rule: ApprovalRule,
    quorum: Option<i64>,
    members: usize,
    approvals: usize,
    rejections: usize,
) -> ApprovalState {
    if rejections > 0 {
        return ApprovalState::Rejected;
    }
    let needed = match rule {
        ApprovalRule::All => members.max(1),
        ApprovalRule::Any => 1,
        ApprovalRule::Quorum => quorum.unwrap_or(1).max(1) as usize,
    };
    if approvals >= needed {
        ApprovalState::Approved
    } else {
        ApprovalState::Requested
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_follow_the_thresholds() {
        let q = RiskQuestionnaire::default();
        assert_eq!(q.level(0), RiskLevel::Low);
        assert_eq!(q.level(10), RiskLevel::Medium);
        assert_eq!(q.level(25), RiskLevel::High);
        assert_eq!(q.level(65), RiskLevel::VeryHigh);
        let answers = vec![("tested".to_owned(), 2), ("backout".to_owned(), 2)];
        assert_eq!(q.score(&answers), 45);
        assert_eq!(q.unanswered(&answers), ["users"]);
        assert!(q.check_answers(&[("tested".into(), 3)]).is_err());
        assert!(q.check_answers(&[("nope".into(), 0)]).is_err());
    }

    #[test]
    fn tally_by_rule() {
        use ApprovalRule::*;
        assert_eq!(tally(All, None, 3, 2, 0), ApprovalState::Requested);
        assert_eq!(tally(All, None, 3, 3, 0), ApprovalState::Approved);
        assert_eq!(tally(Any, None, 3, 1, 0), ApprovalState::Approved);
        assert_eq!(tally(Quorum, Some(2), 5, 1, 0), ApprovalState::Requested);
        assert_eq!(tally(Quorum, Some(2), 5, 2, 0), ApprovalState::Approved);
        assert_eq!(tally(Any, None, 3, 2, 1), ApprovalState::Rejected);
    }

    #[test]
    fn policy_checks_quorums_and_levels() {
        let mut p = ChangePolicy::default();
        assert!(p.validate().is_ok());
        p.normal.push(NormalApproval {
            risk_level: RiskLevel::High,
            board_id: 1,
            rule: ApprovalRule::Quorum,
            quorum: None,
        });
        assert!(p.validate().is_err());
        assert_eq!(p.impact(3), ImpactLevel::Major);
        assert_eq!(p.impact(0), ImpactLevel::Low);
    }
}
