//! What the evidence checks look at: counts and the offending records, read from the live
//! records by the store and the use cases. The checks themselves never read anything.
use crate::improvement::document::DocumentFigures;
use crate::improvement::system_document::SystemFigures;
use serde::Serialize;

/// A record named in a check's result, with where a person opens it (if it has a screen).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RecordRef {
    pub label: String,
    pub href: Option<String>,
}

impl RecordRef {
    pub fn new(label: impl Into<String>, href: impl Into<String>) -> Self {
        RecordRef {
            label: label.into(),
            href: Some(href.into()),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Figures {
    /// `YYYY-MM-DD`, UTC: the day the figures describe.
    pub today: String,
    /// `YYYY-MM`: the last complete month, which the availability checks measure.
    pub last_month: String,
    pub services: ServiceFigures,
    pub people: PeopleFigures,
    pub slas: SlaFigures,
    pub suppliers: SupplierFigures,
    pub relationships: RelationshipFigures,
    pub resolution: ResolutionFigures,
    pub changes: ChangeFigures,
    pub continuity: ContinuityFigures,
    pub reporting: ReportingFigures,
    pub audits: AuditFigures,
    pub reviews: ReviewFigures,
    pub corrective: CorrectiveFigures,
    pub improvements: ImprovementFigures,
    /// Documented information, the service management plan and competence.
    pub documents: DocumentFigures,
    /// The SMS scope, the policy, objectives, risks and opportunities.
    pub system: SystemFigures,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ServiceFigures {
    pub live: i64,
    pub without_owner: Vec<RecordRef>,
    pub in_catalogue: i64,
    /// Live services with no documented requirement.
    pub without_requirements: Vec<RecordRef>,
    pub configuration_items: i64,
    /// Configuration items in use with no owner.
    pub items_without_owner: Vec<RecordRef>,
    /// Live services no active SLA covers.
    pub without_sla: Vec<RecordRef>,
    pub without_availability_target: Vec<RecordRef>,
    /// Live services that missed their target in the last complete month with no
    /// investigation of that month.
    pub missed_uninvestigated: Vec<RecordRef>,
    /// Live services with no approved continuity plan.
    pub without_continuity_plan: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct PeopleFigures {
    pub teams: i64,
    /// Distinct people who are a member of at least one team.
    pub team_members: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SlaFigures {
    /// Active customer SLAs (not OLAs or contracts).
    pub active: i64,
    pub without_workload_limit: Vec<RecordRef>,
    pub review_overdue: Vec<RecordRef>,
    /// Breached in each of the last two complete months with no improvement opportunity
    /// linked to the SLA.
    pub repeatedly_breached_unimproved: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct SupplierFigures {
    pub active: i64,
    /// Active suppliers with no active underpinning contract.
    pub without_contract: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RelationshipFigures {
    /// Satisfaction surveys answered in the last 365 days.
    pub surveys_answered: i64,
    pub complaints: i64,
    /// Complaints and disputes still open 30 days after they were raised.
    pub complaints_open_long: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ResolutionFigures {
    pub incidents: i64,
    pub requests: i64,
    pub problems: i64,
    pub known_errors: i64,
    /// Major incidents resolved or closed with no post-incident review.
    pub majors_unreviewed: Vec<RecordRef>,
    /// Problems resolved or closed with no root cause recorded.
    pub problems_without_cause: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ContinuityFigures {
    pub approved_plans: i64,
    /// Approved plans never tested, or last tested longer ago than their interval.
    pub untested: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReportingFigures {
    pub definitions: i64,
    /// Report snapshots generated in the last 40 days.
    pub recent_snapshots: i64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct AuditFigures {
    /// The audit programme whose period holds today.
    pub current_programme: Option<RecordRef>,
    /// Audits planned in the current programme.
    pub planned_in_programme: i64,
    /// Audits of any programme completed in the last 365 days.
    pub completed_last_year: i64,
    /// Planned audits whose date has passed without being completed.
    pub overdue: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ReviewFigures {
    pub reviews: i64,
    /// `YYYY-MM-DD` of the last review whose pack was frozen (the review was held).
    pub last_held_on: Option<String>,
    /// Whole days from that review to today.
    pub days_since_last: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CorrectiveFigures {
    pub nonconformities: i64,
    pub closed_without_check: Vec<RecordRef>,
    /// Open corrective actions past their due date.
    pub actions_overdue: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ImprovementFigures {
    pub total: i64,
    /// Approved or in-progress opportunities past their due date.
    pub overdue: Vec<RecordRef>,
    /// Implemented opportunities with no measured result.
    pub unmeasured: Vec<RecordRef>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeFigures {
    pub changes: i64,
    /// Changes closed in the last 12 months, and those of them that failed or were backed out.
    pub closed_last_year: i64,
    pub unsuccessful_last_year: i64,
    /// Scheduled or implementing changes whose planned end has passed.
    pub overrunning: Vec<RecordRef>,
    /// Changes meeting the major-change criteria (a new or removed service, major impact)
    /// that hold a service design and transition record.
    pub major_designed: i64,
    /// Major changes authorized or further on without one (the policy changed meanwhile).
    pub major_undesigned: Vec<RecordRef>,
    pub releases: i64,
    /// Releases deployed to production in the last 12 months.
    pub deployed_last_year: i64,
    /// Releases not yet deployed whose planned date has passed.
    pub releases_late: Vec<RecordRef>,
}
