//! Running the health probes: under a lease (one node at a time across a cluster), the due
//! probes are claimed, checked concurrently outside any transaction, and each result applied
//! in its own transaction with the probe's row locked. A run of failures past the retries
//! opens one unplanned outage (from the first failed check) and, if configured, an incident;
//! the first good check ends the outage and notes the recovery on the incident.
use crate::app::change;
use crate::assurance::probe_check;
use crate::resolution::tickets::priority_of;
use crate::{App, AppError, Result};
use steward_domain::Actor;
use steward_domain::assurance::outage::{OutageDraft, OutageKind};
use steward_domain::assurance::probe::{CheckOutcome, Probe, Transition};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::ticket::{Channel, CommentDraft, TicketDraft, TicketKind};
use steward_store::assurance::{outages, probes};
use steward_store::foundation::leases;
use steward_store::resolution::tickets;
use steward_store::{Tx, delivery::services};

const LEASE: &str = "probes";
/// How long a node holds the lease without renewing it.
const LEASE_MICROS: i64 = 60_000_000;
/// The most probes one run checks.
const BATCH: i64 = 500;
/// Results older than this are deleted unless they belong to an outage.
pub const RETENTION_DAYS: i64 = 30;

fn actor() -> Actor {
    Actor::system("probe")
}

impl App {
    /// Checks the probes that are due; returns how many were checked, or None when another
    /// node holds the lease. Waits for the checks it started (each bounded by its timeout).
    pub async fn run_due_probes(&self, node: &str) -> Result<Option<u64>> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !leases::try_acquire(tx.ex(), LEASE, node, now, now + LEASE_MICROS).await? {
            tx.commit().await?;
            return Ok(None);
        }
        let claimed = probes::claim_due(tx.ex(), now, BATCH).await?;
        let pruned = probes::prune(tx.ex(), now - RETENTION_DAYS * 86_400_000_000).await?;
        tx.commit().await?;
        if pruned > 0 {
            tracing::debug!(pruned, "old probe results deleted");
        }
        if claimed.is_empty() {
            return Ok(Some(0));
        }
        let client = probe_check::client().map_err(AppError::Internal)?;
        let mut checks = tokio::task::JoinSet::new();
        for (id, config) in claimed {
            let client = client.clone();
            checks.spawn(async move { (id, probe_check::check(&client, &config).await) });
        }
        let mut checked = 0;
        while let Some(done) = checks.join_next().await {
            let (id, outcome) = done.map_err(|e| AppError::Internal(e.to_string()))?;
            self.apply_check(id, now, &outcome).await?;
            checked += 1;
        }
        Ok(Some(checked))
    }

    /// Records one check's result and what it changes.
    async fn apply_check(&self, id: i64, at: i64, outcome: &CheckOutcome) -> Result<()> {
        let mut tx = self.db.begin().await?;
        let Some(stored) = probes::lock(tx.ex(), id).await? else {
            // Deleted while it was being checked.
            tx.commit().await?;
            return Ok(());
        };
        let probe = stored.probe;
        probes::add_result(tx.ex(), id, at, outcome).await?;
        let (next, transition) = stored
            .tracking
            .observe(outcome.ok, at, probe.config.retries);
        let (mut outage, mut incident) = (probe.outage_id, probe.incident_id);
        match transition {
            Transition::None => {}
            Transition::WentDown { since } => {
                let (o, i) = self
                    .probe_went_down(&mut tx, &probe, since, at, outcome)
                    .await?;
                probes::attach_failures(tx.ex(), id, since, o).await?;
                (outage, incident) = (Some(o), i);
            }
            Transition::Recovered => {
                self.probe_recovered(&mut tx, &probe, at).await?;
                outage = None;
            }
        }
        probes::set_tracking(
            tx.ex(),
            id,
            &next,
            at,
            outcome.error.as_deref(),
            outage,
            incident,
        )
        .await?;
        if next.state != probe.state && transition != Transition::None {
            let before = serde_json::json!({ "state": probe.state });
            let after = serde_json::json!({ "state": next.state, "outage_id": outage, "error": outcome.error });
            self.audit(
                &mut tx,
                change(&actor(), "probe", id, "state", Some(&before), Some(&after)),
                at,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Opens the outage, and the incident if the probe asks for one; an incident the probe
    /// opened before and that is still being worked takes the new outage instead.
    async fn probe_went_down(
        &self,
        tx: &mut Tx,
        probe: &Probe,
        since: i64,
        at: i64,
        outcome: &CheckOutcome,
    ) -> Result<(i64, Option<i64>)> {
        let service = services::get(tx.ex(), probe.service_id)
            .await?
            .ok_or_else(|| AppError::not_found("service", probe.service_id))?;
        let error = outcome.error.as_deref().unwrap_or("failed");
        let failures = probe.consecutive_failures + 1;
        let draft = OutageDraft {
            kind: OutageKind::Unplanned,
            start: since,
            end: None,
            incident_id: None,
            note: Some(format!(
                "Opened by the probe \"{}\" after {failures} failed checks in a row: {error}",
                probe.config.name
            )),
        };
        let mut outage = outages::insert(tx.ex(), probe.service_id, &draft, at).await?;
        self.audit(
            tx,
            change::<(), _>(&actor(), "outage", outage.id, "create", None, Some(&outage)),
            at,
        )
        .await?;
        if !probe.config.open_incident {
            return Ok((outage.id, None));
        }
        let still_open = match probe.incident_id {
            Some(id) => tickets::get_any(tx.ex(), id)
                .await?
                .filter(|t| t.status.is_open()),
            None => None,
        };
        let incident = match still_open {
            Some(ticket) => {
                let body = format!(
                    "The probe \"{}\" is failing again since {} ({error}); outage #{} opened.",
                    probe.config.name,
                    rfc3339_micros(since),
                    outage.id
                );
                self.system_note(tx, &ticket, &body, at).await?;
                ticket
            }
            None => {
                let ticket = TicketDraft {
                    title: format!("{}: {} is failing", service.name, probe.config.name),
                    description: Some(format!(
                        "The health probe \"{}\" failed {failures} checks in a row since {}.\n\nLast error: {error}\n\nSteward opened this incident and outage #{} of the service; the outage ends when the probe succeeds again.",
                        probe.config.name,
                        rfc3339_micros(since),
                        outage.id
                    )),
                    impact: probe.config.impact,
                    urgency: probe.config.urgency,
                    service_id: Some(probe.service_id),
                    organization_id: None,
                    requester_id: None,
                    ci_id: None,
                    category: None,
                    channel: Channel::Monitoring,
                };
                crate::resolution::tickets::check_references(tx, &ticket).await?;
                let priority = priority_of(tx.ex(), &ticket).await?;
                self.open_ticket(
                    tx,
                    &actor(),
                    TicketKind::Incident,
                    &ticket,
                    priority,
                    &Default::default(),
                    at,
                )
                .await?
            }
        };
        let (before, mut linked) = outages::get(tx.ex(), probe.service_id, outage.id)
            .await?
            .ok_or_else(|| AppError::Internal("the new outage vanished".into()))?;
        linked.incident_id = Some(incident.id);
        outage = outages::update(tx.ex(), outage.id, &linked, at).await?;
        self.audit(
            tx,
            change(
                &actor(),
                "outage",
                outage.id,
                "update",
                Some(&before),
                Some(&outage),
            ),
            at,
        )
        .await?;
        Ok((outage.id, Some(incident.id)))
    }

    /// Ends the probe's outage (unless staff already did, or deleted it) and notes the
    /// recovery on its incident.
    async fn probe_recovered(&self, tx: &mut Tx, probe: &Probe, at: i64) -> Result<()> {
        let mut ended = None;
        if let Some(id) = probe.outage_id
            && let Some((before, mut draft)) = outages::get(tx.ex(), probe.service_id, id).await?
            && draft.end.is_none()
        {
            draft.end = Some(at.max(draft.start));
            let after = outages::update(tx.ex(), id, &draft, at).await?;
            self.audit(
                tx,
                change(
                    &actor(),
                    "outage",
                    id,
                    "update",
                    Some(&before),
                    Some(&after),
                ),
                at,
            )
            .await?;
            ended = Some((id, draft.start));
        }
        if let Some(id) = probe.incident_id
            && let Some(ticket) = tickets::get_any(tx.ex(), id).await?
        {
            let lasted = ended
                .map(|(o, start)| {
                    format!(
                        " Outage #{o} ended after {} minutes.",
                        (at - start) / 60_000_000
                    )
                })
                .unwrap_or_default();
            let body = format!(
                "The probe \"{}\" succeeded again at {}.{lasted}",
                probe.config.name,
                rfc3339_micros(at)
            );
            self.system_note(tx, &ticket, &body, at).await?;
        }
        Ok(())
    }

    /// An internal note on a ticket's work log, written by the probe.
    async fn system_note(
        &self,
        tx: &mut Tx,
        ticket: &steward_domain::resolution::record::Ticket,
        body: &str,
        at: i64,
    ) -> Result<()> {
        let who = actor();
        let draft = CommentDraft {
            body: body.to_owned(),
            public: false,
            time_spent_minutes: 0,
        };
        let comment = tickets::add_comment(tx.ex(), ticket.id, at, None, &who.name, &draft).await?;
        let detail = serde_json::json!({ "comment_id": comment, "time_spent_minutes": 0 });
        tickets::add_event(
            tx.ex(),
            ticket.id,
            at,
            None,
            &who.name,
            "note",
            None,
            None,
            Some(&detail),
        )
        .await?;
        self.audit(
            tx,
            change::<(), _>(
                &who,
                ticket.kind.as_str(),
                ticket.id,
                "note",
                None,
                Some(&draft),
            ),
            at,
        )
        .await
    }
}
