//! Major incidents (ISO/IEC 20000-1 8.6.1): admin-configured criteria flag them, an owner runs
//! them, child incidents hang off them, management notifications are logged, and a
//! post-incident review is required before they close.
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use crate::resolution::ticket::Priority;
use serde::{Deserialize, Serialize};

pub const RULES_MAX: usize = 20;
pub const REVIEW_TEXT_MAX: usize = 20_000;
pub const ACTIONS_MAX: usize = 50;
pub const MESSAGE_MAX: usize = 10_000;

/// One criterion: an incident at this priority or higher, and (if given) on a service of this
/// criticality or higher (1 is the most critical), is major.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MajorRule {
    #[schema(value_type = String)]
    pub priority: Priority,
    pub service_criticality: Option<i64>,
}

/// The criteria: an incident matching any rule is major.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MajorCriteria {
    pub rules: Vec<MajorRule>,
}

impl Default for MajorCriteria {
    /// P1 on a criticality-1 service.
    fn default() -> Self {
        Self {
            rules: vec![MajorRule {
                priority: Priority::new(1).unwrap_or(Priority::MIDDLE),
                service_criticality: Some(1),
            }],
        }
    }
}

impl MajorCriteria {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        if self.rules.len() > RULES_MAX {
            e.push(FieldError::new(
                "rules",
                format!("at most {RULES_MAX} rules"),
            ));
        }
        for (i, r) in self.rules.iter().enumerate() {
            if r.service_criticality.is_some_and(|c| !(1..=4).contains(&c)) {
                e.push(FieldError::new(
                    format!("rules[{i}].service_criticality"),
                    "must be 1 (most critical), 2, 3 or 4",
                ));
            }
        }
        e.finish()
    }

    /// The first rule an incident meets, explained, or `None`.
    pub fn matching(&self, priority: Priority, service_criticality: Option<i64>) -> Option<String> {
        self.rules.iter().find_map(|r| {
            let priority_ok = priority <= r.priority;
            let service_ok = match r.service_criticality {
                None => true,
                Some(wanted) => service_criticality.is_some_and(|c| c <= wanted),
            };
            (priority_ok && service_ok).then(|| match r.service_criticality {
                None => format!("priority {} or higher", String::from(r.priority)),
                Some(c) => format!(
                    "priority {} or higher on a service of criticality {c} or higher",
                    String::from(r.priority)
                ),
            })
        })
    }
}

/// Body of `POST /api/v1/incidents/{id}/major`: declare (or re-own) a major incident.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeclareInput {
    /// The major-incident manager (staff).
    pub owner_id: i64,
    pub reason: Option<String>,
}

/// The post-incident review of a major incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = MajorIncidentReview)]
pub struct Review {
    pub what_happened: String,
    pub cause: String,
    /// Follow-up actions, each a line.
    pub actions: Vec<String>,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// Body of `PUT /api/v1/incidents/{id}/review`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = MajorIncidentReviewInput)]
pub struct ReviewInput {
    pub what_happened: String,
    pub cause: String,
    pub actions: Vec<String>,
}

impl ReviewInput {
    pub fn parse(self, recorded_by: &str, recorded_at: String) -> Result<Review, Invalid> {
        let mut e = Errors::new();
        let what = e.take(validation::text(
            "what_happened",
            &self.what_happened,
            1,
            REVIEW_TEXT_MAX,
        ));
        let cause = e.take(validation::text("cause", &self.cause, 1, REVIEW_TEXT_MAX));
        if self.actions.is_empty() || self.actions.len() > ACTIONS_MAX {
            e.push(FieldError::new(
                "actions",
                format!("list between 1 and {ACTIONS_MAX} follow-up actions"),
            ));
        }
        let actions: Vec<String> = self
            .actions
            .iter()
            .enumerate()
            .filter_map(|(i, a)| e.take(validation::text(&format!("actions[{i}]"), a, 1, 1000)))
            .collect();
        e.finish()?;
        Ok(Review {
            what_happened: what.unwrap_or_default(),
            cause: cause.unwrap_or_default(),
            actions,
            recorded_by: recorded_by.to_owned(),
            recorded_at,
        })
    }
}

/// Body of `POST /api/v1/incidents/{id}/notifications`: a management notification sent
/// about a major incident, for the record.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationInput {
    /// Who was told, e.g. "service owner", "executive board", "all customers".
    pub audience: String,
    /// How: email, phone, status page, meeting…
    pub channel: String,
    pub message: String,
}

/// A logged management notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub id: i64,
    pub at: String,
    pub author: String,
    pub audience: String,
    pub channel: String,
    pub message: String,
}

impl NotificationInput {
    /// Audience, channel and message, checked.
    pub fn parse(self) -> Result<(String, String, String), Invalid> {
        let mut e = Errors::new();
        let audience = e.take(validation::text("audience", &self.audience, 1, 200));
        let channel = e.take(validation::text("channel", &self.channel, 1, 100));
        let message = e.take(validation::text("message", &self.message, 1, MESSAGE_MAX));
        e.finish()?;
        Ok((
            audience.unwrap_or_default(),
            channel.unwrap_or_default(),
            message.unwrap_or_default(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(n: u8) -> Priority {
        Priority::new(n).unwrap()
    }

    #[test]
    fn the_default_criteria_take_p1_on_the_most_critical_services() {
        let c = MajorCriteria::default();
        assert!(c.matching(p(1), Some(1)).is_some());
        assert!(c.matching(p(1), Some(2)).is_none());
        assert!(c.matching(p(2), Some(1)).is_none());
        assert!(c.matching(p(1), None).is_none());
        let any_p2 = MajorCriteria {
            rules: vec![MajorRule {
                priority: p(2),
                service_criticality: None,
            }],
        };
        assert!(any_p2.matching(p(1), None).is_some());
        assert!(any_p2.matching(p(3), Some(1)).is_none());
    }

    #[test]
    fn a_review_needs_what_happened_cause_and_actions() {
        let empty = ReviewInput {
            what_happened: " ".into(),
            cause: String::new(),
            actions: vec![],
        };
        let Invalid(errors) = empty.parse("a", "t".into()).unwrap_err();
        assert_eq!(errors.len(), 3);
    }
}
