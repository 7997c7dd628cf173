//! A ticket's clocks as read: the governing SLA's with the events that moved them, and each
//! OLA's and underpinning contract's. It composes both engines, so it sits above them.
use crate::service_level::agreement_clock::AgreementClock;
use crate::service_level::clock::ClockEntry;
use crate::service_level::sla::SlaStatus;
use serde::Serialize;

/// A ticket's clocks with every event that moved them (`GET …/{id}/sla`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ClockTimeline {
    pub sla: Option<SlaStatus>,
    /// The SLA's clock events.
    pub events: Vec<ClockEntry>,
    /// OLA and underpinning-contract clocks, one pair per stint, each with its own events.
    pub agreements: Vec<AgreementClock>,
}
