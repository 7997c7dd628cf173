//! Complaints (ISO/IEC 20000-1 8.3.2) and supplier disputes (8.3.4.1), recorded and managed
//! to closure through one state machine.
use crate::delivery::supplier::{LONG_TEXT_MAX, text_enum};
use crate::foundation::people::{DESCRIPTION_MAX, NAME_MAX};
use crate::foundation::validation::{self, Errors, FieldError, Invalid, nullable};
use serde::{Deserialize, Serialize};

text_enum!(ComplaintKind {
    /// A customer's complaint about the service (8.3.2).
    Complaint = "complaint",
    /// A dispute with an external supplier (8.3.4.1).
    SupplierDispute = "supplier_dispute",
});

impl ComplaintKind {
    /// The prefix of the record number, e.g. `CMP-000001`.
    pub fn prefix(self) -> &'static str {
        match self {
            ComplaintKind::Complaint => "CMP",
            ComplaintKind::SupplierDispute => "DSP",
        }
    }

    pub fn number(self, seq: i64) -> String {
        format!("{}-{seq:06}", self.prefix())
    }
}

text_enum!(ComplaintStatus {
    New = "new",
    Investigating = "investigating",
    Resolved = "resolved",
    Closed = "closed",
    Withdrawn = "withdrawn",
});

/// The statuses a record may move to from `from`: new → investigating → resolved → closed,
/// reopening (resolved → investigating), and withdrawal before resolution. Closed and
/// withdrawn are final.
pub fn allowed_next(from: ComplaintStatus) -> &'static [ComplaintStatus] {
    use ComplaintStatus::*;
    match from {
        New => &[Investigating, Withdrawn],
        Investigating => &[Resolved, Withdrawn],
        Resolved => &[Closed, Investigating],
        Closed | Withdrawn => &[],
    }
}

/// One step of a record's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ComplaintTimelineEntry)]
pub struct TimelineEntry {
    /// RFC 3339, UTC.
    pub at: String,
    /// Who moved it (username, or `system:…`).
    pub actor: String,
    pub actor_id: Option<i64>,
    /// Null for the entry that records the creation.
    pub from: Option<ComplaintStatus>,
    pub to: ComplaintStatus,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Complaint {
    pub id: i64,
    /// `CMP-000001` for complaints, `DSP-000001` for supplier disputes.
    pub number: String,
    pub kind: ComplaintKind,
    pub title: String,
    pub description: Option<String>,
    /// The complaining organization (complaints).
    pub organization_id: Option<i64>,
    pub service_id: Option<i64>,
    /// The supplier in dispute (disputes).
    pub supplier_id: Option<i64>,
    /// The underpinning contract in dispute (disputes).
    pub agreement_id: Option<i64>,
    /// The user who raised it.
    pub raised_by: Option<i64>,
    /// The staff user handling it.
    pub owner_id: Option<i64>,
    pub status: ComplaintStatus,
    pub resolution: Option<String>,
    /// When it was closed or withdrawn.
    pub closed_at: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Every status change, oldest first (only when one record is fetched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TimelineEntry>>,
}

/// Body of `POST /api/v1/complaints`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintInput {
    pub kind: ComplaintKind,
    pub title: String,
    pub description: Option<String>,
    /// Required for a complaint (a customer's own organization is used, and may be omitted).
    pub organization_id: Option<i64>,
    /// Complaints only.
    pub service_id: Option<i64>,
    /// Required for a supplier dispute.
    pub supplier_id: Option<i64>,
    /// Disputes only: an underpinning contract with that supplier.
    pub agreement_id: Option<i64>,
    pub owner_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComplaintDraft {
    pub kind: ComplaintKind,
    pub title: String,
    pub description: Option<String>,
    pub organization_id: Option<i64>,
    pub service_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub agreement_id: Option<i64>,
    pub owner_id: Option<i64>,
}

fn kind_fields(e: &mut Errors, d: &ComplaintDraft) {
    let refuse = |e: &mut Errors, field: &str, kind: &str| {
        e.push(FieldError::new(
            field,
            format!("must be absent for a {kind}"),
        ));
    };
    match d.kind {
        ComplaintKind::Complaint => {
            if d.organization_id.is_none() {
                e.push(FieldError::new(
                    "organization_id",
                    "is required for a complaint",
                ));
            }
            if d.supplier_id.is_some() {
                refuse(e, "supplier_id", "complaint");
            }
            if d.agreement_id.is_some() {
                refuse(e, "agreement_id", "complaint");
            }
        }
        ComplaintKind::SupplierDispute => {
            if d.supplier_id.is_none() {
                e.push(FieldError::new(
                    "supplier_id",
                    "is required for a supplier dispute",
                ));
            }
            if d.organization_id.is_some() {
                refuse(e, "organization_id", "supplier dispute");
            }
            if d.service_id.is_some() {
                refuse(e, "service_id", "supplier dispute");
            }
        }
    }
}

impl ComplaintInput {
    pub fn parse(self) -> Result<ComplaintDraft, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, NAME_MAX));
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                LONG_TEXT_MAX,
            ))
            .flatten();
        let draft = ComplaintDraft {
            kind: self.kind,
            title: title.unwrap_or_default(),
            description,
            organization_id: self.organization_id,
            service_id: self.service_id,
            supplier_id: self.supplier_id,
            agreement_id: self.agreement_id,
            owner_id: self.owner_id,
        };
        kind_fields(&mut e, &draft);
        e.finish()?;
        Ok(draft)
    }
}

/// Body of `PATCH /api/v1/complaints/{id}`. Kind and party are fixed once raised; the status
/// changes only through transitions.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComplaintPatch {
    pub title: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<String>)]
    pub description: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub service_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub agreement_id: Option<Option<i64>>,
    #[serde(default, deserialize_with = "nullable")]
    #[schema(value_type = Option<i64>)]
    pub owner_id: Option<Option<i64>>,
}

impl ComplaintPatch {
    pub fn apply(self, current: &Complaint) -> Result<ComplaintDraft, Invalid> {
        let mut e = Errors::new();
        let title = match &self.title {
            Some(t) => e.take(validation::text("title", t, 1, NAME_MAX)),
            None => Some(current.title.clone()),
        };
        let description = match self.description {
            Some(d) => e
                .take(validation::optional_text(
                    "description",
                    d.as_deref(),
                    LONG_TEXT_MAX,
                ))
                .flatten(),
            None => current.description.clone(),
        };
        let draft = ComplaintDraft {
            kind: current.kind,
            title: title.unwrap_or_default(),
            description,
            organization_id: current.organization_id,
            service_id: self.service_id.unwrap_or(current.service_id),
            supplier_id: current.supplier_id,
            agreement_id: self.agreement_id.unwrap_or(current.agreement_id),
            owner_id: self.owner_id.unwrap_or(current.owner_id),
        };
        kind_fields(&mut e, &draft);
        e.finish()?;
        Ok(draft)
    }
}

/// Body of `POST /api/v1/complaints/{id}/transition`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ComplaintTransitionInput)]
pub struct TransitionInput {
    pub to: ComplaintStatus,
    /// Required to resolve; refused otherwise.
    pub resolution: Option<String>,
    /// Kept in the timeline.
    pub note: Option<String>,
}

/// A transition that the state machine admits, with its validated texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    pub from: ComplaintStatus,
    pub to: ComplaintStatus,
    /// The record's resolution after the transition.
    pub resolution: Option<String>,
    pub note: Option<String>,
    /// Whether the record is closed (or withdrawn) by it.
    pub closes: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionRefused {
    /// The state machine does not go from `from` to `to`.
    NotAllowed {
        from: ComplaintStatus,
        to: ComplaintStatus,
        allowed: Vec<ComplaintStatus>,
    },
    Invalid(Invalid),
}

impl TransitionInput {
    /// Checks the move against the state machine, then the texts it needs.
    pub fn plan(
        self,
        from: ComplaintStatus,
        current_resolution: Option<&str>,
    ) -> Result<Transition, TransitionRefused> {
        let allowed = allowed_next(from);
        if !allowed.contains(&self.to) {
            return Err(TransitionRefused::NotAllowed {
                from,
                to: self.to,
                allowed: allowed.to_vec(),
            });
        }
        let mut e = Errors::new();
        let note = e
            .take(validation::optional_text(
                "note",
                self.note.as_deref(),
                DESCRIPTION_MAX,
            ))
            .flatten();
        let given = e
            .take(validation::optional_text(
                "resolution",
                self.resolution.as_deref(),
                LONG_TEXT_MAX,
            ))
            .flatten();
        let resolution = match (self.to, given) {
            (ComplaintStatus::Resolved, Some(r)) => Some(r),
            (ComplaintStatus::Resolved, None) => {
                e.push(FieldError::new(
                    "resolution",
                    "is required to resolve: say how it was resolved",
                ));
                None
            }
            (_, Some(_)) => {
                e.push(FieldError::new(
                    "resolution",
                    "may be given only when resolving",
                ));
                None
            }
            // Reopening clears the resolution; it stays in the timeline.
            (ComplaintStatus::Investigating, None) => None,
            (_, None) => current_resolution.map(str::to_owned),
        };
        e.finish().map_err(TransitionRefused::Invalid)?;
        let note = match (note, self.to) {
            (None, ComplaintStatus::Resolved) => resolution.clone(),
            (n, _) => n,
        };
        Ok(Transition {
            from,
            to: self.to,
            resolution,
            note,
            closes: matches!(
                self.to,
                ComplaintStatus::Closed | ComplaintStatus::Withdrawn
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ComplaintStatus::*;

    fn input(to: ComplaintStatus, resolution: Option<&str>) -> TransitionInput {
        TransitionInput {
            to,
            resolution: resolution.map(str::to_owned),
            note: None,
        }
    }

    #[test]
    fn the_state_machine_admits_exactly_these_moves() {
        let mut moves = Vec::new();
        for &from in ComplaintStatus::ALL {
            for &to in allowed_next(from) {
                moves.push((from.as_str(), to.as_str()));
            }
        }
        assert_eq!(
            moves,
            [
                ("new", "investigating"),
                ("new", "withdrawn"),
                ("investigating", "resolved"),
                ("investigating", "withdrawn"),
                ("resolved", "closed"),
                ("resolved", "investigating"),
            ]
        );
    }

    #[test]
    fn resolving_needs_a_resolution_and_reopening_clears_it() {
        assert!(matches!(
            input(Resolved, None).plan(Investigating, None),
            Err(TransitionRefused::Invalid(_))
        ));
        let t = input(Resolved, Some(" fixed "))
            .plan(Investigating, None)
            .unwrap();
        assert_eq!(t.resolution.as_deref(), Some("fixed"));
        assert_eq!(t.note.as_deref(), Some("fixed"));
        let t = input(Closed, None).plan(Resolved, Some("fixed")).unwrap();
        assert!(t.closes);
        assert_eq!(t.resolution.as_deref(), Some("fixed"));
        let t = input(Investigating, None)
            .plan(Resolved, Some("fixed"))
            .unwrap();
        assert_eq!(t.resolution, None);
        assert_eq!(
            input(Closed, None).plan(New, None),
            Err(TransitionRefused::NotAllowed {
                from: New,
                to: Closed,
                allowed: vec![Investigating, Withdrawn]
            })
        );
    }

    #[test]
    fn numbers_are_per_kind_and_zero_padded() {
        assert_eq!(ComplaintKind::Complaint.number(1), "CMP-000001");
        assert_eq!(ComplaintKind::SupplierDispute.number(42), "DSP-000042");
    }
}
