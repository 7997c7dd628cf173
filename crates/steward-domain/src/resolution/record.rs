//! A ticket as the API reads it: its own fields and, on `GET` of one, what service level and
//! the other resolution records add (SLA and agreement clocks, supplier, approvals, review).
//! It sits above the ticket's rules and the SLA's, so that neither needs the other.
use crate::resolution::ticket::{Channel, Level, Priority, TicketEvent, TicketKind};
use crate::resolution::workflow::{Lifecycle, PendingReason, Status};
use serde::Serialize;

/// A ticket as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: i64,
    pub kind: TicketKind,
    /// `INC-000001`, `REQ-…`, `PRB-…`: unique and gap-free per kind.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub status: Status,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub category: Option<String>,
    pub channel: Channel,
    pub requester_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub service_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
    pub pending_reason: Option<PendingReason>,
    pub resolution_code: Option<String>,
    pub resolution_notes: Option<String>,
    pub reassignment_count: i64,
    pub reopen_count: i64,
    /// RFC 3339, UTC.
    pub opened_at: String,
    pub updated_at: String,
    pub resolved_at: Option<String>,
    pub closed_at: Option<String>,
    /// Incidents: flagged major by the criteria or by hand.
    pub major: bool,
    /// Incidents: who manages the major incident.
    pub major_owner_id: Option<i64>,
    /// Incidents: the major incident this one is a child of.
    pub parent_id: Option<i64>,
    /// Incidents: the problem that explains this one.
    pub problem_id: Option<i64>,
    /// Problems: root-cause analysis and workaround.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub root_cause: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workaround: Option<String>,
    /// Problems: `KE-000001` once marked a known error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub known_error_number: Option<String>,
    /// Requests: the catalogue item asked for and the checked answers to its form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub catalogue_item_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub answers: Option<serde_json::Value>,
    /// Major incidents: the post-incident review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub post_incident_review: Option<crate::resolution::major::Review>,
    /// Every creation, transition and reassignment, oldest first (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TicketEvent>>,
    /// Linked records (on `GET` of one ticket): a major incident's children, a problem's
    /// incidents.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<Vec<TicketRef>>,
    /// The governing SLA and its clocks (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sla: Option<crate::service_level::sla::SlaStatus>,
    /// OLA and underpinning-contract clocks, one pair per stint (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreements: Option<Vec<crate::service_level::agreement_clock::AgreementClock>>,
    /// The supplier the ticket is handed to, if any (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub supplier: Option<crate::service_level::agreement_clock::SupplierEngagement>,
    /// Requests: approval decisions (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub approvals: Option<Vec<crate::resolution::request::Approval>>,
    /// Incidents, staff only: the change recorded as having caused it (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub caused_by_change: Option<crate::delivery::change::ChangeRef>,
}

/// A short reference to another ticket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TicketRef {
    pub id: i64,
    pub number: String,
    pub title: String,
    pub status: Status,
}

impl Ticket {
    /// The lifecycle part of a ticket, for the state machine.
    pub fn lifecycle(&self) -> Lifecycle {
        Lifecycle {
            kind: self.kind,
            status: self.status,
            pending_reason: self.pending_reason,
            resolution_code: self.resolution_code.clone(),
            resolution_notes: self.resolution_notes.clone(),
            assignee_id: self.assignee_id,
            team_id: self.team_id,
            reopen_count: self.reopen_count,
            root_cause: self.root_cause.clone(),
            workaround: self.workaround.clone(),
            major: self.major,
            review_recorded: self.post_incident_review.is_some(),
        }
    }
}
