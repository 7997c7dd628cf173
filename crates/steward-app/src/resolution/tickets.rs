//! What every kind of ticket shares: reading and listing within the actor's scope, the
//! lifecycle, assignment, the work log, auto-close and search. Each change writes the
//! ticket's timeline and the audit trail in its transaction.
use crate::app::{change, page, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::foundation::page::{Page, PageRequest};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::search::SearchHit;
use steward_domain::resolution::ticket::{
    AssignInput, Comment, CommentDraft, CommentInput, Priority, PriorityMatrix, TicketDraft,
    TicketKind, TicketSort,
};
use steward_domain::resolution::workflow::{
    Lifecycle, PendingReason, Status, TransitionInput, transition,
};
use steward_domain::{Actor, Permission, Scope};
use steward_store::service_level::alerts::{self, Recipient};
use steward_store::{
    Conn, Ex, Tx, foundation::teams, foundation::users, resolution::kinds, resolution::tickets,
};

pub(crate) const MATRIX: &str = "priority_matrix";

/// The timeline entries a customer sees on its own records.
const CUSTOMER_EVENTS: &[&str] = &["created", "transition", "reply", "edited", "merged"];

/// Whether the actor may know this ticket exists: problems are internal to the provider, and
/// customers see only their organization's records.
/// A ticket counts as acknowledged (for MTTA) once it leaves `new` or has an assignee.
fn acknowledges(l: &Lifecycle) -> bool {
    l.status != Status::New || l.assignee_id.is_some()
}

pub(crate) fn visible(actor: &Actor, ticket: &Ticket) -> bool {
    let kind_ok = ticket.kind != TicketKind::Problem || actor.role.is_staff();
    kind_ok && actor.scope().sees(ticket.organization_id)
}

/// Problems are for the provider's staff only.
pub(crate) fn require_kind(actor: &Actor, kind: TicketKind) -> Result<()> {
    if kind == TicketKind::Problem && !actor.role.is_staff() {
        return Err(AppError::forbidden());
    }
    Ok(())
}

/// A ticket of `kind` the actor may see, or 404.
pub(crate) async fn load_visible(
    ex: Ex<'_>,
    actor: &Actor,
    kind: TicketKind,
    id: i64,
) -> Result<Ticket> {
    tickets::get(ex, kind, id)
        .await?
        .filter(|t| visible(actor, t))
        .ok_or_else(|| AppError::not_found(kind.as_str(), id))
}

pub(crate) async fn load(tx: &mut Tx, kind: TicketKind, id: i64) -> Result<Ticket> {
    tickets::get(tx.ex(), kind, id)
        .await?
        .ok_or_else(|| AppError::not_found(kind.as_str(), id))
}

/// A draft's priority through the current matrix.
pub(crate) async fn priority_of(ex: Ex<'_>, draft: &TicketDraft) -> Result<Priority> {
    Ok(matrix(ex).await?.priority(draft.impact, draft.urgency))
}

pub(crate) async fn matrix(ex: Ex<'_>) -> Result<PriorityMatrix> {
    crate::foundation::settings::read(ex, MATRIX).await
}

/// Fills in and checks who a ticket is for: a customer raises tickets for itself in its own
/// organization, through the portal.
pub(crate) fn scope_draft(actor: &Actor, draft: &mut TicketDraft) -> Result<()> {
    match actor.scope() {
        Scope::All => Ok(()),
        Scope::Organization(org) => {
            if draft.organization_id.is_some_and(|o| o != org) {
                return Err(AppError::invalid(
                    "organization_id",
                    "customers raise tickets for their own organization",
                ));
            }
            if draft.requester_id.is_some_and(|r| Some(r) != actor.user_id) {
                return Err(AppError::invalid(
                    "requester_id",
                    "customers raise tickets for themselves",
                ));
            }
            draft.organization_id = Some(org);
            draft.requester_id = actor.user_id;
            if draft.channel == steward_domain::resolution::ticket::Channel::Api {
                draft.channel = steward_domain::resolution::ticket::Channel::Portal;
            }
            Ok(())
        }
        Scope::Nothing => Err(AppError::forbidden()),
    }
}

/// Refuses a draft that refers to a record that does not exist, naming the field; returns
/// the service's criticality (when a service is given), which major-incident criteria need.
pub(crate) async fn check_references(tx: &mut Tx, d: &TicketDraft) -> Result<Option<i64>> {
    let found = tickets::references(
        tx.ex(),
        d.service_id,
        d.organization_id,
        d.requester_id,
        d.ci_id,
    )
    .await?;
    refuse_missing(d, found)
}

/// [`check_references`] given the references as read.
pub(crate) fn refuse_missing(d: &TicketDraft, found: tickets::References) -> Result<Option<i64>> {
    if let Some(s) = d.service_id
        && found.service_criticality.is_none()
    {
        return Err(AppError::invalid(
            "service_id",
            format!("no service with id {s}"),
        ));
    }
    if let Some(o) = d.organization_id
        && !found.organization
    {
        return Err(AppError::invalid(
            "organization_id",
            format!("no organization with id {o}"),
        ));
    }
    if let Some(r) = d.requester_id
        && !found.requester
    {
        return Err(AppError::invalid(
            "requester_id",
            format!("no user with id {r}"),
        ));
    }
    if let Some(ci) = d.ci_id
        && !found.ci
    {
        return Err(AppError::invalid("ci_id", format!("no CI with id {ci}")));
    }
    Ok(found.service_criticality)
}

/// What one change of a ticket's lifecycle records.
pub(crate) struct Step {
    /// The timeline's name for it.
    pub event: &'static str,
    /// The audit trail's name for it.
    pub action: &'static str,
    pub reassigned: bool,
    pub detail: serde_json::Value,
}

impl App {
    pub async fn priority_matrix(&self, actor: &Actor) -> Result<PriorityMatrix> {
        require(actor, Permission::ReadTickets)?;
        let mut conn = self.db.read().await?;
        matrix(conn.ex()).await
    }

    pub async fn set_priority_matrix(
        &self,
        actor: &Actor,
        m: PriorityMatrix,
    ) -> Result<PriorityMatrix> {
        require(actor, Permission::ConfigureTickets)?;
        m.check()?;
        self.replace_setting(actor, MATRIX, &m).await?;
        Ok(m)
    }

    /// Inserts a new ticket with its `created` timeline entry, search entry and audit entry.
    /// The caller gives the priority (from [`priority_of`]), which it may need first, and has
    /// checked the draft's references with [`check_references`].
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn open_ticket(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        kind: TicketKind,
        draft: &TicketDraft,
        priority: Priority,
        opening: &tickets::Opening,
        now: i64,
    ) -> Result<Ticket> {
        // The number and the per-status count are hot rows that every create of this kind
        // locks until commit (several PostgreSQL nodes queue on them), so they are taken last:
        // the ticket goes in under a unique placeholder and gets its number at the end.
        let placeholder = format!(
            "{}-pending-{}",
            kind.prefix(),
            crate::foundation::secrets::random_hex(12)?
        );
        let status = opening.status.unwrap_or(Status::New);
        let detail = serde_json::json!({ "team_id": opening.team_id, "major": opening.major });
        let creation = tickets::Creation {
            at: now,
            actor_id: actor.user_id,
            actor: &actor.name,
            detail: &detail,
        };
        let mut ticket = tickets::insert(
            tx.ex(),
            kind,
            &placeholder,
            draft,
            priority,
            opening,
            creation,
        )
        .await?;
        let id = ticket.id;
        self.start_new_clocks(tx, &ticket, now).await?;
        let number = tickets::number_ticket(tx.ex(), id, kind, status).await?;
        // What the insert returned is the row as stored: none of the writes since (timeline,
        // search document, clocks, number) changes a column of it except the number.
        ticket.number = number;
        self.audit(
            tx,
            change::<(), _>(actor, kind.as_str(), id, "create", None, Some(&ticket)),
            now,
        )
        .await?;
        Ok(ticket)
    }

    /// One ticket with its timeline and links; another organization's answers 404.
    pub async fn get_ticket(&self, actor: &Actor, kind: TicketKind, id: i64) -> Result<Ticket> {
        require(actor, Permission::ReadTickets)?;
        require_kind(actor, kind)?;
        let mut conn = self.db.read().await?;
        let mut ticket = load_visible(conn.ex(), actor, kind, id).await?;
        self.complete(&mut conn, actor, &mut ticket).await?;
        Ok(ticket)
    }

    /// Adds what a single-ticket view shows: timeline, linked tickets, approvals.
    async fn complete(&self, conn: &mut Conn, actor: &Actor, ticket: &mut Ticket) -> Result<()> {
        let id = ticket.id;
        let mut timeline = tickets::timeline(conn.ex(), id).await?;
        if !actor.role.is_staff() {
            // Customers see what happened to their record, never the desk's internal work
            // (notes, assignments, supplier hand-offs), not even that it exists.
            timeline.retain(|e| CUSTOMER_EVENTS.contains(&e.event.as_str()));
        }
        ticket.timeline = Some(timeline);
        ticket.linked = match ticket.kind {
            TicketKind::Incident if ticket.major => {
                Some(kinds::linked(conn.ex(), "parent_id", id).await?)
            }
            TicketKind::Problem => Some(kinds::linked(conn.ex(), "problem_id", id).await?),
            _ => None,
        };
        if let Some(linked) = ticket.linked.as_mut()
            && !actor.role.is_staff()
        {
            // A customer's incident may have siblings of other organizations.
            linked.clear();
        }
        if ticket.kind == TicketKind::Request {
            ticket.approvals = Some(kinds::approvals(conn.ex(), id).await?);
        }
        // Change records are the provider's own (staff read them).
        if ticket.kind == TicketKind::Incident && actor.role.is_staff() {
            ticket.caused_by_change =
                steward_store::delivery::changes::change_of_incident(conn.ex(), id).await?;
        }
        ticket.sla = self.sla_status(conn.ex(), ticket, self.now()).await?;
        if let Some(sla) = ticket.sla.as_mut() {
            self.add_service_hours(conn.ex(), sla, self.now()).await?;
        }
        // OLAs and contracts are the provider's internal business.
        if ticket.kind != TicketKind::Problem && actor.role.is_staff() {
            ticket.agreements = Some(
                self.agreement_status(conn.ex(), ticket, self.now(), false)
                    .await?,
            );
            ticket.supplier =
                steward_store::service_level::agreement_clocks::engagement(conn.ex(), id)
                    .await?
                    .map(
                        |e| steward_domain::service_level::agreement_clock::SupplierEngagement {
                            supplier_id: e.supplier_id,
                            reference: e.reference,
                            engaged_at: steward_domain::foundation::page::rfc3339_micros(
                                e.engaged_at,
                            ),
                            acknowledged_at: e
                                .acknowledged_at
                                .map(steward_domain::foundation::page::rfc3339_micros),
                        },
                    );
        }
        Ok(())
    }

    pub async fn list_tickets(
        &self,
        actor: &Actor,
        kind: TicketKind,
        mut filter: tickets::Filter,
        sort: TicketSort,
        request: PageRequest,
    ) -> Result<Page<Ticket>> {
        require(actor, Permission::ReadTickets)?;
        require_kind(actor, kind)?;
        match actor.scope() {
            Scope::All => {}
            Scope::Organization(org) => filter.organization = Some(org),
            Scope::Nothing => return Ok(page((Vec::new(), 0), request)),
        }
        let mut conn = self.db.read().await?;
        let listed = tickets::list(conn.ex(), kind, &filter, sort, request).await?;
        Ok(Page {
            total_capped: listed.capped,
            ..page((listed.items, listed.total), request)
        })
    }

    /// Moves a ticket to another status; refusals list the allowed ones. Staff move any
    /// ticket they may work; a customer may only reopen or confirm (close) its own resolved
    /// incidents and requests.
    pub async fn transition_ticket(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        input: TransitionInput,
    ) -> Result<Ticket> {
        require(actor, Permission::RaiseTickets)?;
        require_kind(actor, kind)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, kind, id).await?;
        if !visible(actor, &current) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        let lifecycle = current.lifecycle();
        if !actor.can(Permission::WorkTickets) {
            let requester_move = lifecycle.status == Status::Resolved
                && matches!(input.to.as_str(), "in_progress" | "closed");
            if !requester_move {
                return Err(AppError::Forbidden(
                    "customers may only reopen or close a resolved ticket".into(),
                ));
            }
        }
        let next = transition(&lifecycle, &input)?;
        let mut detail = serde_json::json!({
            "reason": next.pending_reason.map(|r| r.as_str()),
            "resolution_code": next.resolution_code,
        });
        if next.status == Status::KnownError && current.known_error_number.is_none() {
            let number = kinds::next_known_error_number(tx.ex()).await?;
            kinds::set_known_error_number(tx.ex(), id, &number).await?;
            detail["known_error_number"] = number.into();
        }
        let step = Step {
            event: "transition",
            action: "transition",
            reassigned: false,
            detail,
        };
        let ticket = self
            .record_step(&mut tx, actor, &current, &next, step, now)
            .await?;
        if ticket.major && ticket.status == Status::Resolved {
            self.resolve_children(&mut tx, actor, &ticket, now).await?;
        }
        if matches!(ticket.status, Status::Resolved | Status::Cancelled) {
            self.end_outages_of(&mut tx, actor, &ticket, now).await?;
        }
        tx.commit().await?;
        Ok(ticket)
    }

    /// Resolves a major incident's open children with its resolution, each in its timeline.
    async fn resolve_children(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        parent: &Ticket,
        now: i64,
    ) -> Result<()> {
        for child in kinds::linked(tx.ex(), "parent_id", parent.id).await? {
            let current = load(tx, TicketKind::Incident, child.id).await?;
            let input = TransitionInput {
                to: Status::Resolved.as_str().to_owned(),
                resolution_code: parent.resolution_code.clone(),
                resolution_notes: Some(format!("Resolved with {}", parent.number)),
                ..Default::default()
            };
            // Children that cannot be resolved yet (still new) are left for their agents.
            let Ok(next) = transition(&current.lifecycle(), &input) else {
                continue;
            };
            let step = Step {
                event: "transition",
                action: "resolve_with_parent",
                reassigned: false,
                detail: serde_json::json!({ "parent": parent.number }),
            };
            self.record_step(tx, actor, &current, &next, step, now)
                .await?;
        }
        Ok(())
    }

    /// Assigns a team and/or agent. A change away from a previous assignment counts as a
    /// reassignment; a new ticket moves to `assigned`.
    pub async fn assign_ticket(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        input: AssignInput,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, kind, id).await?;
        let lifecycle = current.lifecycle();
        if !lifecycle.status.is_open() || lifecycle.status == Status::AwaitingApproval {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "{} {} that is {} cannot be assigned",
                    if kind == TicketKind::Incident {
                        "an"
                    } else {
                        "a"
                    },
                    kind.as_str(),
                    lifecycle.status.as_str().replace('_', " ")
                ),
            ));
        }
        if let Some(team) = input.team_id
            && teams::get(tx.ex(), team).await?.is_none()
        {
            return Err(AppError::invalid(
                "team_id",
                format!("no team with id {team}"),
            ));
        }
        if let Some(agent) = input.assignee_id {
            require_staff_user(tx.ex(), "assignee_id", agent).await?;
        }
        let changed =
            (input.team_id, input.assignee_id) != (lifecycle.team_id, lifecycle.assignee_id);
        let reassigned =
            changed && (lifecycle.team_id.is_some() || lifecycle.assignee_id.is_some());
        let mut next = Lifecycle {
            team_id: input.team_id,
            assignee_id: input.assignee_id,
            ..lifecycle.clone()
        };
        let assigned = next.team_id.is_some() || next.assignee_id.is_some();
        if lifecycle.status == Status::New && assigned && kind != TicketKind::Problem {
            next.status = Status::Assigned;
        }
        let detail = serde_json::json!({
            "from": {"team_id": lifecycle.team_id, "assignee_id": lifecycle.assignee_id},
            "to": {"team_id": next.team_id, "assignee_id": next.assignee_id},
            "reassignment": reassigned,
        });
        let step = Step {
            event: "assignment",
            action: "assign",
            reassigned,
            detail,
        };
        let ticket = self
            .record_step(&mut tx, actor, &current, &next, step, now)
            .await?;
        tx.commit().await?;
        Ok(ticket)
    }

    /// Stores a new lifecycle state with its timeline and audit entries; returns the ticket.
    pub(crate) async fn record_step(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        current: &Ticket,
        next: &Lifecycle,
        step: Step,
        now: i64,
    ) -> Result<Ticket> {
        let id = current.id;
        tickets::update_lifecycle(tx.ex(), id, current.status, next, step.reassigned, now).await?;
        if acknowledges(next) {
            steward_store::reporting::reports::mark_responded(tx.ex(), id, now).await?;
        }
        tickets::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            step.event,
            Some(current.status.as_str()),
            Some(next.status.as_str()),
            Some(&step.detail),
        )
        .await?;
        let ticket = load(tx, current.kind, id).await?;
        self.advance_clocks(tx, current, &ticket, now).await?;
        if next.status == Status::Resolved && current.status != Status::Resolved {
            self.offer_survey(tx, actor, &ticket, now).await?;
        }
        self.audit(
            tx,
            change(
                actor,
                current.kind.as_str(),
                id,
                step.action,
                Some(current),
                Some(&ticket),
            ),
            now,
        )
        .await?;
        Ok(ticket)
    }

    /// Writes a timeline entry and an audit entry for a change that is not a lifecycle step.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn record_change<T: serde::Serialize>(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        before: &Ticket,
        event: &'static str,
        detail: serde_json::Value,
        after: &T,
        now: i64,
    ) -> Result<()> {
        tickets::add_event(
            tx.ex(),
            before.id,
            now,
            actor.user_id,
            &actor.name,
            event,
            None,
            None,
            Some(&detail),
        )
        .await?;
        self.audit(
            tx,
            change(
                actor,
                before.kind.as_str(),
                before.id,
                event,
                Some(before),
                Some(after),
            ),
            now,
        )
        .await
    }

    /// Adds to the work log. Staff write public replies or internal notes; a customer writes
    /// public replies on its own organization's tickets only.
    pub async fn comment_ticket(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
        input: CommentInput,
    ) -> Result<Comment> {
        require(actor, Permission::RaiseTickets)?;
        require_kind(actor, kind)?;
        let mut draft = input.parse()?;
        if !actor.role.is_staff() {
            if !draft.public || draft.time_spent_minutes != 0 {
                return Err(AppError::invalid(
                    "public",
                    "customers write public replies without time spent",
                ));
            }
            draft.public = true;
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = load(&mut tx, kind, id).await?;
        if !visible(actor, &ticket) {
            return Err(AppError::not_found(kind.as_str(), id));
        }
        let comment = self
            .add_comment_in(&mut tx, actor, &ticket, &draft, now)
            .await?;
        tx.commit().await?;
        Ok(comment)
    }

    /// Writes a checked work-log entry in the caller's transaction, with its timeline, search
    /// and audit entries and whom it concerns told (mail intake shares this with the API).
    pub(crate) async fn add_comment_in(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ticket: &Ticket,
        draft: &CommentDraft,
        now: i64,
    ) -> Result<Comment> {
        let (kind, id) = (ticket.kind, ticket.id);
        let comment_id =
            tickets::add_comment(tx.ex(), id, now, actor.user_id, &actor.name, draft).await?;
        if draft.public && actor.role.is_staff() {
            self.public_reply_given(tx, id, now).await?;
            steward_store::reporting::reports::mark_responded(tx.ex(), id, now).await?;
        }
        steward_store::resolution::search::index(
            tx.ex(),
            id,
            "comment",
            draft.public,
            ticket.organization_id,
            "",
            &draft.body,
        )
        .await?;
        let event = if draft.public { "reply" } else { "note" };
        let detail = serde_json::json!({ "comment_id": comment_id, "time_spent_minutes": draft.time_spent_minutes });
        tickets::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            event,
            None,
            None,
            Some(&detail),
        )
        .await?;
        let comment = tickets::comments(tx.ex(), id, true)
            .await?
            .into_iter()
            .find(|c| c.id == comment_id)
            .ok_or_else(|| AppError::Internal("the new comment vanished".into()))?;
        self.audit(
            tx,
            change::<(), _>(actor, kind.as_str(), id, event, None, Some(&comment)),
            now,
        )
        .await?;
        if !actor.role.is_staff() {
            self.customer_replied(tx, actor, ticket, now).await?;
        } else {
            self.notify_mentions(tx, actor, ticket, &draft.body, draft.public, now)
                .await?;
        }
        Ok(comment)
    }

    /// A customer's reply resumes a record pending on the customer (when the desk settings
    /// say so), and tells whoever works it: the assignee, else the team.
    async fn customer_replied(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ticket: &Ticket,
        now: i64,
    ) -> Result<()> {
        let settings = crate::resolution::desk::desk(tx.ex()).await?;
        let waiting = ticket.status == Status::Pending
            && ticket.pending_reason == Some(PendingReason::Customer);
        let mut resumed = false;
        if waiting && settings.resume_on_customer_reply {
            let input = TransitionInput {
                to: Status::InProgress.as_str().to_owned(),
                ..Default::default()
            };
            let next = transition(&ticket.lifecycle(), &input)?;
            let step = Step {
                event: "transition",
                action: "resume_on_customer_reply",
                reassigned: false,
                detail: serde_json::json!({ "reason": "the customer replied" }),
            };
            self.record_step(tx, actor, ticket, &next, step, now)
                .await?;
            resumed = true;
        }
        let to = match (ticket.assignee_id, ticket.team_id) {
            (Some(user), _) => Recipient::User(user),
            (None, Some(team)) => Recipient::Team(team),
            (None, None) => return Ok(()),
        };
        let subject = if resumed {
            format!("{}: the customer replied; back in progress", ticket.number)
        } else {
            format!("{}: the customer replied", ticket.number)
        };
        alerts::notify(
            tx.ex(),
            to,
            Some(ticket.id),
            "customer_reply",
            &subject,
            &format!(
                "{} replied on {}: {}",
                actor.name, ticket.number, ticket.title
            ),
            now,
        )
        .await?;
        Ok(())
    }

    /// Tells each active colleague named as `@username` in a staff entry; customers are never
    /// notified this way (they read public replies), and nobody of their own entry.
    async fn notify_mentions(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        ticket: &Ticket,
        body: &str,
        public: bool,
        now: i64,
    ) -> Result<()> {
        for name in steward_domain::resolution::ticket::mentions(body) {
            let Some(user) = users::by_username(tx.ex(), &name).await? else {
                continue;
            };
            if !user.active || !user.role.is_staff() || Some(user.id) == actor.user_id {
                continue;
            }
            let kind = if public { "reply" } else { "internal note" };
            alerts::notify(
                tx.ex(),
                Recipient::User(user.id),
                Some(ticket.id),
                "mention",
                &format!("{} mentioned you on {}", actor.name, ticket.number),
                &format!("In a {kind} on {}: {}", ticket.number, ticket.title),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// The work log; customers see public replies only.
    pub async fn ticket_comments(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
    ) -> Result<Vec<Comment>> {
        require(actor, Permission::ReadTickets)?;
        require_kind(actor, kind)?;
        let mut conn = self.db.read().await?;
        load_visible(conn.ex(), actor, kind, id).await?;
        Ok(tickets::comments(conn.ex(), id, actor.role.is_staff()).await?)
    }

    /// Closes incidents and requests resolved longer ago than the configured number of days,
    /// each with its timeline entry and audit entry. Returns how many it closed.
    pub async fn auto_close_tickets(&self, tx: &mut Tx, now: i64) -> Result<u64> {
        let actor = Actor::system("auto-close");
        let before = now - self.settings.auto_close_after.as_micros() as i64;
        let mut closed = 0;
        for id in tickets::resolved_before(tx.ex(), before, 500).await? {
            let Some(current) = tickets::get_any(tx.ex(), id).await? else {
                continue;
            };
            let to = TransitionInput {
                to: "closed".into(),
                ..Default::default()
            };
            // A major incident without its review waits for it.
            let Ok(next) = transition(&current.lifecycle(), &to) else {
                continue;
            };
            let detail = serde_json::json!({ "reason": "resolved and not reopened in time" });
            let step = Step {
                event: "transition",
                action: "auto_close",
                reassigned: false,
                detail,
            };
            self.record_step(tx, &actor, &current, &next, step, now)
                .await?;
            closed += 1;
        }
        Ok(closed)
    }

    /// Tickets whose title, description or work log match every word of `query`, best first.
    /// Customers search only their organization's tickets and public replies.
    pub async fn search_tickets(
        &self,
        actor: &Actor,
        query: &str,
        request: PageRequest,
    ) -> Result<steward_domain::resolution::search::SearchResults> {
        require(actor, Permission::ReadTickets)?;
        if query.chars().count() > steward_domain::resolution::search::QUERY_MAX {
            return Err(AppError::invalid(
                "q",
                format!(
                    "must be at most {} characters",
                    steward_domain::resolution::search::QUERY_MAX
                ),
            ));
        }
        let organization = match actor.scope() {
            Scope::All => None,
            Scope::Organization(org) => Some(org),
            Scope::Nothing => {
                return Ok(steward_domain::resolution::search::SearchResults {
                    items: Vec::new(),
                    total: 0,
                    capped: false,
                    limit: request.limit,
                    offset: request.offset,
                });
            }
        };
        let who = steward_store::resolution::search::Audience {
            staff: actor.role.is_staff(),
            organization,
        };
        let terms = steward_domain::resolution::search::terms(query);
        let mut conn = self.db.read().await?;
        let (mut items, mut total, capped) = steward_store::resolution::search::search(
            conn.ex(),
            &terms,
            who,
            i64::from(request.limit),
            request.offset as i64,
        )
        .await?;
        // A record number leads straight to the record: it comes first, once.
        if let Some(numbers) = steward_domain::resolution::search::record_numbers(query) {
            let mut exact = tickets::by_numbers(conn.ex(), &numbers).await?;
            exact.retain(|t| visible(actor, t));
            let found_in_text = |id: i64| items.iter().any(|h| h.ticket_id == id);
            total += exact.iter().filter(|t| !found_in_text(t.id)).count() as i64;
            if request.offset == 0 {
                let best = items.first().map_or(0.0, |h| h.score);
                items.retain(|h| !exact.iter().any(|t| t.id == h.ticket_id));
                let hits = exact.into_iter().map(|t| SearchHit {
                    ticket_id: t.id,
                    kind: t.kind.as_str().to_owned(),
                    snippet: t.title.clone(),
                    number: t.number,
                    title: t.title,
                    status: t.status.as_str().to_owned(),
                    score: best + 1.0,
                    exact: true,
                });
                items.splice(0..0, hits);
                items.truncate(request.limit as usize);
            }
        }
        Ok(steward_domain::resolution::search::SearchResults {
            items,
            total,
            capped,
            limit: request.limit,
            offset: request.offset,
        })
    }
}
