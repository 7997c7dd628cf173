//! The lifecycles of incidents, service requests and problems (ISO/IEC 20000-1 8.6): one set
//! of statuses, a table per kind of which moves are allowed, and what each target status needs.
//! Every refusal leaves the record as it was; every accepted move yields a valid state.
use crate::delivery::catalogue::ApprovalRule;
use crate::foundation::role::Role;
use crate::foundation::text_enum::text_enum;
use crate::foundation::validation::{self, Errors, FieldError, Invalid};
use crate::resolution::ticket::TicketKind;
use serde::{Deserialize, Serialize};

text_enum!(
    Status {
        New = "new",
        /// A service request whose catalogue item needs approval before fulfilment.
        AwaitingApproval = "awaiting_approval",
        Assigned = "assigned",
        InProgress = "in_progress",
        Pending = "pending",
        /// A problem under root-cause analysis.
        Investigating = "investigating",
        /// A problem with a known root cause and workaround, published in the known-error database.
        KnownError = "known_error",
        Resolved = "resolved",
        Closed = "closed",
        Cancelled = "cancelled",
        /// A service request an approver turned down.
        Rejected = "rejected",
    }
);

text_enum!(
    /// Why a record waits; SLAs may pause their clocks for some reasons.
    PendingReason { Customer = "customer", Supplier = "supplier", Change = "change" }
);

impl Status {
    /// Where a record of `kind` in this status may go through a transition. Final statuses
    /// allow nothing; approval decisions are not transitions (see [`decide`]).
    pub fn allowed_next(self, kind: TicketKind) -> &'static [Status] {
        use Status::*;
        match (kind, self) {
            (TicketKind::Problem, New) => &[Investigating, Cancelled],
            (TicketKind::Problem, Investigating) => &[KnownError, Resolved, Cancelled],
            (TicketKind::Problem, KnownError) => &[Resolved],
            (TicketKind::Problem, Resolved) => &[Closed, Investigating],
            (TicketKind::Problem, _) => &[],
            (TicketKind::Request, AwaitingApproval) => &[Cancelled],
            (_, New) => &[Assigned, InProgress, Cancelled],
            (_, Assigned) => &[InProgress, Pending, Resolved, Cancelled],
            (_, InProgress) => &[Pending, Resolved, Cancelled],
            (_, Pending) => &[InProgress, Resolved, Cancelled],
            (_, Resolved) => &[Closed, InProgress],
            _ => &[],
        }
    }

    /// The statuses a record of `kind` can ever have.
    pub fn of_kind(kind: TicketKind) -> &'static [Status] {
        use Status::*;
        match kind {
            TicketKind::Incident => &[
                New, Assigned, InProgress, Pending, Resolved, Closed, Cancelled,
            ],
            TicketKind::Request => &[
                AwaitingApproval,
                New,
                Assigned,
                InProgress,
                Pending,
                Resolved,
                Closed,
                Cancelled,
                Rejected,
            ],
            TicketKind::Problem => &[New, Investigating, KnownError, Resolved, Closed, Cancelled],
        }
    }

    pub fn choices_for(kind: TicketKind) -> String {
        Self::of_kind(kind)
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Still being worked: not resolved, closed, cancelled or rejected.
    pub fn is_open(self) -> bool {
        !matches!(
            self,
            Status::Resolved | Status::Closed | Status::Cancelled | Status::Rejected
        )
    }

    /// Closed, cancelled or rejected: nothing more happens.
    pub fn is_final(self) -> bool {
        matches!(self, Status::Closed | Status::Cancelled | Status::Rejected)
    }

    /// Whether a record in this status carries a resolution.
    pub fn has_resolution(self) -> bool {
        matches!(self, Status::Resolved | Status::Closed)
    }
}

/// What a record's lifecycle depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lifecycle {
    pub kind: TicketKind,
    pub status: Status,
    pub pending_reason: Option<PendingReason>,
    pub resolution_code: Option<String>,
    pub resolution_notes: Option<String>,
    pub assignee_id: Option<i64>,
    pub team_id: Option<i64>,
    pub reopen_count: i64,
    /// Problems: the root cause and workaround found by analysis.
    pub root_cause: Option<String>,
    pub workaround: Option<String>,
    /// Incidents: a major incident closes only after its post-incident review.
    pub major: bool,
    pub review_recorded: bool,
}

impl Lifecycle {
    pub fn new(kind: TicketKind) -> Self {
        Self {
            kind,
            status: Status::New,
            pending_reason: None,
            resolution_code: None,
            resolution_notes: None,
            assignee_id: None,
            team_id: None,
            reopen_count: 0,
            root_cause: None,
            workaround: None,
            major: false,
            review_recorded: false,
        }
    }

    /// The invariants every stored record satisfies.
    pub fn is_valid(&self) -> bool {
        let kind_ok = Status::of_kind(self.kind).contains(&self.status);
        let pending_ok = (self.status == Status::Pending) == self.pending_reason.is_some();
        let resolution_ok = self.status.has_resolution()
            == (self.resolution_code.is_some() && self.resolution_notes.is_some());
        let known_error_ok = self.status != Status::KnownError
            || (self.root_cause.is_some() && self.workaround.is_some());
        let review_ok = !(self.major && self.status == Status::Closed) || self.review_recorded;
        let major_ok = !self.major || self.kind == TicketKind::Incident;
        kind_ok
            && pending_ok
            && resolution_ok
            && known_error_ok
            && review_ok
            && major_ok
            && self.reopen_count >= 0
    }
}

/// Body of `POST /api/v1/{incidents|requests|problems}/{id}/transition`: the target status
/// and what it needs.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = TicketTransitionInput)]
pub struct TransitionInput {
    pub to: String,
    /// Required for `pending`.
    pub reason: Option<PendingReason>,
    /// Required for `resolved`.
    pub resolution_code: Option<String>,
    /// Required for `resolved`.
    pub resolution_notes: Option<String>,
    /// Problems moving to `known_error`: required unless already recorded.
    pub root_cause: Option<String>,
    /// Problems moving to `known_error`: required unless already recorded.
    pub workaround: Option<String>,
}

/// Why a transition was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// The target is not a status of this kind, or a field it needs is missing (a 422).
    #[error(transparent)]
    Invalid(#[from] Invalid),
    /// The target is a status, but not one reachable from the current one (a 409).
    #[error("{} {kind} that is {from} cannot become {to}", if .kind.starts_with(['a', 'e', 'i', 'o', 'u']) { "an" } else { "a" })]
    NotAllowed {
        kind: &'static str,
        from: &'static str,
        to: &'static str,
        allowed: Vec<&'static str>,
    },
}

pub const RESOLUTION_CODE_MAX: usize = 100;
pub const RESOLUTION_NOTES_MAX: usize = 10_000;
pub const ANALYSIS_MAX: usize = 20_000;

fn not_allowed(current: &Lifecycle, to: &'static str) -> TransitionError {
    TransitionError::NotAllowed {
        kind: current.kind.as_str(),
        from: current.status.as_str(),
        to,
        allowed: current
            .status
            .allowed_next(current.kind)
            .iter()
            .map(|s| s.as_str())
            .collect(),
    }
}

/// A required text: the one given (checked), else the one already recorded, else an error.
fn required_text(
    e: &mut Errors,
    field: &str,
    given: Option<&str>,
    recorded: Option<&String>,
    max: usize,
    why: &str,
) -> Option<String> {
    match given {
        Some(t) => e.take(validation::text(field, t, 1, max)),
        None if recorded.is_some() => recorded.cloned(),
        None => {
            e.push(FieldError::new(field, why));
            None
        }
    }
}

/// Applies a transition, or says why not. The result always satisfies [`Lifecycle::is_valid`].
pub fn transition(
    current: &Lifecycle,
    input: &TransitionInput,
) -> Result<Lifecycle, TransitionError> {
    use Status::*;
    let kind = current.kind;
    let to = Status::parse(&input.to)
        .filter(|s| Status::of_kind(kind).contains(s))
        .ok_or_else(|| {
            Invalid::one(
                "to",
                format!(
                    "{:?} is not a status of a {}; expected one of {}",
                    input.to,
                    kind.as_str(),
                    Status::choices_for(kind)
                ),
            )
        })?;
    if !current.status.allowed_next(kind).contains(&to) {
        return Err(not_allowed(current, to.as_str()));
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
            let why = "is required to resolve";
            next.resolution_code = required_text(
                &mut e,
                "resolution_code",
                input.resolution_code.as_deref(),
                None,
                RESOLUTION_CODE_MAX,
                why,
            );
            next.resolution_notes = required_text(
                &mut e,
                "resolution_notes",
                input.resolution_notes.as_deref(),
                None,
                RESOLUTION_NOTES_MAX,
                why,
            );
        }
        KnownError => {
            let why = "is required for a known error";
            next.root_cause = required_text(
                &mut e,
                "root_cause",
                input.root_cause.as_deref(),
                current.root_cause.as_ref(),
                ANALYSIS_MAX,
                why,
            );
            next.workaround = required_text(
                &mut e,
                "workaround",
                input.workaround.as_deref(),
                current.workaround.as_ref(),
                ANALYSIS_MAX,
                why,
            );
        }
        Assigned if current.assignee_id.is_none() && current.team_id.is_none() => {
            e.push(FieldError::new("to", "assign a team or an agent first"));
        }
        Closed if current.major && !current.review_recorded => e.push(FieldError::new(
            "post_incident_review",
            "a major incident closes only after its post-incident review is recorded",
        )),
        InProgress | Investigating if current.status == Resolved => next.reopen_count += 1,
        _ => {}
    }
    if to != Pending {
        next.pending_reason = None;
    }
    if !to.has_resolution() {
        next.resolution_code = None;
        next.resolution_notes = None;
    }
    if to != Pending && input.reason.is_some() {
        e.push(FieldError::new(
            "reason",
            "only a move to pending takes a reason",
        ));
    }
    if to != Resolved && (input.resolution_code.is_some() || input.resolution_notes.is_some()) {
        e.push(FieldError::new(
            "resolution_code",
            "only a move to resolved takes a resolution",
        ));
    }
    if to != KnownError && (input.root_cause.is_some() || input.workaround.is_some()) {
        e.push(FieldError::new(
            "root_cause",
            "only a move to known_error takes a root cause and workaround here; record analysis with PATCH",
        ));
    }
    e.finish()?;
    Ok(next)
}

text_enum!(
    /// An approver's answer to a service request.
    Decision { Approve = "approve", Reject = "reject" }
);

impl ApprovalRule {
    /// Whether this person may decide: one of the named users, or a staff member with the role.
    pub fn allows(&self, user_id: Option<i64>, role: Role) -> bool {
        match self {
            ApprovalRule::Users { user_ids } => user_id.is_some_and(|u| user_ids.contains(&u)),
            ApprovalRule::Role { role: wanted } => role.is_staff() && role == *wanted,
        }
    }
}

/// An approval decision on a request awaiting approval: approved requests go to the
/// fulfilment team (`assigned`) or, without one, to `new`; rejected ones end.
pub fn decide(
    current: &Lifecycle,
    decision: Decision,
    fulfilment_team: Option<i64>,
) -> Result<Lifecycle, TransitionError> {
    let target = match decision {
        Decision::Approve => "approved",
        Decision::Reject => "rejected",
    };
    if current.kind != TicketKind::Request || current.status != Status::AwaitingApproval {
        return Err(not_allowed(current, target));
    }
    let mut next = current.clone();
    match decision {
        Decision::Reject => next.status = Status::Rejected,
        Decision::Approve => match fulfilment_team {
            Some(team) => {
                next.team_id = Some(team);
                next.status = Status::Assigned;
            }
            None => next.status = Status::New,
        },
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn input(to: &str) -> TransitionInput {
        TransitionInput {
            to: to.into(),
            ..Default::default()
        }
    }

    #[test]
    fn refused_transitions_list_the_allowed_ones() {
        let l = Lifecycle::new(TicketKind::Incident);
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
        // A status of another kind is not a status of this one.
        assert!(matches!(
            transition(&l, &input("investigating")),
            Err(TransitionError::Invalid(_))
        ));
    }

    #[test]
    fn pending_needs_a_reason_and_resolving_a_resolution_and_reopening_counts() {
        let l = transition(&Lifecycle::new(TicketKind::Incident), &input("in_progress")).unwrap();
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

    #[test]
    fn a_known_error_needs_its_root_cause_and_workaround_once() {
        let p = transition(
            &Lifecycle::new(TicketKind::Problem),
            &input("investigating"),
        )
        .unwrap();
        let err = transition(&p, &input("known_error")).unwrap_err();
        assert!(matches!(err, TransitionError::Invalid(Invalid(ref e)) if e.len() == 2));
        let analysed = Lifecycle {
            root_cause: Some("leaking handles".into()),
            workaround: Some("restart nightly".into()),
            ..p
        };
        let ke = transition(&analysed, &input("known_error")).unwrap();
        assert_eq!(ke.status, Status::KnownError);
    }

    #[test]
    fn a_major_incident_closes_only_after_its_review() {
        let resolved = Lifecycle {
            status: Status::Resolved,
            resolution_code: Some("fixed".into()),
            resolution_notes: Some("n".into()),
            major: true,
            ..Lifecycle::new(TicketKind::Incident)
        };
        assert!(matches!(
            transition(&resolved, &input("closed")),
            Err(TransitionError::Invalid(_))
        ));
        let reviewed = Lifecycle {
            review_recorded: true,
            ..resolved
        };
        assert_eq!(
            transition(&reviewed, &input("closed")).unwrap().status,
            Status::Closed
        );
    }

    #[test]
    fn approval_routes_to_the_fulfilment_team_and_rejection_ends() {
        let waiting = Lifecycle {
            status: Status::AwaitingApproval,
            ..Lifecycle::new(TicketKind::Request)
        };
        let approved = decide(&waiting, Decision::Approve, Some(7)).unwrap();
        assert_eq!(
            (approved.status, approved.team_id),
            (Status::Assigned, Some(7))
        );
        assert_eq!(
            decide(&waiting, Decision::Approve, None).unwrap().status,
            Status::New
        );
        assert_eq!(
            decide(&waiting, Decision::Reject, None).unwrap().status,
            Status::Rejected
        );
        assert!(decide(&approved, Decision::Approve, None).is_err());
        // Only cancellation moves a request out of awaiting approval by transition.
        assert!(transition(&waiting, &input("in_progress")).is_err());
        let rule = ApprovalRule::Users { user_ids: vec![3] };
        assert!(rule.allows(Some(3), Role::Agent));
        assert!(!rule.allows(Some(4), Role::Admin));
        let by_role = ApprovalRule::Role {
            role: Role::Manager,
        };
        assert!(by_role.allows(Some(9), Role::Manager));
        assert!(!by_role.allows(Some(9), Role::Agent));
    }

    /// Any action an API client can take on a record's lifecycle.
    #[derive(Debug, Clone)]
    enum Action {
        Transition(TransitionInput),
        Assign(bool),
        Decide(Decision, bool),
        Analyse,
        RecordReview,
    }

    fn any_transition() -> impl Strategy<Value = TransitionInput> {
        let statuses: Vec<String> = Status::ALL
            .iter()
            .map(|s| s.as_str().to_owned())
            .chain(["bogus".into()])
            .collect();
        let text = || proptest::option::of("[a-z ]{0,8}");
        (
            proptest::sample::select(statuses),
            proptest::option::of(proptest::sample::select(PendingReason::ALL.to_vec())),
            (text(), text()),
            (text(), text()),
        )
            .prop_map(|(to, reason, (code, notes), (root_cause, workaround))| {
                TransitionInput {
                    to,
                    reason,
                    resolution_code: code,
                    resolution_notes: notes,
                    root_cause,
                    workaround,
                }
            })
    }

    fn any_action() -> impl Strategy<Value = Action> {
        prop_oneof![
            4 => any_transition().prop_map(Action::Transition),
            1 => any::<bool>().prop_map(Action::Assign),
            1 => (proptest::sample::select(Decision::ALL.to_vec()), any::<bool>())
                .prop_map(|(d, team)| Action::Decide(d, team)),
            1 => Just(Action::Analyse),
            1 => Just(Action::RecordReview),
        ]
    }

    fn any_start() -> impl Strategy<Value = Lifecycle> {
        (
            proptest::sample::select(TicketKind::ALL.to_vec()),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(kind, major, approval)| {
                let mut l = Lifecycle::new(kind);
                l.major = major && kind == TicketKind::Incident;
                if approval && kind == TicketKind::Request {
                    l.status = Status::AwaitingApproval;
                }
                l
            })
    }

    proptest! {
        /// Whatever is asked, in whatever order, of whatever kind of record: it never reaches
        /// an invalid state, final states stay final, a refusal changes nothing, and the
        /// reopen count only grows.
        #[test]
        fn random_action_sequences_never_reach_an_invalid_state(
            start in any_start(),
            actions in proptest::collection::vec(any_action(), 0..40)
        ) {
            let mut l = start;
            prop_assert!(l.is_valid());
            for action in actions {
                let before = l.clone();
                let outcome = match action {
                    Action::Transition(input) => transition(&l, &input).inspect(|next| {
                        assert!(before.status.allowed_next(before.kind).contains(&next.status));
                    }),
                    Action::Decide(d, team) => decide(&l, d, team.then_some(1)),
                    Action::Assign(team) => {
                        if l.status.is_open() {
                            l.team_id = team.then_some(2);
                            l.assignee_id = (!team).then_some(3);
                        }
                        Ok(l.clone())
                    }
                    Action::Analyse => {
                        l.root_cause = Some("cause".into());
                        l.workaround = Some("workaround".into());
                        Ok(l.clone())
                    }
                    Action::RecordReview => {
                        l.review_recorded = l.major;
                        Ok(l.clone())
                    }
                };
                match outcome {
                    Ok(next) => {
                        prop_assert!(next.reopen_count >= before.reopen_count);
                        prop_assert!(!before.status.is_final() || next.status == before.status);
                        l = next;
                    }
                    Err(_) => prop_assert_eq!(&l, &before),
                }
                prop_assert!(l.is_valid(), "invalid state {:?}", l);
            }
        }
    }
}
