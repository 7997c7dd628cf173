//! Breach warnings and escalation: each clock's next warning point and deadline are kept
//! current; a periodic scan raises each warning and breach once (a conditional update claims
//! it, so two nodes never both raise it), writes it to the ticket's timeline, notifies, and
//! runs the SLA's escalation rules. OLA and underpinning-contract clocks are scanned the same
//! way, each stint's alerts claimed once, and escalated by the agreement's own rules.
use crate::app::instant;
use crate::app::require;
use crate::resolution::tickets::{Step, load};
use crate::service_level::agreement_clocks::next_checks;
use crate::{App, AppError, Result};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::Priority;
use steward_domain::service_level::clock::{ClockMetric, ClockState, ClockView};
use steward_domain::service_level::sla::{AlertKind, EscalationAction, Notice, Sla, SlaLevel};
use steward_domain::{Actor, Permission};
use steward_store::service_level::agreement_clocks::{self, ClockKey};
use steward_store::service_level::alerts::{self, Recipient};
use steward_store::{Tx, foundation::leases, resolution::tickets};

const SCAN: &str = "sla-scan";

/// The alerts a clock's view calls for: the warning once its threshold passed, the breach
/// once its deadline did.
fn alerts_due(view: &ClockView, now: i64) -> Vec<AlertKind> {
    let threshold_passed =
        view.warn_at.is_some_and(|w| w <= instant(now)) || view.state == ClockState::Breached;
    let mut kinds = Vec::new();
    if threshold_passed {
        kinds.push(AlertKind::Warning);
    }
    if view.state == ClockState::Breached {
        kinds.push(AlertKind::Breach);
    }
    kinds
}

impl App {
    /// Brings the scan's view of a ticket's clocks up to date.
    pub(crate) async fn refresh_deadlines(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        now: i64,
    ) -> Result<()> {
        self.refresh_agreement_deadlines(tx, ticket, now).await?;
        let Some(status) = self.sla_status(tx.ex(), ticket, now).await? else {
            return Ok(());
        };
        let verdict = |v: &Option<ClockView>| match v.as_ref().map(|v| v.state) {
            Some(ClockState::Met) => Some("met"),
            Some(ClockState::Breached) => Some("breached"),
            _ => None,
        };
        steward_store::reporting::reports::set_outcomes(
            tx.ex(),
            ticket.id,
            verdict(&status.response),
            verdict(&status.resolution),
        )
        .await?;
        for (metric, view) in [
            (ClockMetric::Response, status.response),
            (ClockMetric::Resolution, status.resolution),
        ] {
            let (warn, due) = view
                .as_ref()
                .map(|v| next_checks(v, now))
                .unwrap_or_default();
            alerts::set_deadlines(tx.ex(), ticket.id, metric, warn, due).await?;
        }
        Ok(())
    }

    /// Raises the warnings and breaches that have come due; returns how many. Runs on one
    /// node at a time under a lease, in batches so the write lock is never held long.
    pub async fn sla_scan(&self, node: &str) -> Result<Option<u64>> {
        let mut raised = 0;
        loop {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            if !leases::try_acquire(tx.ex(), SCAN, node, now, now + 60_000_000).await? {
                tx.commit().await?;
                return Ok(None);
            }
            let batch = alerts::due(tx.ex(), now, 100).await?;
            for (ticket, metric) in &batch {
                raised += self.raise_due(&mut tx, *ticket, *metric, now).await?;
            }
            let agreement_batch = agreement_clocks::due(tx.ex(), now, 100).await?;
            for key in &agreement_batch {
                raised += self.raise_agreement_due(&mut tx, *key, now).await?;
            }
            tx.commit().await?;
            if batch.len() < 100 && agreement_batch.len() < 100 {
                return Ok(Some(raised));
            }
        }
    }

    async fn raise_due(&self, tx: &mut Tx, id: i64, metric: ClockMetric, now: i64) -> Result<u64> {
        let Some(ticket) = tickets::get_any(tx.ex(), id).await? else {
            return Ok(0);
        };
        let mut raised = 0;
        if let Some(status) = self.sla_status(tx.ex(), &ticket, now).await? {
            let view = match metric {
                ClockMetric::Response => status.response.clone(),
                ClockMetric::Resolution => status.resolution.clone(),
            };
            if let Some(view) = view
                && let Some((sla, _)) = self.sla_for(tx.ex(), id, now).await?
            {
                for kind in alerts_due(&view, now) {
                    if alerts::claim(tx.ex(), id, metric, kind).await? {
                        self.alert(tx, &ticket, &sla, None, metric, kind, &view, now)
                            .await?;
                        raised += 1;
                    }
                }
            }
        }
        let current = load(tx, ticket.kind, id).await?;
        self.refresh_deadlines(tx, &current, now).await?;
        Ok(raised)
    }

    /// Like [`Self::raise_due`], for one stint's clock of an OLA or contract.
    async fn raise_agreement_due(&self, tx: &mut Tx, key: ClockKey, now: i64) -> Result<u64> {
        let Some(ticket) = tickets::get_any(tx.ex(), key.ticket_id).await? else {
            return Ok(0);
        };
        let mut raised = 0;
        let clocks = self.agreement_status(tx.ex(), &ticket, now, false).await?;
        if let Some(clock) = clocks
            .iter()
            .find(|c| c.id == key.sla_id && c.stint == key.stint)
            && let Some(sla) =
                steward_store::service_level::slas::get(tx.ex(), key.sla_id, self.today()).await?
        {
            let view = match key.metric {
                ClockMetric::Response => clock.response.clone(),
                ClockMetric::Resolution => clock.resolution.clone(),
            };
            if let Some(view) = view {
                for kind in alerts_due(&view, now) {
                    if agreement_clocks::claim(tx.ex(), key, kind).await? {
                        self.alert(
                            tx,
                            &ticket,
                            &sla,
                            Some(key.stint),
                            key.metric,
                            kind,
                            &view,
                            now,
                        )
                        .await?;
                        raised += 1;
                    }
                }
            }
        }
        let current = load(tx, ticket.kind, ticket.id).await?;
        self.refresh_deadlines(tx, &current, now).await?;
        Ok(raised)
    }

    /// Records a raised warning or breach of `sla`'s clock (of a stint, for an OLA or
    /// contract) and runs the escalations it triggers.
    #[allow(clippy::too_many_arguments)]
    async fn alert(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        sla: &Sla,
        stint: Option<i64>,
        metric: ClockMetric,
        kind: AlertKind,
        view: &ClockView,
        now: i64,
    ) -> Result<()> {
        let actor = Actor::system("sla");
        // `sla_breach` as before; `ola_breach`, `underpinning_contract_breach` for agreements.
        let topic = format!("{}_{}", sla.level.as_str(), kind.as_str());
        let sla_name = match sla.level {
            SlaLevel::Sla => sla.name.clone(),
            level => format!("{} {}", level.label(), sla.name),
        };
        let subject = match kind {
            AlertKind::Warning => format!(
                "{}: {} target of {sla_name} nearly reached",
                ticket.number,
                metric.as_str()
            ),
            AlertKind::Breach => format!(
                "{}: {} target of {sla_name} breached",
                ticket.number,
                metric.as_str()
            ),
        };
        let body = format!(
            "{} — {}. Elapsed {} s of {} s; due {}.",
            ticket.number,
            ticket.title,
            view.elapsed_seconds,
            view.target_seconds,
            view.due_at
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into())
        );
        let mut detail = serde_json::json!({ "metric": metric.as_str(), "sla": sla.name, "due_at": view.due_at.map(|d| d.to_string()) });
        if sla.level != SlaLevel::Sla {
            detail["agreement"] = serde_json::json!({
                "id": sla.id, "level": sla.level, "agreement_id": sla.agreement_id,
                "team_id": sla.team_id, "supplier_id": sla.supplier_id, "stint": stint,
            });
        }
        tickets::add_event(
            tx.ex(),
            ticket.id,
            now,
            None,
            &actor.name,
            &topic,
            None,
            None,
            Some(&detail),
        )
        .await?;
        // Whoever works the ticket hears of it.
        if let Some(user) = ticket.assignee_id {
            alerts::notify(
                tx.ex(),
                Recipient::User(user),
                Some(ticket.id),
                &topic,
                &subject,
                &body,
                now,
            )
            .await?;
        } else if let Some(team) = ticket.team_id {
            alerts::notify(
                tx.ex(),
                Recipient::Team(team),
                Some(ticket.id),
                &topic,
                &subject,
                &body,
                now,
            )
            .await?;
        }
        for rule in sla.escalations.iter().filter(|r| r.fires(kind, metric)) {
            match &rule.action {
                EscalationAction::NotifyUser { user_id } => {
                    alerts::notify(
                        tx.ex(),
                        Recipient::User(*user_id),
                        Some(ticket.id),
                        &topic,
                        &subject,
                        &body,
                        now,
                    )
                    .await?;
                }
                EscalationAction::NotifyTeam { team_id } => {
                    alerts::notify(
                        tx.ex(),
                        Recipient::Team(*team_id),
                        Some(ticket.id),
                        &topic,
                        &subject,
                        &body,
                        now,
                    )
                    .await?;
                }
                EscalationAction::RaisePriority => {
                    let current = load(tx, ticket.kind, ticket.id).await?;
                    let raised = Priority::new(current.priority.level().saturating_sub(1).max(1))
                        .unwrap_or(current.priority);
                    if raised != current.priority {
                        tickets::set_priority(tx.ex(), ticket.id, raised, now).await?;
                        let detail = serde_json::json!({ "from": current.priority, "to": raised, "because": topic });
                        let after = load(tx, ticket.kind, ticket.id).await?;
                        self.record_change(tx, &actor, &current, "escalation", detail, &after, now)
                            .await?;
                    }
                }
                EscalationAction::Reassign { team_id } => {
                    let current = load(tx, ticket.kind, ticket.id).await?;
                    if current.status.is_open() && current.team_id != Some(*team_id) {
                        let mut next = current.lifecycle();
                        next.team_id = Some(*team_id);
                        next.assignee_id = None;
                        let step = Step {
                            event: "escalation",
                            action: "escalate",
                            reassigned: current.team_id.is_some() || current.assignee_id.is_some(),
                            detail: serde_json::json!({ "reassigned_to_team": team_id, "because": topic }),
                        };
                        self.record_step(tx, &actor, &current, &next, step, now)
                            .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// The actor's notifications, newest first (their own and their teams').
    pub async fn my_notifications(&self, actor: &Actor) -> Result<Vec<Notice>> {
        require(actor, Permission::ReadTickets)?;
        let Some(user) = actor.user_id else {
            return Ok(Vec::new());
        };
        let mut conn = self.db.read().await?;
        Ok(alerts::for_user(conn.ex(), user, 200).await?)
    }

    /// How many of the actor's notifications are unread (none for a system actor).
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<i64> {
        let Some(user) = actor.user_id else {
            return Ok(0);
        };
        if !actor.can(Permission::ReadTickets) {
            return Ok(0);
        }
        let mut conn = self.db.read().await?;
        Ok(alerts::unread_count(conn.ex(), user).await?)
    }

    /// Marks every unread notification of the actor (and of its teams) read; how many.
    pub async fn read_all_notifications(&self, actor: &Actor) -> Result<u64> {
        require(actor, Permission::ReadTickets)?;
        let Some(user) = actor.user_id else {
            return Ok(0);
        };
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let n = alerts::mark_all_read(tx.ex(), user, now).await?;
        tx.commit().await?;
        Ok(n)
    }

    pub async fn read_notification(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, Permission::ReadTickets)?;
        let user = actor
            .user_id
            .ok_or_else(|| AppError::not_found("notification", id))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !alerts::mark_read(tx.ex(), id, user, now).await? {
            return Err(AppError::not_found("notification", id));
        }
        tx.commit().await?;
        Ok(())
    }
}
