//! OLA and underpinning-contract clocks on tickets: each change of a ticket (or of its
//! supplier engagement) appends the events the agreements call for, one clock pair per stint
//! with the team or supplier; what the clocks show is derived from those events with the
//! agreement's current targets and calendar, exactly as for the ticket's SLA.
use crate::app::{date_of, instant};
use crate::service_level::clocks::business_time;
use crate::{App, Result};
use std::collections::{BTreeMap, HashMap};
use steward_domain::delivery::supplier::AgreementStatus;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::service_level::agreement_clock::{AgreementClock, Holding, StintPhase, plan};
use steward_domain::service_level::clock::{
    BusinessTime, ClockMetric, ClockState, ClockView, derive, phase,
};
use steward_domain::service_level::sla::{Sla, SlaLevel};
use steward_store::service_level::agreement_clocks::{self as store, ClockKey, StintEvent};
use steward_store::{Ex, Tx, delivery::agreements, service_level::slas};

/// What the agreement clocks see of a ticket, given its supplier engagement.
pub(crate) fn holding(t: &Ticket, engagement: Option<&store::Engagement>) -> Holding {
    Holding {
        status: t.status,
        pending_reason: t.pending_reason,
        team_id: t.team_id,
        assignee_id: t.assignee_id,
        supplier_id: engagement.map(|e| e.supplier_id),
        supplier_acknowledged: engagement.is_some_and(|e| e.acknowledged_at.is_some()),
    }
}

/// The instants the scan should next look at a clock, from what it shows now.
pub(crate) fn next_checks(view: &ClockView, now: i64) -> (Option<i64>, Option<i64>) {
    let micros = |t: jiff::Timestamp| t.as_microsecond();
    match view.state {
        ClockState::Running => (view.warn_at.map(micros), view.due_at.map(micros)),
        // Already past the deadline (while paused, say): look at once.
        ClockState::Breached => (Some(now), Some(now)),
        ClockState::Paused | ClockState::Met => (None, None),
    }
}

/// A ticket's agreement clock events grouped by (agreement, stint), in order of first event.
fn stints(events: Vec<StintEvent>) -> Vec<((i64, i64), Vec<StintEvent>)> {
    let mut out: Vec<((i64, i64), Vec<StintEvent>)> = Vec::new();
    for e in events {
        let key = (e.sla_id, e.stint);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, list)) => list.push(e),
            None => out.push((key, vec![e])),
        }
    }
    out
}

/// Agreements and their calendars, each read once.
#[derive(Default)]
struct Cache {
    slas: HashMap<i64, Option<Sla>>,
    calendars: HashMap<Option<i64>, Box<dyn BusinessTime + Send + Sync>>,
}

impl Cache {
    async fn sla(&mut self, mut ex: Ex<'_>, id: i64, now: i64) -> Result<Option<&Sla>> {
        if !self.slas.contains_key(&id) {
            let s = slas::get(ex.by_ref(), id, date_of(now)).await?;
            if let Some(s) = &s
                && !self.calendars.contains_key(&s.calendar_id)
            {
                let c = business_time(ex, s.calendar_id).await?;
                self.calendars.insert(s.calendar_id, c);
            }
            self.slas.insert(id, s);
        }
        Ok(self.slas.get(&id).and_then(|s| s.as_ref()))
    }
}

/// The views of one stint's clocks.
fn stint_clock(
    sla: &Sla,
    calendar: &dyn BusinessTime,
    ticket: &Ticket,
    stint: i64,
    events: &[StintEvent],
    now: i64,
) -> AgreementClock {
    let targets = sla.targets_for(ticket.priority);
    let view = |metric: ClockMetric| {
        let of: Vec<_> = events
            .iter()
            .filter(|e| e.entry.metric == metric)
            .map(|e| e.entry.event())
            .collect();
        targets.map(|t| {
            let target = match metric {
                ClockMetric::Response => t.response_seconds,
                ClockMetric::Resolution => t.resolution_seconds,
            };
            derive(&of, target, sla.warning_percent, calendar, instant(now))
        })
    };
    AgreementClock {
        id: sla.id,
        name: sla.name.clone(),
        level: sla.level,
        agreement_id: sla.agreement_id,
        team_id: sla.team_id,
        supplier_id: sla.supplier_id,
        stint,
        started_at: events
            .first()
            .map(|e| e.entry.at)
            .unwrap_or(jiff::Timestamp::UNIX_EPOCH),
        response: view(ClockMetric::Response),
        resolution: view(ClockMetric::Resolution),
        events: None,
    }
}

impl App {
    /// Appends the agreement clock events a change of `after` (from `before`; `None`: just
    /// opened) calls for, and refreshes the scan's deadlines when any were added.
    pub(crate) async fn advance_agreement_clocks(
        &self,
        tx: &mut Tx,
        before: Option<Holding>,
        after: &Ticket,
        after_holding: Holding,
        now: i64,
    ) -> Result<()> {
        if after.kind == TicketKind::Problem {
            return Ok(());
        }
        let events = store::events(tx.ex(), after.id).await?;
        self.apply_agreement_clocks(tx, before, after, after_holding, events, None, now)
            .await
    }

    /// The agreement clocks of a ticket inserted in this very transaction: it can have no
    /// supplier engagement and no clock events yet (nothing else can refer to a row no other
    /// transaction sees), so neither is read; the active agreements were read with the SLAs.
    pub(crate) async fn open_agreement_clocks(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        active: Vec<Sla>,
        now: i64,
    ) -> Result<()> {
        if ticket.kind == TicketKind::Problem {
            return Ok(());
        }
        let holding = holding(ticket, None);
        self.apply_agreement_clocks(tx, None, ticket, holding, Vec::new(), Some(active), now)
            .await
    }

    /// [`App::advance_agreement_clocks`] given the ticket's agreement clock events so far,
    /// and the active agreements when they were already read.
    #[allow(clippy::too_many_arguments)]
    async fn apply_agreement_clocks(
        &self,
        tx: &mut Tx,
        before: Option<Holding>,
        after: &Ticket,
        after_holding: Holding,
        events: Vec<StintEvent>,
        active: Option<Vec<Sla>>,
        now: i64,
    ) -> Result<()> {
        let mut latest: BTreeMap<i64, StintPhase> = BTreeMap::new();
        for ((sla_id, stint), list) in stints(events) {
            let phase_of = |metric| {
                phase(
                    list.iter()
                        .filter(|e| e.entry.metric == metric)
                        .map(|e| e.entry.kind),
                )
            };
            let s = StintPhase {
                sla_id,
                stint,
                response: phase_of(ClockMetric::Response),
                resolution: phase_of(ClockMetric::Resolution),
            };
            if latest.get(&sla_id).is_none_or(|l| l.stint < stint) {
                latest.insert(sla_id, s);
            }
        }
        let mut candidates = match active {
            Some(read) => read,
            None => slas::active_agreements(tx.ex(), date_of(now)).await?,
        };
        let mut may_start = Vec::new();
        for a in &candidates {
            let party = match a.level {
                SlaLevel::Ola => a.team_id == after_holding.team_id,
                _ => a.supplier_id == after_holding.supplier_id,
            };
            if !party
                || a.service_id.is_some_and(|s| after.service_id != Some(s))
                || a.exceptions
                    .iter()
                    .any(|x| x.applies_to(after.category.as_deref(), after.channel))
            {
                continue;
            }
            // A linked agreement that is not in force (draft, expired, terminated) starts
            // no new stint.
            if let Some(id) = a.agreement_id {
                let status = agreements::get(tx.ex(), id, date_of(now))
                    .await?
                    .map(|r| r.status);
                if status != Some(AgreementStatus::Active) {
                    continue;
                }
            }
            may_start.push(a.id);
        }
        // Agreements made inactive still end the stints they have running.
        for id in latest.keys() {
            if !candidates.iter().any(|a| a.id == *id)
                && let Some(a) = slas::get(tx.ex(), *id, date_of(now)).await?
            {
                candidates.push(a);
            }
        }
        let latest: Vec<StintPhase> = latest.into_values().collect();
        let planned = plan(
            &candidates,
            &may_start,
            &latest,
            before.as_ref(),
            &after_holding,
        );
        if planned.is_empty() {
            return Ok(());
        }
        for p in &planned {
            store::add_event(
                tx.ex(),
                after.id,
                p.sla_id,
                p.stint,
                p.metric,
                now,
                p.kind,
                &p.cause,
            )
            .await?;
        }
        self.refresh_agreement_deadlines(tx, after, now).await
    }

    /// The agreement side of a lifecycle change: the supplier engagement is unchanged.
    pub(crate) async fn advance_agreement_step(
        &self,
        tx: &mut Tx,
        before: Option<&Ticket>,
        after: &Ticket,
        now: i64,
    ) -> Result<()> {
        if after.kind == TicketKind::Problem {
            return Ok(());
        }
        let engagement = store::engagement(tx.ex(), after.id).await?;
        let b = before.map(|t| holding(t, engagement.as_ref()));
        let a = holding(after, engagement.as_ref());
        self.advance_agreement_clocks(tx, b, after, a, now).await
    }

    /// Every stint of every agreement on the ticket, as of `now`; with their events if asked.
    pub(crate) async fn agreement_status(
        &self,
        mut ex: Ex<'_>,
        ticket: &Ticket,
        now: i64,
        with_events: bool,
    ) -> Result<Vec<AgreementClock>> {
        let events = store::events(ex.by_ref(), ticket.id).await?;
        let mut cache = Cache::default();
        let mut out = Vec::new();
        for ((sla_id, stint), list) in stints(events) {
            let Some(sla) = cache.sla(ex.by_ref(), sla_id, now).await?.cloned() else {
                continue;
            };
            let Some(calendar) = cache.calendars.get(&sla.calendar_id) else {
                continue;
            };
            let mut clock = stint_clock(&sla, calendar.as_ref(), ticket, stint, &list, now);
            if with_events {
                clock.events = Some(list.into_iter().map(|e| e.entry).collect());
            }
            out.push(clock);
        }
        Ok(out)
    }

    /// Brings the scan's view of a ticket's agreement clocks up to date.
    pub(crate) async fn refresh_agreement_deadlines(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        now: i64,
    ) -> Result<()> {
        for clock in self.agreement_status(tx.ex(), ticket, now, false).await? {
            for (metric, view) in [
                (ClockMetric::Response, &clock.response),
                (ClockMetric::Resolution, &clock.resolution),
            ] {
                let (warn, due) = view
                    .as_ref()
                    .map(|v| next_checks(v, now))
                    .unwrap_or_default();
                let key = ClockKey {
                    ticket_id: ticket.id,
                    sla_id: clock.id,
                    stint: clock.stint,
                    metric,
                };
                store::set_deadlines(tx.ex(), key, warn, due).await?;
            }
        }
        Ok(())
    }

    /// Notes in an open ticket's timeline that an OLA or contract with a clock on it, or the
    /// agreement's calendar, changed; the clock is recomputed from its events. Returns
    /// whether the ticket had a running clock of it.
    pub(crate) async fn mark_agreement_clock(
        &self,
        tx: &mut Tx,
        sla: i64,
        ticket: &Ticket,
        kind: steward_domain::service_level::clock::ClockEventKind,
        cause: &str,
        now: i64,
    ) -> Result<bool> {
        let events = store::events(tx.ex(), ticket.id).await?;
        let Some(((_, stint), list)) = stints(events)
            .into_iter()
            .filter(|((s, _), _)| *s == sla)
            .max_by_key(|((_, n), _)| *n)
        else {
            return Ok(false);
        };
        // A stint that already ended is not affected.
        let resolution = phase(
            list.iter()
                .filter(|e| e.entry.metric == ClockMetric::Resolution)
                .map(|e| e.entry.kind),
        );
        if resolution == steward_domain::service_level::clock::ClockPhase::Stopped {
            return Ok(false);
        }
        for metric in [ClockMetric::Response, ClockMetric::Resolution] {
            store::add_event(tx.ex(), ticket.id, sla, stint, metric, now, kind, cause).await?;
        }
        self.refresh_agreement_deadlines(tx, ticket, now).await?;
        Ok(true)
    }
}

/// The stints of an agreement that ended (resolution clock stopped) in [from, to), as
/// views, for compliance.
pub(crate) fn ended_stints(
    sla: &Sla,
    calendar: &dyn BusinessTime,
    events: Vec<StintEvent>,
    priorities: &HashMap<i64, steward_domain::resolution::ticket::Priority>,
    from: i64,
    to: i64,
    now: i64,
) -> Vec<(Option<ClockView>, Option<ClockView>)> {
    let mut by_ticket: BTreeMap<(i64, i64), Vec<StintEvent>> = BTreeMap::new();
    for e in events {
        by_ticket.entry((e.ticket_id, e.stint)).or_default().push(e);
    }
    let mut out = Vec::new();
    for ((ticket, _), list) in by_ticket {
        let resolution: Vec<_> = list
            .iter()
            .filter(|e| e.entry.metric == ClockMetric::Resolution)
            .collect();
        let ended_in = resolution.last().is_some_and(|e| {
            let at = e.entry.at.as_microsecond();
            e.entry.kind == steward_domain::service_level::clock::ClockEventKind::Stop
                && at >= from
                && at < to
        });
        let stopped = phase(resolution.iter().map(|e| e.entry.kind))
            == steward_domain::service_level::clock::ClockPhase::Stopped;
        let Some(priority) = priorities.get(&ticket) else {
            continue;
        };
        if !(ended_in && stopped) {
            continue;
        }
        let targets = sla.targets_for(*priority);
        let view = |metric: ClockMetric| {
            let of: Vec<_> = list
                .iter()
                .filter(|e| e.entry.metric == metric)
                .map(|e| e.entry.event())
                .collect();
            targets.map(|t| {
                let target = match metric {
                    ClockMetric::Response => t.response_seconds,
                    ClockMetric::Resolution => t.resolution_seconds,
                };
                derive(&of, target, sla.warning_percent, calendar, instant(now))
            })
        };
        out.push((view(ClockMetric::Response), view(ClockMetric::Resolution)));
    }
    out
}
