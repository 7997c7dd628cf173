//! Service requests raised from catalogue items (ISO/IEC 20000-1 8.6.2): the typed answers
//! are checked against the item's form, and approvals are recorded decision by decision.
use crate::delivery::catalogue::{CatalogueItem, check_answers};
use crate::foundation::validation::{self, Errors, Invalid};
use crate::resolution::ticket::{Channel, Level, TicketDraft};
use crate::resolution::workflow::Decision;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Body of `POST /api/v1/requests`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    pub catalogue_item_id: i64,
    /// Answers to the item's form, by field key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: Map<String, Value>,
    /// Default: the item's name.
    pub title: Option<String>,
    pub description: Option<String>,
    /// Default `low`.
    pub impact: Option<Level>,
    /// Default `medium`.
    pub urgency: Option<Level>,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub channel: Option<Channel>,
}

/// A checked request: the ticket fields and the normalised answers.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestDraft {
    pub ticket: TicketDraft,
    pub answers: Map<String, Value>,
}

impl RequestInput {
    /// Checks the request against the item it asks for; the item's service becomes the
    /// request's service.
    pub fn parse(self, item: &CatalogueItem, service_id: i64) -> Result<RequestDraft, Invalid> {
        let mut e = Errors::new();
        let title = self.title.as_deref().unwrap_or(&item.name);
        let title = e.take(validation::text(
            "title",
            title,
            1,
            crate::resolution::ticket::TITLE_MAX,
        ));
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                crate::resolution::ticket::DESCRIPTION_MAX,
            ))
            .flatten();
        let answers = match check_answers(&item.form, &self.answers) {
            Ok(a) => Some(a),
            Err(Invalid(errors)) => {
                for error in errors {
                    e.push(error);
                }
                None
            }
        };
        e.finish()?;
        Ok(RequestDraft {
            ticket: TicketDraft {
                title: title.unwrap_or_default(),
                description,
                impact: self.impact.unwrap_or(Level::Low),
                urgency: self.urgency.unwrap_or(Level::Medium),
                service_id: Some(service_id),
                organization_id: self.organization_id,
                requester_id: self.requester_id,
                ci_id: None,
                category: None,
                channel: self.channel.unwrap_or(Channel::Api),
            },
            answers: answers.unwrap_or_default(),
        })
    }
}

/// Body of `POST /api/v1/requests/{id}/approvals`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    pub decision: Decision,
    /// Why; required to reject.
    pub comment: Option<String>,
}

pub const DECISION_COMMENT_MAX: usize = 4000;

impl DecisionInput {
    /// The decision and its checked comment.
    pub fn parse(self) -> Result<(Decision, Option<String>), Invalid> {
        let mut e = Errors::new();
        let comment = e
            .take(validation::optional_text(
                "comment",
                self.comment.as_deref(),
                DECISION_COMMENT_MAX,
            ))
            .flatten();
        if self.decision == Decision::Reject && comment.is_none() {
            e.push(crate::FieldError::new(
                "comment",
                "say why the request is rejected",
            ));
        }
        e.finish()?;
        Ok((self.decision, comment))
    }
}

/// One approver's decision on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Approval {
    pub approver_id: Option<i64>,
    pub approver: String,
    pub decision: Decision,
    pub comment: Option<String>,
    pub at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn item() -> CatalogueItem {
        CatalogueItem {
            id: 1,
            entry_id: 1,
            name: "New laptop".into(),
            description: None,
            form: serde_json::from_value(json!([
                {"key": "model", "label": "Model", "type": "choice", "required": true, "options": ["13", "15"]}
            ]))
            .unwrap(),
            fulfilment_instructions: None,
            approval: None,
            fulfilment_team_id: None,
            active: true,
            version: 1,
            created_at: String::new(),
            updated_at: String::new(),
        }
    }

    fn input(answers: Value) -> RequestInput {
        serde_json::from_value(json!({"catalogue_item_id": 1, "answers": answers})).unwrap()
    }

    #[test]
    fn answers_are_checked_against_the_form_and_the_title_defaults_to_the_item() {
        let d = input(json!({"model": "13"})).parse(&item(), 9).unwrap();
        assert_eq!(d.ticket.title, "New laptop");
        assert_eq!(d.ticket.service_id, Some(9));
        assert_eq!(d.answers["model"], "13");
        let Invalid(errors) = input(json!({"model": "17", "colour": "red"}))
            .parse(&item(), 9)
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["answers.colour", "answers.model"]);
    }

    #[test]
    fn a_rejection_needs_a_reason() {
        let reject: DecisionInput = serde_json::from_value(json!({"decision": "reject"})).unwrap();
        assert!(reject.parse().is_err());
        let approve: DecisionInput =
            serde_json::from_value(json!({"decision": "approve"})).unwrap();
        assert_eq!(approve.parse().unwrap(), (Decision::Approve, None));
    }
}
