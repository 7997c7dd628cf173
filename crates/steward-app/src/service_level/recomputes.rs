//! Recomputing the deadlines a changed SLA or calendar moves. A ticket's clocks are derived
//! from its events and the current terms, so what it shows is right the moment the change
//! commits; what lags is the breach scan's stored deadlines, the console's due times and the
//! met/breached outcomes. The change records a recompute in its own transaction and does it
//! there when few tickets are open under the SLA; a background job does a big one in
//! batches, one node at a time under a lease, each batch moving the cursor in its own
//! transaction (a change on a calendar with 19,383 open incidents under it passed the 30 s
//! request timeout at 7,000,000 incidents on PostgreSQL, bench/README).
use crate::app::{instant, require};
use crate::{App, AppError, Result};
use steward_domain::service_level::clock::ClockEventKind;
use steward_domain::service_level::recompute::ClockRecompute;
use steward_domain::{Actor, Permission};
use steward_store::service_level::recomputes::{self, Recompute};
use steward_store::service_level::slas;
use steward_store::{Tx, foundation::leases, resolution::tickets};

const JOB: &str = "clock-recompute";
/// Tickets per background transaction: short enough that other writers barely wait (on
/// SQLite they queue behind it), long enough that the per-batch cost is small.
const BATCH: i64 = 200;
/// How many of a calendar's or SLA's latest recomputes are shown.
pub(crate) const SHOWN: i64 = 5;

impl App {
    /// Records that the open tickets under `sla` must follow a change and, when there are no
    /// more than [`crate::Settings::clock_recompute_inline`], recomputes them in `tx`; the
    /// background job [`Self::clock_recompute`] does a bigger one.
    pub(crate) async fn recompute_clocks(
        &self,
        tx: &mut Tx,
        sla: i64,
        calendar: Option<i64>,
        kind: ClockEventKind,
        cause: &str,
        now: i64,
    ) -> Result<()> {
        let mut r = recomputes::enqueue(tx.ex(), sla, calendar, kind, cause, now).await?;
        let inline = i64::try_from(self.settings.clock_recompute_inline).unwrap_or(i64::MAX);
        if r.total <= inline {
            // Counted in this transaction: a page one longer than the count comes back
            // short, which finishes the recompute.
            let page = r.total + 1;
            self.recompute_batch(tx, &mut r, page, now).await?;
        }
        Ok(())
    }

    /// Works through the recorded recomputes, oldest first, a batch per transaction; returns
    /// how many tickets it recomputed, or `None` when another node holds the job's lease.
    pub async fn clock_recompute(&self, node: &str) -> Result<Option<u64>> {
        let mut recomputed = 0;
        loop {
            let now = self.now();
            let mut tx = self.db.begin().await?;
            if !leases::try_acquire(tx.ex(), JOB, node, now, now + 60_000_000).await? {
                tx.commit().await?;
                return Ok(None);
            }
            let Some(mut r) = recomputes::next_pending(tx.ex()).await? else {
                tx.commit().await?;
                return Ok(Some(recomputed));
            };
            recomputed += self.recompute_batch(&mut tx, &mut r, BATCH, now).await?;
            tx.commit().await?;
        }
    }

    /// Recomputes the next `limit` tickets of `r` and moves its cursor; a short page
    /// finishes it.
    async fn recompute_batch(
        &self,
        tx: &mut Tx,
        r: &mut Recompute,
        limit: i64,
        now: i64,
    ) -> Result<u64> {
        let batch = recomputes::next_tickets(tx.ex(), r, limit).await?;
        for id in &batch {
            self.recompute_ticket(tx, r, *id, now).await?;
        }
        let n = i64::try_from(batch.len()).unwrap_or(i64::MAX);
        let finished = (n < limit).then_some(now);
        let after = batch.last().copied().unwrap_or(r.after_ticket);
        recomputes::advance(tx.ex(), r.id, after, n, finished).await?;
        r.after_ticket = after;
        r.done += n;
        r.finished_at = finished;
        Ok(batch.len() as u64)
    }

    /// Notes the change in one ticket's clock timeline and brings the scan's deadlines and the
    /// outcomes up to date.
    async fn recompute_ticket(&self, tx: &mut Tx, r: &Recompute, id: i64, now: i64) -> Result<()> {
        let Some(ticket) = tickets::get_any(tx.ex(), id).await? else {
            return Ok(());
        };
        // Picked by tickets.sla_id, or by an agreement clock: an SLA's record is never also
        // a ticket's OLA or contract, so the chosen SLA tells which.
        let under_sla = slas::ticket_sla(tx.ex(), id)
            .await?
            .is_some_and(|chosen| chosen.sla_id == r.sla_id);
        if under_sla {
            self.mark_clocks(tx, &ticket, r.kind, &r.cause, now).await?;
        } else {
            self.mark_agreement_clock(tx, r.sla_id, &ticket, r.kind, &r.cause, now)
                .await?;
        }
        Ok(())
    }

    /// The recomputes still running, over every SLA and calendar: one read for a list screen.
    pub async fn running_recomputes(&self, actor: &Actor) -> Result<Vec<ClockRecompute>> {
        require(actor, Permission::ReadSlas)?;
        let mut conn = self.db.read().await?;
        Ok(recomputes::running(conn.ex())
            .await?
            .into_iter()
            .map(view)
            .collect())
    }

    /// The latest recomputes an SLA's tickets went through, newest first.
    pub async fn sla_recomputes(&self, actor: &Actor, sla: i64) -> Result<Vec<ClockRecompute>> {
        require(actor, Permission::ReadSlas)?;
        let mut conn = self.db.read().await?;
        if slas::get(conn.ex(), sla, self.today()).await?.is_none() {
            return Err(AppError::not_found("SLA", sla));
        }
        Ok(recomputes::of_sla(conn.ex(), sla, SHOWN)
            .await?
            .into_iter()
            .map(view)
            .collect())
    }
}

pub(crate) fn view(r: Recompute) -> ClockRecompute {
    ClockRecompute {
        id: r.id,
        sla_id: r.sla_id,
        calendar_id: r.calendar_id,
        cause: r.cause,
        requested_at: instant(r.requested_at),
        total: r.total,
        done: r.done,
        finished_at: r.finished_at.map(instant),
    }
}
