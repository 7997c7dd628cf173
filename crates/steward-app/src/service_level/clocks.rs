//! SLA clocks on tickets: the SLA is chosen when a ticket opens (and the choice recorded with
//! why), each change of the ticket appends the clock events it calls for, and what a clock
//! shows is derived from those events with the SLA's current targets and calendar.
use crate::app::{date_of, instant};
use crate::{App, AppError, Result};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::resolution::workflow::Status;
use steward_domain::service_level::calendar::Calendar;
use steward_domain::service_level::clock::{
    AlwaysOn, BusinessTime, ClockEventKind, ClockMetric, ClockPhase, business_hours, derive,
    is_paused, next_events, phase,
};
use steward_domain::service_level::sla::{ResponseOn, Sla, SlaStatus, choose};
use steward_store::service_level::slas::{self, TicketSla};
use steward_store::{Ex, Tx};

/// The business time an SLA counts in: its calendar, or every second when it has none.
pub(crate) async fn business_time(
    ex: Ex<'_>,
    calendar_id: Option<i64>,
) -> Result<Box<dyn BusinessTime + Send + Sync>> {
    let Some(id) = calendar_id else {
        return Ok(Box::new(AlwaysOn));
    };
    Ok(Box::new(stored_calendar(ex, id).await?))
}

/// A stored calendar, which an SLA or agreement refers to and so must exist.
pub(crate) async fn stored_calendar(ex: Ex<'_>, id: i64) -> Result<Calendar> {
    let (_, definition, _) = slas::calendar(ex, id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("calendar {id} vanished")))?;
    crate::service_level::calendars::parse_stored(&definition)
}

/// A clocked ticket: incidents and requests (problems have no SLA).
fn clocked(t: &Ticket) -> bool {
    t.kind != TicketKind::Problem
}

impl App {
    /// Chooses the ticket's SLA and starts its clocks.
    pub(crate) async fn start_clocks(&self, tx: &mut Tx, ticket: &Ticket, now: i64) -> Result<()> {
        // A ticket may open with a team whose OLA then starts at once.
        self.advance_agreement_step(tx, None, ticket, now).await?;
        self.start_sla(tx, ticket, None, now).await
    }

    /// [`App::start_clocks`] for a ticket inserted in this transaction, which has no
    /// engagement or agreement clock events to read yet.
    pub(crate) async fn start_new_clocks(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        now: i64,
    ) -> Result<()> {
        if !clocked(ticket) {
            return Ok(());
        }
        // Both candidate lists in one crossing to the database rather than two.
        let (agreements, service_slas) =
            slas::active_for_new_ticket(tx.ex(), ticket.service_id, date_of(now)).await?;
        self.open_agreement_clocks(tx, ticket, agreements, now)
            .await?;
        self.start_sla(tx, ticket, Some(service_slas), now).await
    }

    /// Chooses the ticket's SLA, records the choice and starts its clocks. `service_slas`
    /// are the service's active SLAs when the caller already read them; `None` reads them.
    async fn start_sla(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        service_slas: Option<Vec<Sla>>,
        now: i64,
    ) -> Result<()> {
        let Some(record) = self.choose_sla(tx, ticket, service_slas, now).await? else {
            return Ok(());
        };
        slas::set_ticket_sla(tx.ex(), ticket.id, &record).await?;
        if !record.applies {
            return Ok(());
        }
        self.start_sla_clocks(tx, ticket, "opened", now).await
    }

    /// Starts both SLA clocks now and brings them to the ticket's state (a ticket may open,
    /// or gain an SLA, in a status that pauses the clock).
    async fn start_sla_clocks(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        cause: &str,
        now: i64,
    ) -> Result<()> {
        for metric in [ClockMetric::Response, ClockMetric::Resolution] {
            slas::add_clock_event(
                tx.ex(),
                ticket.id,
                metric,
                now,
                ClockEventKind::Start,
                cause,
            )
            .await?;
        }
        self.advance_clocks(tx, ticket, ticket, now).await
    }

    /// The SLA that governs the ticket as it is now, with why, and whether an exception or a
    /// suspended workload limit lifts its targets; `None` when no SLA covers it.
    async fn choose_sla(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        service_slas: Option<Vec<Sla>>,
        now: i64,
    ) -> Result<Option<TicketSla>> {
        let Some(service) = ticket.service_id.filter(|_| clocked(ticket)) else {
            return Ok(None);
        };
        let candidates = match service_slas {
            Some(read) => read,
            None => slas::active_for_service(tx.ex(), service, date_of(now)).await?,
        };
        let Some((sla, why)) = choose(&candidates, Some(service), ticket.organization_id) else {
            return Ok(None);
        };
        let mut applies = true;
        let mut explanation = why;
        if let Some(x) = sla
            .exceptions
            .iter()
            .find(|x| x.applies_to(ticket.category.as_deref(), ticket.channel))
        {
            applies = false;
            explanation = format!("{explanation}; targets lifted by the exception: {}", x.text);
        } else if let Some(limit) = sla.workload_limit.filter(|l| l.suspend_targets)
            && let Some(org) = ticket.organization_id
        {
            let month_start = month_start(now);
            let count = steward_store::resolution::tickets::count_opened(
                tx.ex(),
                service,
                org,
                month_start,
            )
            .await?;
            if count > limit.per_month {
                applies = false;
                explanation = format!(
                    "{explanation}; targets suspended: {count} records this month exceed the workload limit of {}",
                    limit.per_month
                );
            }
        }
        Ok(Some(TicketSla {
            sla_id: sla.id,
            explanation,
            applies,
            chosen_at: now,
        }))
    }

    /// After an edit: a new service may bring another SLA (or none), a new priority other
    /// targets. The clock events are kept, so the time already counted stays counted; a
    /// marker in the clock timeline says what changed. A ticket that had no SLA and gains one
    /// starts its clocks at the change.
    pub(crate) async fn reevaluate_sla(
        &self,
        tx: &mut Tx,
        before: &Ticket,
        after: &Ticket,
        now: i64,
    ) -> Result<()> {
        if !clocked(after) {
            return Ok(());
        }
        let current = slas::ticket_sla(tx.ex(), after.id).await?;
        if before.service_id != after.service_id || before.category != after.category {
            let chosen = self.choose_sla(tx, after, None, now).await?;
            let same = match (&current, &chosen) {
                (Some(a), Some(b)) => a.sla_id == b.sla_id && a.applies == b.applies,
                (None, None) => true,
                _ => false,
            };
            if !same {
                slas::replace_ticket_sla(tx.ex(), after.id, chosen.as_ref()).await?;
                match chosen {
                    None => {
                        // Nothing governs the ticket now: no warnings, no verdicts.
                        steward_store::reporting::reports::set_outcomes(
                            tx.ex(),
                            after.id,
                            None,
                            None,
                        )
                        .await?;
                        for metric in [ClockMetric::Response, ClockMetric::Resolution] {
                            steward_store::service_level::alerts::set_deadlines(
                                tx.ex(),
                                after.id,
                                metric,
                                None,
                                None,
                            )
                            .await?;
                        }
                    }
                    Some(record) if record.applies => {
                        let started = !slas::clock_events(tx.ex(), after.id).await?.is_empty();
                        if started {
                            let cause = "the SLA was chosen again after an edit";
                            self.mark_clocks(tx, after, ClockEventKind::SlaChanged, cause, now)
                                .await?;
                        } else {
                            self.start_sla_clocks(tx, after, "an SLA applies after an edit", now)
                                .await?;
                        }
                    }
                    Some(_) => {}
                }
                return Ok(());
            }
        }
        if before.priority != after.priority {
            let cause = format!(
                "priority {} → {}",
                String::from(before.priority),
                String::from(after.priority)
            );
            self.mark_clocks(tx, after, ClockEventKind::SlaChanged, &cause, now)
                .await?;
        }
        Ok(())
    }

    /// Appends the clock events a change from `before` to `after` calls for.
    pub(crate) async fn advance_clocks(
        &self,
        tx: &mut Tx,
        before: &Ticket,
        after: &Ticket,
        now: i64,
    ) -> Result<()> {
        self.advance_agreement_step(tx, Some(before), after, now)
            .await?;
        let Some((sla, _)) = self.sla_for(tx.ex(), after.id, now).await? else {
            return Ok(());
        };
        let events = slas::clock_events(tx.ex(), after.id).await?;
        let phase_of = |metric| phase(events.iter().filter(|e| e.metric == metric).map(|e| e.kind));
        let done = !after.status.is_open();
        let reopened = before.status == Status::Resolved && after.status.is_open();
        let paused = is_paused(&sla.pause, after.status, after.pending_reason);
        let cause = match (after.status, after.pending_reason) {
            (Status::Pending, Some(r)) => format!("status pending ({})", r.as_str()),
            (s, _) => format!("status {}", s.as_str()),
        };
        for kind in next_events(phase_of(ClockMetric::Resolution), paused, done, reopened) {
            slas::add_clock_event(
                tx.ex(),
                after.id,
                ClockMetric::Resolution,
                now,
                kind,
                &cause,
            )
            .await?;
        }
        let assigned = after.team_id.is_some() || after.assignee_id.is_some();
        let responded = done || (sla.response_on == ResponseOn::Assignment && assigned);
        if responded && phase_of(ClockMetric::Response) == ClockPhase::Running {
            let why = if done { cause.as_str() } else { "assigned" };
            slas::add_clock_event(
                tx.ex(),
                after.id,
                ClockMetric::Response,
                now,
                ClockEventKind::Stop,
                why,
            )
            .await?;
        }
        self.refresh_deadlines(tx, after, now).await
    }

    /// Notes in a ticket's clock timeline that its SLA or calendar changed (the clocks are
    /// recomputed from their events), and refreshes the scan's deadlines.
    pub(crate) async fn mark_clocks(
        &self,
        tx: &mut Tx,
        ticket: &Ticket,
        kind: ClockEventKind,
        cause: &str,
        now: i64,
    ) -> Result<()> {
        if self.sla_for(tx.ex(), ticket.id, now).await?.is_none() {
            return Ok(());
        }
        for metric in [ClockMetric::Response, ClockMetric::Resolution] {
            slas::add_clock_event(tx.ex(), ticket.id, metric, now, kind, cause).await?;
        }
        self.refresh_deadlines(tx, ticket, now).await
    }

    /// A staff member's first public reply stops a response clock that waits for one.
    pub(crate) async fn public_reply_given(
        &self,
        tx: &mut Tx,
        ticket: i64,
        now: i64,
    ) -> Result<()> {
        let Some((sla, _)) = self.sla_for(tx.ex(), ticket, now).await? else {
            return Ok(());
        };
        if sla.response_on != ResponseOn::FirstPublicReply {
            return Ok(());
        }
        let events = slas::clock_events(tx.ex(), ticket).await?;
        let response = phase(
            events
                .iter()
                .filter(|e| e.metric == ClockMetric::Response)
                .map(|e| e.kind),
        );
        if response == ClockPhase::Running {
            slas::add_clock_event(
                tx.ex(),
                ticket,
                ClockMetric::Response,
                now,
                ClockEventKind::Stop,
                "first public reply",
            )
            .await?;
            let current = steward_store::resolution::tickets::get_any(tx.ex(), ticket)
                .await?
                .ok_or_else(|| AppError::not_found("ticket", ticket))?;
            self.refresh_deadlines(tx, &current, now).await?;
        }
        Ok(())
    }

    /// The SLA whose targets apply to a ticket, if any.
    pub(crate) async fn sla_for(
        &self,
        mut ex: Ex<'_>,
        ticket: i64,
        now: i64,
    ) -> Result<Option<(Sla, TicketSla)>> {
        let Some(chosen) = slas::ticket_sla(ex.by_ref(), ticket).await? else {
            return Ok(None);
        };
        if !chosen.applies {
            return Ok(None);
        }
        let sla = slas::get(ex, chosen.sla_id, date_of(now)).await?;
        Ok(sla.map(|s| (s, chosen)))
    }

    /// The ticket's SLA and its clocks as of `now`.
    pub(crate) async fn sla_status(
        &self,
        mut ex: Ex<'_>,
        ticket: &Ticket,
        now: i64,
    ) -> Result<Option<SlaStatus>> {
        let Some(chosen) = slas::ticket_sla(ex.by_ref(), ticket.id).await? else {
            return Ok(None);
        };
        let Some(sla) = slas::get(ex.by_ref(), chosen.sla_id, date_of(now)).await? else {
            return Ok(None);
        };
        let mut status = SlaStatus {
            sla_id: sla.id,
            name: sla.name.clone(),
            explanation: chosen.explanation.clone(),
            applies: chosen.applies,
            response: None,
            resolution: None,
            in_service_hours: None,
            service_hours_change_at: None,
        };
        let targets = sla.targets_for(ticket.priority);
        if let (true, Some(targets)) = (chosen.applies, targets) {
            let calendar = business_time(ex.by_ref(), sla.calendar_id).await?;
            let events = slas::clock_events(ex, ticket.id).await?;
            let of = |metric| -> Vec<_> {
                events
                    .iter()
                    .filter(|e| e.metric == metric)
                    .map(|e| e.event())
                    .collect()
            };
            let at = instant(now);
            status.response = Some(derive(
                &of(ClockMetric::Response),
                targets.response_seconds,
                sla.warning_percent,
                calendar.as_ref(),
                at,
            ));
            status.resolution = Some(derive(
                &of(ClockMetric::Resolution),
                targets.resolution_seconds,
                sla.warning_percent,
                calendar.as_ref(),
                at,
            ));
        }
        Ok(Some(status))
    }
}

impl App {
    /// Adds to a ticket's SLA status whether its service hours are open now and when that
    /// changes next: what a person reading the clock needs to know why it does or does not
    /// move. Only for the view of one ticket (it searches the calendar).
    pub(crate) async fn add_service_hours(
        &self,
        mut ex: Ex<'_>,
        status: &mut SlaStatus,
        now: i64,
    ) -> Result<()> {
        let Some(sla) = slas::get(ex.by_ref(), status.sla_id, date_of(now)).await? else {
            return Ok(());
        };
        let calendar = business_time(ex, sla.calendar_id).await?;
        let (open, change) = business_hours(calendar.as_ref(), instant(now));
        status.in_service_hours = Some(open);
        status.service_hours_change_at = change;
        Ok(())
    }
}

/// The first instant of `now`'s month, UTC, in stored microseconds.
fn month_start(now: i64) -> i64 {
    let d = date_of(now);
    jiff::civil::date(d.year(), d.month(), 1)
        .to_zoned_datetime(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp().as_microsecond())
        .unwrap_or(0)
}
