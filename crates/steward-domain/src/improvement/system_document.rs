//! The management system's controlled statements: the SMS scope (ISO/IEC 20000-1 4.3) and
//! the service management policy (5.2). Both are versioned the same way: the newest version
//! is either a draft being worked on or the approved one in force; an approved version never
//! changes, so an edit after approval starts the next version as a draft.
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

text_enum!(
    /// Which statement a version belongs to.
    DocumentKind as SystemDocumentKind { Scope = "scope", Policy = "policy" }
);

text_enum!(
    DocumentStatus as SystemDocumentStatus { Draft = "draft", Approved = "approved" }
);

impl DocumentKind {
    /// The record type its audit entries carry.
    pub fn record_type(self) -> &'static str {
        match self {
            DocumentKind::Scope => "sms_scope",
            DocumentKind::Policy => "service_management_policy",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DocumentKind::Scope => "SMS scope",
            DocumentKind::Policy => "Service management policy",
        }
    }
}

/// One version of the scope or the policy.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[schema(as = SystemDocumentVersion)]
pub struct DocumentVersion {
    pub id: i64,
    pub kind: DocumentKind,
    /// 1, 2, … in the order they were started.
    pub version: i64,
    pub status: DocumentStatus,
    pub text: String,
    /// Scope only: the services the SMS covers.
    pub service_ids: Vec<i64>,
    /// Scope only: the customer organizations it covers.
    pub organization_ids: Vec<i64>,
    /// Scope only: what is left out, and why.
    pub exclusions: Option<String>,
    pub owner_id: Option<i64>,
    /// `YYYY-MM-DD`.
    pub review_due_on: Option<String>,
    pub approved_by: Option<i64>,
    pub approved_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// Body of `PUT` (the whole statement; `text` required) and `PATCH` (what changes; `null`
/// clears) of `/api/v1/system/scope` and `/api/v1/system/policy`.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = SystemDocumentInput)]
pub struct DocumentInput {
    pub text: Option<String>,
    pub service_ids: Option<Vec<i64>>,
    pub organization_ids: Option<Vec<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub exclusions: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub review_due_on: Option<Option<String>>,
}

pub const TEXT_MAX: usize = 50_000;

/// A `YYYY-MM-DD` date field, blank meaning none.
pub fn date_field(field: &str, value: Option<String>) -> Result<Option<String>, FieldError> {
    match value.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(d) => d
            .parse::<Date>()
            .map(|d| Some(d.to_string()))
            .map_err(|_| FieldError::new(field, "a date written YYYY-MM-DD")),
    }
}

impl DocumentInput {
    /// The draft this input makes on top of `base` (the newest version, or none: the first;
    /// for a `PUT`, none, so that every field is given anew). The caller sets the version,
    /// status and times.
    pub fn apply(
        self,
        kind: DocumentKind,
        base: Option<&DocumentVersion>,
    ) -> Result<DocumentVersion, Invalid> {
        let mut e = Errors::new();
        let mut next = base.cloned().unwrap_or(DocumentVersion {
            id: 0,
            kind,
            version: 0,
            status: DocumentStatus::Draft,
            text: String::new(),
            service_ids: Vec::new(),
            organization_ids: Vec::new(),
            exclusions: None,
            owner_id: None,
            review_due_on: None,
            approved_by: None,
            approved_at: None,
            created_at: String::new(),
            updated_at: String::new(),
        });
        match (self.text, base) {
            (Some(t), _) => {
                if let Some(t) = e.take(validation::text("text", &t, 1, TEXT_MAX)) {
                    next.text = t;
                }
            }
            (None, None) => e.push(FieldError::new("text", "is required")),
            (None, Some(_)) => {}
        }
        let scope_only = kind == DocumentKind::Scope;
        let refuse = |e: &mut Errors, field: &str| {
            e.push(FieldError::new(field, "only the SMS scope has this field"))
        };
        if let Some(mut ids) = self.service_ids {
            if !scope_only {
                refuse(&mut e, "service_ids");
            }
            ids.sort_unstable();
            ids.dedup();
            next.service_ids = ids;
        }
        if let Some(mut ids) = self.organization_ids {
            if !scope_only {
                refuse(&mut e, "organization_ids");
            }
            ids.sort_unstable();
            ids.dedup();
            next.organization_ids = ids;
        }
        if let Some(x) = self.exclusions {
            if !scope_only && x.is_some() {
                refuse(&mut e, "exclusions");
            }
            next.exclusions = e
                .take(validation::optional_text(
                    "exclusions",
                    x.as_deref(),
                    TEXT_MAX,
                ))
                .flatten();
        }
        if let Some(owner) = self.owner_id {
            next.owner_id = owner;
        }
        if let Some(d) = self.review_due_on {
            next.review_due_on = e.take(date_field("review_due_on", d)).flatten();
        }
        e.finish()?;
        Ok(next)
    }
}

/// Whether a version may be approved: a draft with an owner and a review date.
pub fn check_approvable(v: &DocumentVersion) -> Result<(), Invalid> {
    let mut e = Errors::new();
    if v.owner_id.is_none() {
        e.push(FieldError::new(
            "owner_id",
            "an approved statement needs an owner",
        ));
    }
    if v.review_due_on.is_none() {
        e.push(FieldError::new(
            "review_due_on",
            "say when it is next reviewed",
        ));
    }
    e.finish()
}

/// The state of the scope or the policy, for the evidence map.
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct DocStatus {
    /// An approved version is in force.
    pub approved: bool,
    /// Of the version in force (or of the draft when none was approved yet).
    pub review_due_on: Option<String>,
    /// A draft newer than the version in force exists.
    pub has_draft_changes: bool,
    /// Scope only: the services covered by the version in force (or the draft); else 0.
    pub service_count: i64,
}

impl DocStatus {
    /// From the versions newest first; none when there is no version at all.
    pub fn of(versions: &[DocumentVersion]) -> Option<DocStatus> {
        let newest = versions.first()?;
        let in_force = versions
            .iter()
            .find(|v| v.status == DocumentStatus::Approved);
        let shown = in_force.unwrap_or(newest);
        Some(DocStatus {
            approved: in_force.is_some(),
            review_due_on: shown.review_due_on.clone(),
            has_draft_changes: newest.status == DocumentStatus::Draft,
            service_count: if shown.kind == DocumentKind::Scope {
                shown.service_ids.len() as i64
            } else {
                0
            },
        })
    }
}

/// What the management-system records show an auditor at a glance (the evidence map).
#[derive(Debug, Clone, Default, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SystemFigures {
    pub scope: Option<DocStatus>,
    pub policy: Option<DocStatus>,
    pub objectives_total: i64,
    /// Open with a target date before today.
    pub objectives_open_overdue: i64,
    pub objectives_without_owner_or_measure: i64,
    pub risks_total: i64,
    /// Open with a review date before today.
    pub risks_review_overdue: i64,
    /// High level, open, and no treatment chosen.
    pub risks_high_untreated: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_has_no_services_and_a_draft_needs_owner_and_review_to_be_approved() {
        let err = DocumentInput {
            text: Some("We run services well.".into()),
            service_ids: Some(vec![1]),
            ..Default::default()
        }
        .apply(DocumentKind::Policy, None)
        .unwrap_err();
        assert_eq!(err.0[0].field, "service_ids");
        let v = DocumentInput {
            text: Some("All hosted services".into()),
            service_ids: Some(vec![3, 1, 3]),
            review_due_on: Some(Some("2027-01-31".into())),
            ..Default::default()
        }
        .apply(DocumentKind::Scope, None)
        .unwrap();
        assert_eq!(v.service_ids, [1, 3]);
        assert_eq!(check_approvable(&v).unwrap_err().0[0].field, "owner_id");
        let status = DocStatus::of(&[v]).unwrap();
        assert!(!status.approved && status.has_draft_changes);
        assert_eq!(status.service_count, 2);
    }
}
