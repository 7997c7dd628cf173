//! Incidents: raising them (flagged major when the criteria say so), running major incidents
//! (owner, child incidents, management notifications, post-incident review), the known errors
//! that match an incident, and problem candidates from incident trends.
use crate::app::{require, require_staff_user};
use crate::foundation::settings::parse;
use crate::resolution::desk::DESK;
use crate::resolution::tickets::MATRIX;
use crate::resolution::tickets::{load, load_visible, scope_draft};
use crate::{App, AppError, Result};
use steward_domain::Actor;
use steward_domain::Permission;
use steward_domain::resolution::desk::DeskSettings;
use steward_domain::resolution::major::{
    DeclareInput, MajorCriteria, Notification, NotificationInput, ReviewInput,
};
use steward_domain::resolution::problem::{IncidentFacts, KnownErrorMatch, match_known_error};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::PriorityMatrix;
use steward_domain::resolution::ticket::{IncidentInput, LinkInput, TicketKind};
use steward_store::{Ex, Tx, resolution::kinds, resolution::tickets};

const CRITERIA: &str = "major_incident_criteria";

async fn criteria(ex: Ex<'_>) -> Result<MajorCriteria> {
    crate::foundation::settings::read(ex, CRITERIA).await
}

/// A major incident of the actor's view, or 409 when the incident is not major.
async fn load_major(tx: &mut Tx, id: i64) -> Result<Ticket> {
    let ticket = load(tx, TicketKind::Incident, id).await?;
    if !ticket.major {
        return Err(AppError::conflict(
            Some("major"),
            format!(
                "{} is not a major incident; declare it first",
                ticket.number
            ),
        ));
    }
    Ok(ticket)
}

impl App {
    pub async fn create_incident(&self, actor: &Actor, input: IncidentInput) -> Result<Ticket> {
        require(actor, Permission::RaiseTickets)?;
        let (impact, urgency) = (input.impact, input.urgency);
        let mut draft = input.parse()?;
        scope_draft(actor, &mut draft)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // The three settings a create needs and its references, in one round trip. The
        // settings are read in the command's transaction on every create rather than cached:
        // another node (PostgreSQL) or a command-line process may change them at any time.
        let (references, [desk, matrix, criteria]) = tickets::references_and_settings(
            tx.ex(),
            draft.service_id,
            draft.organization_id,
            draft.requester_id,
            draft.ci_id,
            [DESK, MATRIX, CRITERIA],
        )
        .await?;
        let desk: DeskSettings = parse(desk);
        crate::resolution::desk::customer_levels(actor, &desk, impact, urgency)?;
        if let Some(service) = draft.service_id {
            crate::resolution::ticket_edit::customer_service(&mut tx, actor, service).await?;
        }
        let matrix: PriorityMatrix = parse(matrix);
        let priority = matrix.priority(draft.impact, draft.urgency);
        let criticality = crate::resolution::tickets::refuse_missing(&draft, references)?;
        let criteria: MajorCriteria = parse(criteria);
        let major_because = criteria.matching(priority, criticality);
        let opening = tickets::Opening {
            major: major_because.is_some(),
            ..Default::default()
        };
        let ticket = self
            .open_ticket(
                &mut tx,
                actor,
                TicketKind::Incident,
                &draft,
                priority,
                &opening,
                now,
            )
            .await?;
        if let Some(because) = major_because {
            let detail = serde_json::json!({ "by": "criteria", "because": because });
            tickets::add_event(
                tx.ex(),
                ticket.id,
                now,
                actor.user_id,
                &actor.name,
                "major_declared",
                None,
                None,
                Some(&detail),
            )
            .await?;
            self.outage_for_major(&mut tx, actor, &ticket, now).await?;
        }
        tx.commit().await?;
        Ok(ticket)
    }

    pub async fn major_criteria(&self, actor: &Actor) -> Result<MajorCriteria> {
        require(actor, Permission::ReadTickets)?;
        let mut conn = self.db.read().await?;
        criteria(conn.ex()).await
    }

    pub async fn set_major_criteria(
        &self,
        actor: &Actor,
        c: MajorCriteria,
    ) -> Result<MajorCriteria> {
        require(actor, Permission::ConfigureTickets)?;
        c.check()?;
        self.replace_setting(actor, CRITERIA, &c).await?;
        Ok(c)
    }

    /// Merges a duplicate incident into the one the work continues on: the duplicate is
    /// cancelled with a public reply that names the other (so its requester knows where to
    /// look), and both timelines record the merge. Both must be open and visible; a major
    /// incident and an incident already merged away cannot be merged.
    pub async fn merge_incident(&self, actor: &Actor, id: i64, into: i64) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        if id == into {
            return Err(AppError::invalid(
                "into",
                "an incident cannot be merged into itself",
            ));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let duplicate = load(&mut tx, TicketKind::Incident, id).await?;
        let target = load(&mut tx, TicketKind::Incident, into)
            .await
            .map_err(|_| AppError::invalid("into", format!("no incident with id {into}")))?;
        for (t, field) in [(&duplicate, "status"), (&target, "into")] {
            if !t.status.is_open() {
                return Err(AppError::conflict(
                    Some(field),
                    format!(
                        "{} is {}; only open incidents are merged",
                        t.number,
                        t.status.as_str()
                    ),
                ));
            }
        }
        if duplicate.major {
            return Err(AppError::conflict(
                Some("major"),
                format!(
                    "{} is a major incident; attach incidents to it instead",
                    duplicate.number
                ),
            ));
        }
        let input = steward_domain::resolution::workflow::TransitionInput {
            to: steward_domain::resolution::workflow::Status::Cancelled
                .as_str()
                .to_owned(),
            ..Default::default()
        };
        let next =
            steward_domain::resolution::workflow::transition(&duplicate.lifecycle(), &input)?;
        let step = crate::resolution::tickets::Step {
            event: "merged",
            action: "merge",
            reassigned: false,
            detail: serde_json::json!({ "into": target.id, "number": target.number }),
        };
        self.record_step(&mut tx, actor, &duplicate, &next, step, now)
            .await?;
        let reply = steward_domain::resolution::ticket::CommentInput {
            body: format!(
                "This was reported already as {}: we continue there, and this record is closed as its duplicate.",
                target.number
            ),
            public: Some(true),
            time_spent_minutes: None,
        }
        .parse()?;
        tickets::add_comment(tx.ex(), id, now, actor.user_id, &actor.name, &reply).await?;
        steward_store::resolution::search::index(
            tx.ex(),
            id,
            "comment",
            true,
            duplicate.organization_id,
            "",
            &reply.body,
        )
        .await?;
        let detail = serde_json::json!({ "from": duplicate.id, "number": duplicate.number });
        self.record_change(&mut tx, actor, &target, "merged_here", detail, &target, now)
            .await?;
        tx.commit().await?;
        self.get_ticket(actor, TicketKind::Incident, into).await
    }

    /// Declares an open incident major (or hands a major incident to another owner).
    pub async fn declare_major(
        &self,
        actor: &Actor,
        id: i64,
        input: DeclareInput,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let reason = steward_domain::foundation::validation::optional_text(
            "reason",
            input.reason.as_deref(),
            steward_domain::resolution::major::MESSAGE_MAX,
        )?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let current = load(&mut tx, TicketKind::Incident, id).await?;
        if !current.status.is_open() {
            return Err(AppError::conflict(
                Some("status"),
                format!(
                    "a {} incident cannot be declared major",
                    current.status.as_str()
                ),
            ));
        }
        if current.parent_id.is_some() {
            return Err(AppError::conflict(
                Some("parent_id"),
                "a child of a major incident cannot itself be major",
            ));
        }
        require_staff_user(tx.ex(), "owner_id", input.owner_id).await?;
        kinds::set_major(tx.ex(), id, Some(input.owner_id), now).await?;
        let after = load(&mut tx, TicketKind::Incident, id).await?;
        let event = if current.major {
            "major_owner_changed"
        } else {
            "major_declared"
        };
        let detail =
            serde_json::json!({ "by": "hand", "owner_id": input.owner_id, "reason": reason });
        self.record_change(&mut tx, actor, &current, event, detail, &after, now)
            .await?;
        self.outage_for_major(&mut tx, actor, &after, now).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Attaches incidents to a major incident as its children.
    pub async fn add_children(&self, actor: &Actor, id: i64, input: LinkInput) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let ids = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let parent = load_major(&mut tx, id).await?;
        for (i, child_id) in ids.iter().copied().enumerate() {
            let field = format!("incident_ids[{i}]");
            let child = tickets::get(tx.ex(), TicketKind::Incident, child_id)
                .await?
                .ok_or_else(|| AppError::invalid(&field, format!("no incident {child_id}")))?;
            if child.id == parent.id || child.major {
                return Err(AppError::invalid(
                    &field,
                    format!("{} is a major incident itself", child.number),
                ));
            }
            if child.parent_id.is_some_and(|p| p != parent.id) {
                return Err(AppError::conflict(
                    Some(&field),
                    format!(
                        "{} is already a child of another major incident",
                        child.number
                    ),
                ));
            }
            if child.parent_id == Some(parent.id) {
                continue;
            }
            kinds::set_parent(tx.ex(), child.id, parent.id, now).await?;
            let after = load(&mut tx, TicketKind::Incident, child.id).await?;
            let detail = serde_json::json!({ "parent": parent.number });
            self.record_change(&mut tx, actor, &child, "child_of", detail, &after, now)
                .await?;
            let detail = serde_json::json!({ "child": child.number });
            tickets::add_event(
                tx.ex(),
                parent.id,
                now,
                actor.user_id,
                &actor.name,
                "child_added",
                None,
                None,
                Some(&detail),
            )
            .await?;
        }
        tx.commit().await?;
        self.get_ticket(actor, TicketKind::Incident, id).await
    }

    /// Logs a management notification sent about a major incident.
    pub async fn notify_major(
        &self,
        actor: &Actor,
        id: i64,
        input: NotificationInput,
    ) -> Result<Notification> {
        require(actor, Permission::WorkTickets)?;
        let (audience, channel, message) = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let ticket = load_major(&mut tx, id).await?;
        let nid = kinds::add_notification(
            tx.ex(),
            id,
            now,
            actor.user_id,
            &actor.name,
            &audience,
            &channel,
            &message,
        )
        .await?;
        let note = kinds::notifications(tx.ex(), id)
            .await?
            .into_iter()
            .find(|n| n.id == nid)
            .ok_or_else(|| AppError::Internal("the new notification vanished".into()))?;
        let detail = serde_json::json!({ "notification_id": nid, "audience": audience });
        self.record_change(&mut tx, actor, &ticket, "notification", detail, &note, now)
            .await?;
        tx.commit().await?;
        Ok(note)
    }

    pub async fn major_notifications(&self, actor: &Actor, id: i64) -> Result<Vec<Notification>> {
        require(actor, Permission::ReadTickets)?;
        if !actor.role.is_staff() {
            return Err(AppError::forbidden());
        }
        let mut conn = self.db.read().await?;
        load_visible(conn.ex(), actor, TicketKind::Incident, id).await?;
        Ok(kinds::notifications(conn.ex(), id).await?)
    }

    /// Records (or replaces) the post-incident review a major incident needs to close.
    pub async fn record_review(
        &self,
        actor: &Actor,
        id: i64,
        input: ReviewInput,
    ) -> Result<Ticket> {
        require(actor, Permission::WorkTickets)?;
        let now = self.now();
        let review = input.parse(
            &actor.name,
            steward_domain::foundation::page::rfc3339_micros(now),
        )?;
        let mut tx = self.db.begin().await?;
        let current = load_major(&mut tx, id).await?;
        if current.status.is_final() {
            return Err(AppError::conflict(
                Some("status"),
                format!("{} is {}", current.number, current.status.as_str()),
            ));
        }
        kinds::set_review(tx.ex(), id, &review, now).await?;
        let after = load(&mut tx, TicketKind::Incident, id).await?;
        let detail = serde_json::json!({ "actions": review.actions.len() });
        self.record_change(&mut tx, actor, &current, "review", detail, &after, now)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Known errors that look like this incident, best first: what the agent should try.
    pub async fn incident_known_errors(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<KnownErrorMatch>> {
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        let incident = load_visible(conn.ex(), actor, TicketKind::Incident, id).await?;
        let text = format!(
            "{} {}",
            incident.title,
            incident.description.as_deref().unwrap_or("")
        );
        let facts = IncidentFacts {
            problem_id: incident.problem_id,
            service_id: incident.service_id,
            ci_id: incident.ci_id,
            text: &text,
        };
        let mut matches: Vec<KnownErrorMatch> = kinds::known_errors(conn.ex())
            .await?
            .iter()
            .filter_map(|ke| match_known_error(facts, ke))
            .collect();
        matches.sort_by(|a, b| {
            b.score
                .cmp(&a.score)
                .then_with(|| a.known_error.number.cmp(&b.known_error.number))
        });
        Ok(matches)
    }

    /// Services, CIs and categories with at least `min` incidents opened in the last
    /// `window_days` days, most incidents first: where a problem record may be due.
    pub async fn problem_candidates(
        &self,
        actor: &Actor,
        window_days: i64,
        min: i64,
    ) -> Result<Vec<steward_domain::resolution::ticket::ProblemCandidate>> {
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
                out.push(steward_domain::resolution::ticket::ProblemCandidate {
                    dimension: dimension.to_owned(),
                    value,
                    incidents,
                    last_opened_at: steward_domain::foundation::page::rfc3339_micros(last),
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
