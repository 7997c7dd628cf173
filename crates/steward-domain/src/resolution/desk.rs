//! How the service desk treats what customers do: which ticket fields a customer may set on
//! its own records (by default urgency only: impact, and so priority, is the desk's call, as
//! in the desks people use), and whether a customer's reply resumes a record pending on them.
use crate::foundation::validation::{Errors, FieldError, Invalid};
use crate::resolution::ticket::TicketField;
use serde::{Deserialize, Serialize};

/// Body and answer of `GET`/`PUT /api/v1/settings/desk`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeskSettings {
    /// What a customer may set when raising a record, besides its title, description and
    /// service, and may change afterwards while it is open.
    pub customer_fields: Vec<TicketField>,
    /// A customer's reply to a record pending on the customer moves it back to in progress
    /// (its clock resumes) and tells the assignee.
    pub resume_on_customer_reply: bool,
}

impl Default for DeskSettings {
    fn default() -> Self {
        Self {
            customer_fields: vec![TicketField::Urgency],
            resume_on_customer_reply: true,
        }
    }
}

impl DeskSettings {
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        for (i, f) in self.customer_fields.iter().enumerate() {
            if self.customer_fields[..i].contains(f) {
                e.push(FieldError::new(
                    "customer_fields",
                    format!("{} is listed twice", f.as_str()),
                ));
            }
            if *f == TicketField::Ci {
                e.push(FieldError::new(
                    "customer_fields",
                    "configuration items are the desk's to set",
                ));
            }
        }
        e.finish()
    }

    /// Whether a customer may set `field`.
    pub fn customer_may(&self, field: TicketField) -> bool {
        self.customer_fields.contains(&field)
    }

    /// Refuses, naming the field, the first of `fields` a customer may not set.
    pub fn refuse_for_customer(&self, fields: &[TicketField]) -> Result<(), Invalid> {
        match fields.iter().find(|f| !self.customer_may(**f)) {
            Some(f) => Err(Invalid::one(
                f.as_str(),
                "is for the service desk to set, not for customers",
            )),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customers_set_urgency_only_by_default() {
        let d = DeskSettings::default();
        assert!(d.customer_may(TicketField::Urgency));
        assert!(!d.customer_may(TicketField::Impact));
        assert!(d.resume_on_customer_reply);
        let twice = DeskSettings {
            customer_fields: vec![TicketField::Impact, TicketField::Impact],
            ..d
        };
        assert_eq!(twice.check().unwrap_err().0[0].field, "customer_fields");
        let d = DeskSettings::default();
        assert!(d.refuse_for_customer(&[TicketField::Urgency]).is_ok());
        let refused = d
            .refuse_for_customer(&[TicketField::Urgency, TicketField::Impact])
            .unwrap_err();
        assert_eq!(refused.0[0].field, "impact");
    }
}
