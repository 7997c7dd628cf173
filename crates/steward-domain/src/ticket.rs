//! The rules every ticket shares (incidents, service requests, problems — ISO/IEC 20000-1
//! 8.6): priority from impact × urgency through an admin-editable matrix, numbers per kind,
//! and the incident lifecycle as a state machine that refuses every transition it does not
//! list.
use crate::text_enum::text_enum;
use crate::validation::{self, Errors, FieldError, Invalid};
use serde::{Deserialize, Serialize};

text_enum!(
    /// Impact or urgency.
    Level { High = "high", Medium = "medium", Low = "low" }
);

text_enum!(
    /// Which kind of ticket, and so which number series.
    TicketKind { Incident = "incident", Request = "request", Problem = "problem" }
);

impl TicketKind {
    pub fn prefix(self) -> &'static str {
        match self {
            TicketKind::Incident => "INC",
            TicketKind::Request => "REQ",
            TicketKind::Problem => "PRB",
        }
    }

    /// `INC-000001` and so on; wider numbers keep all their digits.
    pub fn number(self, seq: i64) -> String {
        format!("{}-{seq:06}", self.prefix())
    }
}

/// P1 (most urgent) to P5.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(try_from = "String", into = "String")]
pub struct Priority(u8);

impl Priority {
    /// P3, the middle of the scale.
    pub const MIDDLE: Priority = Priority(3);

    pub fn new(n: u8) -> Option<Self> {
        (1..=5).contains(&n).then_some(Self(n))
    }

    pub fn level(self) -> u8 {
        self.0
    }
}

impl TryFrom<String> for Priority {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.strip_prefix('P')
            .and_then(|n| n.parse::<u8>().ok())
            .and_then(Priority::new)
            .ok_or_else(|| format!("{s:?} is not a priority P1–P5"))
    }
}

impl From<Priority> for String {
    fn from(p: Priority) -> Self {
        format!("P{}", p.0)
    }
}

/// Priority by impact (rows) and urgency (columns), each in the order high, medium, low.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PriorityMatrix {
    #[schema(value_type = Vec<Vec<String>>)]
    pub cells: [[Priority; 3]; 3],
}

impl Default for PriorityMatrix {
    /// HH→P1, HM→P2, MH→P2, HL→P3, MM→P3, LH→P3, ML→P4, LM→P4, LL→P5.
    fn default() -> Self {
        let p = |n| Priority(n);
        Self {
            cells: [[p(1), p(2), p(3)], [p(2), p(3), p(4)], [p(3), p(4), p(5)]],
        }
    }
}

fn index(level: Level) -> usize {
    match level {
        Level::High => 0,
        Level::Medium => 1,
        Level::Low => 2,
    }
}

impl PriorityMatrix {
    pub fn priority(&self, impact: Level, urgency: Level) -> Priority {
        self.cells[index(impact)][index(urgency)]
    }

    /// A matrix must not rank a more severe combination below a less severe one: raising
    /// impact or urgency never lowers the priority.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut e = Errors::new();
        for i in 0..3 {
            for u in 0..3 {
                let here = self.cells[i][u];
                if i > 0 && self.cells[i - 1][u] > here {
                    e.push(FieldError::new(
                        format!("cells[{}][{u}]", i - 1),
                        "higher impact must not give a lower priority",
                    ));
                }
                if u > 0 && self.cells[i][u - 1] > here {
                    e.push(FieldError::new(
                        format!("cells[{i}][{}]", u - 1),
                        "higher urgency must not give a lower priority",
                    ));
                }
            }
        }
        e.finish()
    }
}

text_enum!(
    IncidentStatus {
        New = "new",
        Assigned = "assigned",
        InProgress = "in_progress",
        Pending = "pending",
        Resolved = "resolved",
        Closed = "closed",
        Cancelled = "cancelled",
    }
);

text_enum!(
    /// Why an incident waits; SLAs may pause their clocks for some reasons.
    PendingReason { Customer = "customer", Supplier = "supplier", Change = "change" }
);

impl IncidentStatus {
    /// Where an incident in this status may go next. Closed and cancelled are final;
    /// resolved may reopen to in progress.
    pub fn allowed_next(self) -> &'static [IncidentStatus] {
        use IncidentStatus::*;
        match self {
            New => &[Assigned, InProgress, Cancelled],
            Assigned => &[InProgress, Pending, Resolved, Cancelled],
            InProgress => &[Pending, Resolved, Cancelled],
            Pending => &[InProgress, Resolved, Cancelled],
            Resolved => &[Closed, InProgress],
            Closed | Cancelled => &[],
        }
    }

    pub fn is_open(self) -> bool {
        !matches!(
            self,
            IncidentStatus::Resolved | IncidentStatus::Closed | IncidentStatus::Cancelled
        )
    }
}

/// What an incident's lifecycle depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    pub status: IncidentStatus,
    pub pending_reason: Option<PendingReason>,
    pub resolution_code: Option<String>,
    pub resolution_notes: Option<String>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub reopen_count: i64,
}

impl Lifecycle {
    pub fn new() -> Self {
        Self {
            status: IncidentStatus::New,
            pending_reason: None,
            resolution_code: None,
            resolution_notes: None,
            assignee_id: None,
            team_id: None,
            reopen_count: 0,
        }
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

/// Body of `POST /api/v1/incidents/{id}/transition`: the target status and what it needs.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionInput {
    pub to: String,
    /// Required for `pending`.
    pub reason: Option<PendingReason>,
    /// Required for `resolved`.
    pub resolution_code: Option<String>,
    /// Required for `resolved`.
    pub resolution_notes: Option<String>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The target is not a status at all.
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The target is a status, but not one reachable from the current one (a 409).
    #[error("an incident that is {from} cannot become {to}")]
    NotAllowed {
        from: &'static str,
        to: &'static str,
        allowed: Vec<&'static str>,
    },
}

pub const RESOLUTION_CODE_MAX: usize = 100;
pub const RESOLUTION_NOTES_MAX: usize = 10_000;

/// Applies a transition, or says why not. The result always satisfies [`Lifecycle::is_valid`].
pub fn transition(
    current: &Lifecycle,
    input: &TransitionInput,
) -> Result<Lifecycle, TransitionError> {
    use IncidentStatus::*;
    let to = IncidentStatus::parse(&input.to).ok_or_else(|| {
        Invalid::one(
            "to",
            format!(
                "{:?} is not a status; expected one of {}",
                input.to,
                IncidentStatus::choices()
            ),
        )
    })?;
    if !current.status.allowed_next().contains(&to) {
        return Err(TransitionError::NotAllowed {
            from: current.status.as_str(),
            to: to.as_str(),
            allowed: current
                .status
                .allowed_next()
                .iter()
                .map(|s| s.as_str())
                .collect(),
        });
    }
    let mut e = Errors::new();
    let mut next = Lifecycle {
        status: to,
        ..current.clone()
    };
    match to {
        Pending => match input.reason {
            Some(reason) => next.pending_reason = Some(reason),
            None => e.push(FieldError::new(
                "reason",
                "pending needs a reason: customer, supplier or change",
            )),
        },
        Resolved => {
            let code = match input.resolution_code.as_deref() {
                Some(c) => e.take(validation::text(
                    "resolution_code",
                    c,
                    1,
                    RESOLUTION_CODE_MAX,
                )),
                None => {
                    e.push(FieldError::new("resolution_code", "is required to resolve"));
                    None
                }
            };
            let notes = match input.resolution_notes.as_deref() {
                Some(n) => e.take(validation::text(
                    "resolution_notes",
                    n,
                    1,
                    RESOLUTION_NOTES_MAX,
                )),
                None => {
                    e.push(FieldError::new(
                        "resolution_notes",
                        "is required to resolve",
                    ));
                    None
                }
            };
            next.resolution_code = code;
            next.resolution_notes = notes;
        }
        Assigned if current.assignee_id.is_none() && current.team_id.is_none() => {
            e.push(FieldError::new("to", "assign a team or an agent first"));
        }
        InProgress if current.status == Resolved => next.reopen_count += 1,
        _ => {}
    }
    if to != Pending {
        next.pending_reason = None;
    }
    if to != Resolved && to != Closed {
        next.resolution_code = None;
        next.resolution_notes = None;
    }
    if to != Pending && input.reason.is_some() {
        e.push(FieldError::new(
            "reason",
            "only a move to pending takes a reason",
        ));
    }
    if !matches!(to, Resolved)
        && (input.resolution_code.is_some() || input.resolution_notes.is_some())
    {
        e.push(FieldError::new(
            "resolution_code",
            "only a move to resolved takes a resolution",
        ));
    }
    e.finish()?;
    Ok(next)
}

impl Lifecycle {
    /// The invariants every stored incident satisfies.
    pub fn is_valid(&self) -> bool {
        let pending_ok = (self.status == IncidentStatus::Pending) == self.pending_reason.is_some();
        let resolved = matches!(
            self.status,
            IncidentStatus::Resolved | IncidentStatus::Closed
        );
        let resolution_ok =
            resolved == (self.resolution_code.is_some() && self.resolution_notes.is_some());
        pending_ok && resolution_ok && self.reopen_count >= 0
    }
}

text_enum!(
    /// How a ticket reached the service desk.
    Channel { Portal = "portal", Email = "email", Phone = "phone", Api = "api", Monitoring = "monitoring" }
);

/// A ticket as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Ticket {
    pub id: i64,
    pub kind: TicketKind,
    /// `INC-000001`, `REQ-…`, `PRB-…`: unique and gap-free per kind.
    pub number: String,
    pub title: String,
    pub description: Option<String>,
    pub status: String,
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
    /// Every creation, transition and reassignment, oldest first (on `GET` of one ticket).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeline: Option<Vec<TicketEvent>>,
}

impl Ticket {
    /// The lifecycle part of an incident, for the state machine.
    pub fn lifecycle(&self) -> Option<Lifecycle> {
        Some(Lifecycle {
            status: IncidentStatus::parse(&self.status)?,
            pending_reason: self.pending_reason,
            resolution_code: self.resolution_code.clone(),
            resolution_notes: self.resolution_notes.clone(),
            assignee_id: self.assignee_id,
            team_id: self.team_id,
            reopen_count: self.reopen_count,
        })
    }
}

/// One entry of a ticket's timeline.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct TicketEvent {
    pub at: String,
    pub actor_id: Option<i64>,
    pub actor: String,
    /// `created`, `transition` or `assignment`.
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub detail: Option<serde_json::Value>,
}

pub const TITLE_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 20_000;

/// Body of `POST /api/v1/incidents`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncidentInput {
    pub title: String,
    pub description: Option<String>,
    pub impact: Level,
    pub urgency: Level,
    pub service_id: Option<i64>,
    /// The customer organization; a customer's own is always used for customers.
    pub organization_id: Option<i64>,
    /// Who reported it; a customer is always the requester of its own incidents.
    pub requester_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub category: Option<String>,
    /// Default `api` (customers: `portal`).
    pub channel: Option<Channel>,
}

/// A new incident, validated, before references are checked.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentDraft {
    pub title: String,
    pub description: Option<String>,
    pub impact: Level,
    pub urgency: Level,
    pub service_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub requester_id: Option<i64>,
    pub ci_id: Option<i64>,
    pub category: Option<String>,
    pub channel: Channel,
}

impl IncidentInput {
    pub fn parse(self) -> Result<IncidentDraft, Invalid> {
        let mut e = Errors::new();
        let title = e.take(validation::text("title", &self.title, 1, TITLE_MAX));
        let description = e
            .take(validation::optional_text(
                "description",
                self.description.as_deref(),
                DESCRIPTION_MAX,
            ))
            .flatten();
        let category = e
            .take(validation::optional_text(
                "category",
                self.category.as_deref(),
                crate::people::NAME_MAX,
            ))
            .flatten();
        e.finish()?;
        Ok(IncidentDraft {
            title: title.unwrap_or_default(),
            description,
            impact: self.impact,
            urgency: self.urgency,
            service_id: self.service_id,
            organization_id: self.organization_id,
            requester_id: self.requester_id,
            ci_id: self.ci_id,
            category,
            channel: self.channel.unwrap_or(Channel::Api),
        })
    }
}

/// Body of `POST /api/v1/incidents/{id}/assign`: the team and agent after the change.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignInput {
    pub team_id: Option<i64>,
    pub assignee_id: Option<i64>,
}

/// One entry of the work log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Comment {
    pub id: i64,
    pub at: String,
    pub author_id: Option<i64>,
    pub author: String,
    /// Public replies are shown to the customer; internal notes are not.
    pub public: bool,
    pub body: String,
    pub time_spent_minutes: i64,
}

pub const COMMENT_MAX: usize = 20_000;
/// A day's work, as a sanity bound on one entry.
pub const TIME_SPENT_MAX: i64 = 24 * 60;

/// Body of `POST /api/v1/incidents/{id}/comments`.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub body: String,
    /// A public reply (default) or an internal note. Customers always reply publicly.
    pub public: Option<bool>,
    /// Minutes of work this entry records (staff), 0–1440.
    pub time_spent_minutes: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentDraft {
    pub body: String,
    pub public: bool,
    pub time_spent_minutes: i64,
}

impl CommentInput {
    pub fn parse(self) -> Result<CommentDraft, Invalid> {
        let mut e = Errors::new();
        let body = e.take(validation::text("body", &self.body, 1, COMMENT_MAX));
        let minutes = self.time_spent_minutes.unwrap_or(0);
        if !(0..=TIME_SPENT_MAX).contains(&minutes) {
            e.push(FieldError::new(
                "time_spent_minutes",
                format!("must be between 0 and {TIME_SPENT_MAX}"),
            ));
        }
        e.finish()?;
        Ok(CommentDraft {
            body: body.unwrap_or_default(),
            public: self.public.unwrap_or(true),
            time_spent_minutes: minutes,
        })
    }
}

/// Incidents that share a service, a CI or a category within a window: a problem candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ProblemCandidate {
    /// `service`, `ci` or `category`.
    pub dimension: String,
    /// The shared service id, CI id or category.
    pub value: String,
    pub incidents: i64,
    pub last_opened_at: String,
}

text_enum!(
    /// What a ticket list is ordered by.
    SortKey { OpenedAt = "opened_at", Priority = "priority", UpdatedAt = "updated_at", Number = "number" }
);

/// A list order: a key, ascending or (written with a leading `-`) descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketSort {
    pub key: SortKey,
    pub descending: bool,
}

impl Default for TicketSort {
    /// Newest first.
    fn default() -> Self {
        Self {
            key: SortKey::OpenedAt,
            descending: true,
        }
    }
}

impl TicketSort {
    pub fn parse(value: &str) -> Result<Self, FieldError> {
        let (descending, name) = match value.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, value),
        };
        SortKey::parse(name)
            .map(|key| Self { key, descending })
            .ok_or_else(|| {
                FieldError::new(
                    "sort",
                    format!(
                        "{value:?} is not one of {} (each may start with -)",
                        SortKey::choices()
                    ),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_default_matrix_is_the_documented_one() {
        let m = PriorityMatrix::default();
        let p = |i, u| m.priority(i, u).level();
        use Level::*;
        assert_eq!([p(High, High), p(High, Medium), p(Medium, High)], [1, 2, 2]);
        assert_eq!([p(High, Low), p(Medium, Medium), p(Low, High)], [3, 3, 3]);
        assert_eq!([p(Medium, Low), p(Low, Medium), p(Low, Low)], [4, 4, 5]);
        assert!(m.check().is_ok());
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["cells"][0][0], "P1");
    }

    #[test]
    fn an_inverted_matrix_is_refused() {
        let mut m = PriorityMatrix::default();
        m.cells[0][0] = Priority::new(5).unwrap();
        assert!(m.check().is_err());
        assert!(
            serde_json::from_str::<PriorityMatrix>(
                r#"{"cells":[["P0","P1","P1"],["P1","P1","P1"],["P1","P1","P1"]]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn numbers_are_padded_per_kind() {
        assert_eq!(TicketKind::Incident.number(1), "INC-000001");
        assert_eq!(TicketKind::Problem.number(1_234_567), "PRB-1234567");
    }

    fn input(to: &str) -> TransitionInput {
        TransitionInput {
            to: to.into(),
            ..Default::default()
        }
    }

    #[test]
    fn refused_transitions_list_the_allowed_ones() {
        let l = Lifecycle::new();
        match transition(&l, &input("closed")) {
            Err(TransitionError::NotAllowed { allowed, .. }) => {
                assert_eq!(allowed, ["assigned", "in_progress", "cancelled"])
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            transition(&l, &input("sleeping")),
            Err(TransitionError::Invalid(_))
        ));
    }

    #[test]
    fn pending_needs_a_reason_and_resolving_a_resolution_and_reopening_counts() {
        let l = transition(&Lifecycle::new(), &input("in_progress")).unwrap();
        assert!(transition(&l, &input("pending")).is_err());
        let p = transition(
            &l,
            &TransitionInput {
                reason: Some(PendingReason::Supplier),
                ..input("pending")
            },
        )
        .unwrap();
        assert_eq!(p.pending_reason, Some(PendingReason::Supplier));
        let err = transition(&p, &input("resolved")).unwrap_err();
        assert!(matches!(err, TransitionError::Invalid(Invalid(ref e)) if e.len() == 2));
        let r = transition(
            &p,
            &TransitionInput {
                resolution_code: Some("fixed".into()),
                resolution_notes: Some("replaced disk".into()),
                ..input("resolved")
            },
        )
        .unwrap();
        assert_eq!(r.pending_reason, None);
        let reopened = transition(&r, &input("in_progress")).unwrap();
        assert_eq!(reopened.reopen_count, 1);
        assert_eq!(reopened.resolution_code, None);
    }

    fn any_input() -> impl Strategy<Value = TransitionInput> {
        let statuses: Vec<String> = IncidentStatus::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .chain(["bogus".into()])
            .collect();
        (
            proptest::sample::select(statuses),
            proptest::option::of(proptest::sample::select(PendingReason::ALL.to_vec())),
            proptest::option::of("[a-z ]{0,8}"),
            proptest::option::of("[a-z ]{0,8}"),
        )
            .prop_map(|(to, reason, code, notes)| TransitionInput {
                to,
                reason,
                resolution_code: code,
                resolution_notes: notes,
            })
    }

    proptest! {
        /// Whatever is asked, in whatever order, an incident never reaches an invalid state,
        /// final states stay final, and the reopen count only grows.
        #[test]
        fn random_action_sequences_never_reach_an_invalid_state(
            actions in proptest::collection::vec((any_input(), any::<bool>()), 0..40)
        ) {
            let mut l = Lifecycle::new();
            for (action, assign) in actions {
                if assign {
                    l.team_id = Some(1);
                }
                let before = l.clone();
                match transition(&l, &action) {
                    Ok(next) => {
                        prop_assert!(before.status.allowed_next().contains(&next.status));
                        prop_assert!(next.reopen_count >= before.reopen_count);
                        l = next;
                    }
                    Err(_) => prop_assert_eq!(&l, &before),
                }
                prop_assert!(l.is_valid(), "invalid state {:?}", l);
            }
        }
    }
}
