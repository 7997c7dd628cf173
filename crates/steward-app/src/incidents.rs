//! Incidents: raise, read, assign and move through their lifecycle, each change in the
//! ticket's timeline and the audit trail. Customers raise and read only their organization's.
use crate::app::{change, page, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::page::{Page, PageRequest};
use steward_domain::ticket::{
    AssignInput, Channel, IncidentInput, Lifecycle, PriorityMatrix, Ticket, TicketKind,
    TransitionError, TransitionInput, transition,
};
use steward_domain::{Actor, Permission, Scope};
use steward_store::{Ex, Tx, cis, orgs, services, teams, tickets, users};

const MATRIX: &str = "priority_matrix";

/// A refused transition: the allowed next statuses travel with it so the API can list them.
#[derive(Debug)]
pub enum TransitionRefused {
    App(AppError),
    NotAllowed {
        message: String,
        allowed: Vec<&'static str>,
    },
}

impl From<AppError> for TransitionRefused {
    fn from(e: AppError) -> Self {
        TransitionRefused::App(e)
    }
}

impl From<steward_store::StoreError> for TransitionRefused {
    fn from(e: steward_store::StoreError) -> Self {
        TransitionRefused::App(e.into())
    }
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
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = matrix(tx.ex()).await?;
        let json = serde_json::to_string(&m).map_err(|e| AppError::Internal(e.to_string()))?;
        tickets::put_setting(tx.ex(), MATRIX, &json, now).await?;
        self.audit(
            &mut tx,
            change(actor, "setting", MATRIX, "update", Some(&before), Some(&m)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(m)
    }

    pub async fn create_incident(&self, actor: &Actor, input: IncidentInput) -> Result<Ticket> {
        require(actor, Permission::RaiseTickets)?;
        let mut draft = input.parse()?;
        match actor.scope() {
            Scope::All => {}
            Scope::Organization(org) => {
                // A customer raises incidents for itself, in its own organization.
                if draft.organization_id.is_some_and(|o| o != org) {
                    return Err(AppError::invalid(
                        "organization_id",
                        "customers raise incidents for their own organization",
                    ));
                }
                if draft.requester_id.is_some_and(|r| Some(r) != actor.user_id) {
                    return Err(AppError::invalid(
                        "requester_id",
                        "customers raise incidents for themselves",
                    ));
                }
                draft.organization_id = Some(org);
                draft.requester_id = actor.user_id;
                if draft.channel == Channel::Api {
                    draft.channel = Channel::Portal;
                }
            }
            Scope::Nothing => return Err(AppError::forbidden()),
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_references(&mut tx, &draft).await?;
        let priority = matrix(tx.ex()).await?.priority(draft.impact, draft.urgency);
        let number = tickets::next_number(tx.ex(), TicketKind::Incident).await?;
        let id = tickets::insert_incident(tx.ex(), &number, &draft, priority, now).await?;
        tickets::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            "created",
            None,
            Some("new"),
            None,
        )
        .await?;
        let body = draft.description.as_deref().unwrap_or("");
        steward_store::search::index(tx.ex(), id, "ticket", true, &draft.title, body).await?;
        let ticket = load(&mut tx, id).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "incident", id, "create", None, Some(&ticket)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(ticket)
    }

    /// One incident with its timeline; another organization's answers 404.
    pub async fn get_incident(&self, actor: &Actor, id: i64) -> Result<Ticket> {
        require(actor, Permission::ReadTickets)?;
        let mut conn = self.db.read().await?;
        let mut ticket = tickets::get(conn.ex(), TicketKind::Incident, id)
            .await?
            .filter(|t| actor.scope().sees(t.organization_id))
            .ok_or_else(|| AppError::not_found("incident", id))?;
        ticket.timeline = Some(tickets::timeline(conn.ex(), id).await?);
        Ok(ticket)
    }

    pub async fn list_incidents(
        &self,
        actor: &Actor,
        mut filter: tickets::Filter,
        sort: steward_domain::ticket::TicketSort,
        request: PageRequest,
    ) -> Result<Page<Ticket>> {
        require(actor, Permission::ReadTickets)?;
        match actor.scope() {
            Scope::All => {}
            Scope::Organization(org) => filter.organization = Some(org),
            Scope::Nothing => return Ok(page((Vec::new(), 0), request)),
        }
        let mut conn = self.db.read().await?;
        Ok(page(
            tickets::list(conn.ex(), TicketKind::Incident, &filter, sort, request).await?,
            request,
        ))
    }

    /// Moves an incident to another status; refusals list the allowed ones.
    pub async fn transition_incident(
        &self,
        actor: &Actor,
        id: i64,
        input: TransitionInput,
    ) -> std::result::Result<Ticket, TransitionRefused> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let lifecycle = current
            .lifecycle()
            .ok_or_else(|| AppError::Internal(format!("incident {id} has an unknown status")))?;
        let next = match transition(&lifecycle, &input) {
            Ok(next) => next,
            Err(TransitionError::Invalid(invalid)) => return Err(AppError::Invalid(invalid).into()),
            Err(TransitionError::NotAllowed { from, to, allowed }) => {
                let message = format!(
                    "an incident that is {from} cannot become {to}; allowed: {}",
                    allowed.join(", ")
                );
                return Err(TransitionRefused::NotAllowed { message, allowed });
            }
        };
        let detail = serde_json::json!({
            "reason": next.pending_reason.map(|r| r.as_str()),
            "resolution_code": next.resolution_code,
        });
        let step = Step {
            event: "transition",
            action: "transition",
            reassigned: false,
            detail,
        };
        let ticket = self
            .record_step(&mut tx, actor, &current, &lifecycle, &next, step, now)
            .await?;
        tx.commit().await?;
        Ok(ticket)
    }

    /// Assigns a team and/or agent. A change away from a previous assignment counts as a
    /// reassignment; a new incident moves to `assigned`.
    pub async fn assign_incident(
        &self,
        actor: &Actor,
        id: i64,
        input: AssignInput,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, id).await?;
        let lifecycle = current
            .lifecycle()
            .ok_or_else(|| AppError::Internal(format!("incident {id} has an unknown status")))?;
        if !lifecycle.status.is_open() {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "a {} incident cannot be reassigned",
                    lifecycle.status.as_str()
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
        if lifecycle.status == steward_domain::ticket::IncidentStatus::New && assigned {
            next.status = steward_domain::ticket::IncidentStatus::Assigned;
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
            .record_step(&mut tx, actor, &current, &lifecycle, &next, step, now)
            .await?;
        tx.commit().await?;
        Ok(ticket)
    }
}

/// What one change of an incident's lifecycle records.
struct Step {
    /// The timeline's name for it.
    event: &'static str,
    /// The audit trail's name for it.
    action: &'static str,
    reassigned: bool,
    detail: serde_json::Value,
}

impl App {
    /// Stores a new lifecycle state with its timeline and audit entries; returns the ticket.
    #[allow(clippy::too_many_arguments)]
    async fn record_step(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        current: &Ticket,
        from: &Lifecycle,
        next: &Lifecycle,
        step: Step,
        now: i64,
    ) -> Result<Ticket> {
        let id = current.id;
        tickets::update_lifecycle(tx.ex(), id, next, step.reassigned, now).await?;
        tickets::add_event(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            step.event,
            Some(from.status.as_str()),
            Some(next.status.as_str()),
            Some(&step.detail),
        )
        .await?;
        let ticket = load(tx, id).await?;
        self.audit(
            tx,
            change(
                actor,
                "incident",
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
}

async fn load(tx: &mut Tx, id: i64) -> Result<Ticket> {
    tickets::get(tx.ex(), TicketKind::Incident, id)
        .await?
        .ok_or_else(|| AppError::not_found("incident", id))
}

async fn matrix(ex: Ex<'_>) -> Result<PriorityMatrix> {
    Ok(match tickets::setting(ex, MATRIX).await? {
        Some(json) => serde_json::from_str(&json).unwrap_or_default(),
        None => PriorityMatrix::default(),
    })
}

async fn check_references(tx: &mut Tx, d: &steward_domain::ticket::IncidentDraft) -> Result<()> {
    if let Some(s) = d.service_id
        && services::existing(tx.ex(), &[s]).await?.is_empty()
    {
        return Err(AppError::invalid(
            "service_id",
            format!("no service with id {s}"),
        ));
    }
    if let Some(o) = d.organization_id
        && orgs::existing(tx.ex(), &[o]).await?.is_empty()
    {
        return Err(AppError::invalid(
            "organization_id",
            format!("no organization with id {o}"),
        ));
    }
    if let Some(r) = d.requester_id
        && users::get(tx.ex(), r).await?.is_none()
    {
        return Err(AppError::invalid(
            "requester_id",
            format!("no user with id {r}"),
        ));
    }
    if let Some(ci) = d.ci_id
        && cis::get(tx.ex(), ci).await?.is_none()
    {
        return Err(AppError::invalid("ci_id", format!("no CI with id {ci}")));
    }
    Ok(())
}

impl App {
    /// Adds to the work log. Staff write public replies or internal notes; a customer writes
    /// public replies on its own organization's incidents only.
    pub async fn comment_incident(
        &self,
        actor: &Actor,
        id: i64,
        input: steward_domain::ticket::CommentInput,
    ) -> Result<steward_domain::ticket::Comment> {
        require(actor, Permission::RaiseTickets)?;
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
        let ticket = load(&mut tx, id).await?;
        if !actor.scope().sees(ticket.organization_id) {
            return Err(AppError::not_found("incident", id));
        }
        let comment_id =
            tickets::add_comment(tx.ex(), id, now, actor.user_id, &actor.name, &draft).await?;
        steward_store::search::index(tx.ex(), id, "comment", draft.public, "", &draft.body).await?;
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
            &mut tx,
            change::<(), _>(actor, "incident", id, event, None, Some(&comment)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(comment)
    }

    /// The work log; customers see public replies only.
    pub async fn incident_comments(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<steward_domain::ticket::Comment>> {
        require(actor, Permission::ReadTickets)?;
        let mut conn = self.db.read().await?;
        tickets::get(conn.ex(), TicketKind::Incident, id)
            .await?
            .filter(|t| actor.scope().sees(t.organization_id))
            .ok_or_else(|| AppError::not_found("incident", id))?;
        Ok(tickets::comments(conn.ex(), id, actor.role.is_staff()).await?)
    }

    /// Closes incidents resolved longer ago than the configured number of days, each with its
    /// timeline entry and audit entry. Returns how many it closed.
    pub async fn auto_close_incidents(&self, tx: &mut Tx, now: i64) -> Result<u64> {
        let actor = Actor::system("auto-close");
        let before = now - self.settings.auto_close_after.as_micros() as i64;
        let mut closed = 0;
        for id in tickets::resolved_before(tx.ex(), before, 500).await? {
            let current = load(tx, id).await?;
            let Some(lifecycle) = current.lifecycle() else {
                continue;
            };
            let to = TransitionInput {
                to: "closed".into(),
                ..Default::default()
            };
            let Ok(next) = transition(&lifecycle, &to) else {
                continue;
            };
            let detail = serde_json::json!({ "reason": "resolved and not reopened in time" });
            let step = Step {
                event: "transition",
                action: "auto_close",
                reassigned: false,
                detail,
            };
            self.record_step(tx, &actor, &current, &lifecycle, &next, step, now)
                .await?;
            closed += 1;
        }
        Ok(closed)
    }
}

impl App {
    /// Tickets whose title, description or work log match every word of `query`, best first.
    /// Customers search only their organization's tickets and public replies.
    pub async fn search_tickets(
        &self,
        actor: &Actor,
        query: &str,
        request: PageRequest,
    ) -> Result<Page<steward_domain::search::SearchHit>> {
        require(actor, Permission::ReadTickets)?;
        if query.chars().count() > steward_domain::search::QUERY_MAX {
            return Err(AppError::invalid(
                "q",
                format!(
                    "must be at most {} characters",
                    steward_domain::search::QUERY_MAX
                ),
            ));
        }
        let organization = match actor.scope() {
            Scope::All => None,
            Scope::Organization(org) => Some(org),
            Scope::Nothing => return Ok(page((Vec::new(), 0), request)),
        };
        let who = steward_store::search::Audience {
            staff: actor.role.is_staff(),
            organization,
        };
        let terms = steward_domain::search::terms(query);
        let mut conn = self.db.read().await?;
        let found = steward_store::search::search(
            conn.ex(),
            &terms,
            who,
            i64::from(request.limit),
            request.offset as i64,
        )
        .await?;
        Ok(page(found, request))
    }
}

impl App {
    /// Services, CIs and categories with at least `min` incidents opened in the last
    /// `window_days` days, most incidents first: where a problem record may be due.
    pub async fn problem_candidates(
        &self,
        actor: &Actor,
        window_days: i64,
        min: i64,
    ) -> Result<Vec<steward_domain::ticket::ProblemCandidate>> {
        require(actor, Permission::WorkTickets)?;
        if !(1..=366).contains(&window_days) {
            return Err(AppError::invalid(
                "window_days",
                "must be between 1 and 366",
            ));
        }
        if !(2..=10_000).contains(&min) {
            return Err(AppError::invalid("min", "must be between 2 and 10000"));
        }
        let since = self.now() - window_days * 24 * 3_600_000_000;
        let mut conn = self.db.read().await?;
        let mut out = Vec::new();
        for dimension in ["service", "ci", "category"] {
            for (value, incidents, last) in
                tickets::incident_clusters(conn.ex(), dimension, since, min).await?
            {
                out.push(steward_domain::ticket::ProblemCandidate {
                    dimension: dimension.to_owned(),
                    value,
                    incidents,
                    last_opened_at: steward_domain::page::rfc3339_micros(last),
                });
            }
        }
        out.sort_by(|a, b| {
            b.incidents
                .cmp(&a.incidents)
                .then_with(|| a.dimension.cmp(&b.dimension))
        });
        Ok(out)
    }
}
