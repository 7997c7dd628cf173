//! SLAs: defined by managers, read by staff; changing one recomputes the clocks of the
//! tickets it governs, because clocks are derived from their events at read time.
use crate::app::instant;
use crate::app::{change, require};
use crate::resolution::tickets::{load_visible, require_kind};
use crate::{App, AppError, Result};
use steward_domain::delivery::supplier::AgreementKind;
use steward_domain::resolution::ticket::Priority;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::service_level::agreement_clock::AgreementCompliance;
use steward_domain::service_level::clock::ClockEventKind;
use steward_domain::service_level::clock::{ClockMetric, derive};
use steward_domain::service_level::sla::{Sla, SlaDraft, SlaInput, SlaLevel};
use steward_domain::service_level::ticket_clocks::ClockTimeline;
use steward_domain::{Actor, Permission};
use steward_store::{
    Tx, delivery::agreements, delivery::services, delivery::suppliers, foundation::orgs,
    foundation::teams, service_level::slas,
};

async fn check(tx: &mut Tx, id: Option<i64>, d: &SlaDraft, today: jiff::civil::Date) -> Result<()> {
    if let Some(service) = d.service_id
        && services::existing(tx.ex(), &[service]).await?.is_empty()
    {
        return Err(AppError::invalid(
            "service_id",
            format!("no service with id {service}"),
        ));
    }
    if let Some(team) = d.team_id
        && teams::get(tx.ex(), team).await?.is_none()
    {
        return Err(AppError::invalid(
            "team_id",
            format!("no team with id {team}"),
        ));
    }
    if let Some(supplier) = d.supplier_id
        && suppliers::get(tx.ex(), supplier).await?.is_none()
    {
        return Err(AppError::invalid(
            "supplier_id",
            format!("no supplier with id {supplier}"),
        ));
    }
    if let Some(agreement) = d.agreement_id {
        let Some(a) = agreements::get(tx.ex(), agreement, today).await? else {
            return Err(AppError::invalid(
                "agreement_id",
                format!("no agreement with id {agreement}"),
            ));
        };
        // The targets measure the agreement's own party.
        let matches = match d.level {
            SlaLevel::Ola => a.kind == AgreementKind::Ola && a.team_id == d.team_id,
            SlaLevel::UnderpinningContract => {
                a.kind == AgreementKind::UnderpinningContract && a.supplier_id == d.supplier_id
            }
            SlaLevel::Sla => false,
        };
        if !matches {
            return Err(AppError::invalid(
                "agreement_id",
                format!(
                    "agreement {agreement} is not an {} with the same {}",
                    d.level.label(),
                    if d.level == SlaLevel::Ola {
                        "team"
                    } else {
                        "supplier"
                    }
                ),
            ));
        }
    }
    let known = orgs::existing(tx.ex(), &d.organization_ids).await?;
    if let Some(missing) = d.organization_ids.iter().find(|o| !known.contains(o)) {
        return Err(AppError::invalid(
            "organization_ids",
            format!("no organization with id {missing}"),
        ));
    }
    if let Some(c) = d.calendar_id
        && slas::calendar(tx.ex(), c).await?.is_none()
    {
        return Err(AppError::invalid(
            "calendar_id",
            format!("no calendar with id {c}"),
        ));
    }
    if slas::name_taken(tx.ex(), &d.name, id).await? {
        return Err(AppError::conflict(
            Some("name"),
            format!("an SLA named {:?} exists", d.name),
        ));
    }
    Ok(())
}

impl App {
    /// Every SLA-engine record, or those of one level.
    pub async fn list_slas(&self, actor: &Actor, level: Option<SlaLevel>) -> Result<Vec<Sla>> {
        require(actor, Permission::ReadSlas)?;
        let mut conn = self.db.read().await?;
        let mut all = slas::list(conn.ex(), self.today()).await?;
        all.retain(|s| level.is_none_or(|l| s.level == l));
        Ok(all)
    }

    pub async fn get_sla(&self, actor: &Actor, id: i64) -> Result<Sla> {
        require(actor, Permission::ReadSlas)?;
        let mut conn = self.db.read().await?;
        slas::get(conn.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("SLA", id))
    }

    pub async fn create_sla(&self, actor: &Actor, input: SlaInput) -> Result<Sla> {
        require(actor, Permission::ManageSlas)?;
        let draft = input.parse(self.today())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check(&mut tx, None, &draft, self.today()).await?;
        let id = slas::insert(tx.ex(), &draft, now).await?;
        let sla = slas::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::Internal("the new SLA vanished".into()))?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "sla", id, "create", None, Some(&sla)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(sla)
    }

    /// Replaces an SLA's definition. Open tickets keep it and their clock events; their
    /// deadlines follow the new targets and calendar from the next read.
    pub async fn update_sla(&self, actor: &Actor, id: i64, input: SlaInput) -> Result<Sla> {
        require(actor, Permission::ManageSlas)?;
        let draft = input.parse(self.today())?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = slas::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("SLA", id))?;
        if before.level != draft.level {
            // Tickets' clocks were chosen and started by what the record is.
            return Err(AppError::invalid(
                "level",
                format!("an {} stays one; define a new record", before.level.label()),
            ));
        }
        check(&mut tx, Some(id), &draft, self.today()).await?;
        slas::update(tx.ex(), id, &draft, now).await?;
        let after = slas::get(tx.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::Internal("the SLA vanished".into()))?;
        self.audit(
            &mut tx,
            change(actor, "sla", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        // The scan's deadlines follow the new targets: at once when few tickets are open
        // under it, else in the background.
        let cause = format!(
            "{} {} changed (version {})",
            after.level.label(),
            after.name,
            after.version
        );
        self.recompute_clocks(&mut tx, id, None, ClockEventKind::SlaChanged, &cause, now)
            .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A ticket's SLA, clocks and every clock event with its cause.
    pub async fn ticket_clocks(
        &self,
        actor: &Actor,
        kind: TicketKind,
        id: i64,
    ) -> Result<ClockTimeline> {
        require(actor, Permission::ReadTickets)?;
        require_kind(actor, kind)?;
        let mut conn = self.db.read().await?;
        let ticket = load_visible(conn.ex(), actor, kind, id).await?;
        let sla = self.sla_status(conn.ex(), &ticket, self.now()).await?;
        let events = slas::clock_events(conn.ex(), id).await?;
        // OLAs and contracts are the provider's internal business.
        let agreements = if actor.role.is_staff() {
            self.agreement_status(conn.ex(), &ticket, self.now(), true)
                .await?
        } else {
            Vec::new()
        };
        Ok(ClockTimeline {
            sla,
            events,
            agreements,
        })
    }
}

impl App {
    /// Replays the records an SLA governed and that were resolved in a period, under changed
    /// targets and/or calendar, and compares the compliance with what it was.
    pub async fn simulate_sla(
        &self,
        actor: &Actor,
        id: i64,
        input: steward_domain::service_level::sla::SimulationInput,
    ) -> Result<steward_domain::service_level::sla::Simulation> {
        use steward_domain::service_level::clock::{ClockMetric, derive};
        use steward_domain::service_level::sla::{ComplianceSet, Simulation, Targets};
        require(actor, Permission::ReadSlas)?;
        let from = steward_domain::foundation::page::parse_instant("from", &input.from)?;
        let to = steward_domain::foundation::page::parse_instant("to", &input.to)?;
        if to <= from || (to - from).as_hours() > 366 * 24 {
            return Err(AppError::invalid(
                "to",
                "must be after from, and the period at most 366 days",
            ));
        }
        let mut conn = self.db.read().await?;
        let sla = slas::get(conn.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("SLA", id))?;
        let new_targets = match input.targets {
            Some(t) => {
                // Checked as a whole SLA would be.
                let probe = SlaInput {
                    name: sla.name.clone(),
                    level: Some(sla.level),
                    service_id: sla.service_id,
                    team_id: sla.team_id,
                    supplier_id: sla.supplier_id,
                    agreement_id: None,
                    organization_ids: vec![],
                    calendar_id: None,
                    targets: t,
                    response_on: None,
                    pause: vec![],
                    warning_percent: None,
                    workload_limit: None,
                    exceptions: vec![],
                    escalations: vec![],
                    review_interval_days: None,
                    last_reviewed_on: None,
                    active: None,
                };
                probe.parse(self.today())?.targets
            }
            None => sla.targets.clone(),
        };
        let new_calendar_id = input.calendar_id.unwrap_or(sla.calendar_id);
        if let Some(c) = new_calendar_id
            && slas::calendar(conn.ex(), c).await?.is_none()
        {
            return Err(AppError::invalid(
                "calendar_id",
                format!("no calendar with id {c}"),
            ));
        }
        let actual_calendar =
            crate::service_level::clocks::business_time(conn.ex(), sla.calendar_id).await?;
        let new_calendar =
            crate::service_level::clocks::business_time(conn.ex(), new_calendar_id).await?;
        if sla.level != SlaLevel::Sla {
            // An OLA or contract replays the stints that ended in the period.
            let (from_us, to_us) = (from.as_microsecond(), to.as_microsecond());
            let now = self.now();
            let events = steward_store::service_level::agreement_clocks::ended_between(
                conn.ex(),
                id,
                from_us,
                to_us,
            )
            .await?;
            let priorities = self.stint_priorities(conn.ex(), id, from_us, to_us).await?;
            let replay = |s: &Sla,
                          calendar: &dyn steward_domain::service_level::clock::BusinessTime,
                          events| {
                let mut set = ComplianceSet::default();
                let stints = crate::service_level::agreement_clocks::ended_stints(
                    s,
                    calendar,
                    events,
                    &priorities,
                    from_us,
                    to_us,
                    now,
                );
                for (response, resolution) in &stints {
                    set.response.count(response.as_ref().map(|v| v.state));
                    set.resolution.count(resolution.as_ref().map(|v| v.state));
                }
                (stints.len() as i64, set)
            };
            let changed = Sla {
                targets: new_targets,
                ..sla.clone()
            };
            let (records, actual) = replay(&sla, actual_calendar.as_ref(), events.clone());
            let (_, simulated) = replay(&changed, new_calendar.as_ref(), events);
            return Ok(Simulation {
                records,
                actual,
                simulated,
            });
        }
        let records =
            slas::resolved_under(conn.ex(), id, from.as_microsecond(), to.as_microsecond()).await?;
        let now = instant(self.now());
        let mut actual = ComplianceSet::default();
        let mut simulated = ComplianceSet::default();
        let target_for = |targets: &std::collections::BTreeMap<String, Targets>, p: i64| {
            targets.get(&format!("P{p}")).copied()
        };
        for (ticket, priority) in &records {
            let events = slas::clock_events(conn.ex(), *ticket).await?;
            for metric in [ClockMetric::Response, ClockMetric::Resolution] {
                let of: Vec<_> = events
                    .iter()
                    .filter(|e| e.metric == metric)
                    .map(|e| e.event())
                    .collect();
                let seconds = |t: Targets| match metric {
                    ClockMetric::Response => t.response_seconds,
                    ClockMetric::Resolution => t.resolution_seconds,
                };
                let state =
                    |targets, calendar: &dyn steward_domain::service_level::clock::BusinessTime| {
                        target_for(targets, *priority).map(|t| {
                            derive(&of, seconds(t), sla.warning_percent, calendar, now).state
                        })
                    };
                let was = state(&sla.targets, actual_calendar.as_ref());
                let would = state(&new_targets, new_calendar.as_ref());
                match metric {
                    ClockMetric::Response => {
                        actual.response.count(was);
                        simulated.response.count(would);
                    }
                    ClockMetric::Resolution => {
                        actual.resolution.count(was);
                        simulated.resolution.count(would);
                    }
                }
            }
        }
        Ok(Simulation {
            records: records.len() as i64,
            actual,
            simulated,
        })
    }
}

impl App {
    /// What an SLA, OLA or underpinning contract achieved over [from, to): met and breached
    /// counts per metric under its current targets and calendar. An SLA counts the records
    /// it governed that were resolved in the period; an OLA or contract, its stints (each
    /// time a ticket was with the team or supplier) that ended in the period.
    pub async fn sla_compliance(
        &self,
        actor: &Actor,
        id: i64,
        from: &str,
        to: &str,
    ) -> Result<AgreementCompliance> {
        use steward_domain::service_level::sla::ComplianceSet;
        require(actor, Permission::ReadSlas)?;
        let from_at = steward_domain::foundation::page::parse_instant("from", from)?;
        let to_at = steward_domain::foundation::page::parse_instant("to", to)?;
        if to_at <= from_at || (to_at - from_at).as_hours() > 366 * 24 {
            return Err(AppError::invalid(
                "to",
                "must be after from, and the period at most 366 days",
            ));
        }
        let (from_us, to_us) = (from_at.as_microsecond(), to_at.as_microsecond());
        let mut conn = self.db.read().await?;
        let sla = slas::get(conn.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("SLA", id))?;
        let calendar =
            crate::service_level::clocks::business_time(conn.ex(), sla.calendar_id).await?;
        let now = self.now();
        let mut set = ComplianceSet::default();
        let measured = if sla.level == SlaLevel::Sla {
            let records = slas::resolved_under(conn.ex(), id, from_us, to_us).await?;
            for (ticket, priority) in &records {
                let events = slas::clock_events(conn.ex(), *ticket).await?;
                let targets = sla.targets.get(&format!("P{priority}")).copied();
                for metric in [ClockMetric::Response, ClockMetric::Resolution] {
                    let of: Vec<_> = events
                        .iter()
                        .filter(|e| e.metric == metric)
                        .map(|e| e.event())
                        .collect();
                    let state = targets.map(|t| {
                        let target = match metric {
                            ClockMetric::Response => t.response_seconds,
                            ClockMetric::Resolution => t.resolution_seconds,
                        };
                        derive(
                            &of,
                            target,
                            sla.warning_percent,
                            calendar.as_ref(),
                            instant(now),
                        )
                        .state
                    });
                    match metric {
                        ClockMetric::Response => set.response.count(state),
                        ClockMetric::Resolution => set.resolution.count(state),
                    }
                }
            }
            records.len() as i64
        } else {
            let events = steward_store::service_level::agreement_clocks::ended_between(
                conn.ex(),
                id,
                from_us,
                to_us,
            )
            .await?;
            let priorities = self.stint_priorities(conn.ex(), id, from_us, to_us).await?;
            let stints = crate::service_level::agreement_clocks::ended_stints(
                &sla,
                calendar.as_ref(),
                events,
                &priorities,
                from_us,
                to_us,
                now,
            );
            for (response, resolution) in &stints {
                set.response.count(response.as_ref().map(|v| v.state));
                set.resolution.count(resolution.as_ref().map(|v| v.state));
            }
            stints.len() as i64
        };
        Ok(AgreementCompliance {
            sla_id: sla.id,
            name: sla.name,
            level: sla.level,
            agreement_id: sla.agreement_id,
            team_id: sla.team_id,
            supplier_id: sla.supplier_id,
            from: steward_domain::foundation::page::rfc3339_micros(from_us),
            to: steward_domain::foundation::page::rfc3339_micros(to_us),
            measured,
            response: set.response,
            resolution: set.resolution,
        })
    }
}

impl App {
    /// The priorities of the tickets whose stints of an agreement ended in [from, to).
    async fn stint_priorities(
        &self,
        ex: steward_store::Ex<'_>,
        sla: i64,
        from: i64,
        to: i64,
    ) -> Result<std::collections::HashMap<i64, Priority>> {
        Ok(
            steward_store::service_level::agreement_clocks::priorities(ex, sla, from, to)
                .await?
                .into_iter()
                .filter_map(|(t, p)| Some((t, Priority::new(u8::try_from(p).ok()?)?)))
                .collect(),
        )
    }

    /// Each covered customer's incidents and requests in a month (`YYYY-MM`, default this
    /// month) against the SLA's workload limit.
    pub async fn sla_workload(
        &self,
        actor: &Actor,
        id: i64,
        month: Option<&str>,
    ) -> Result<Vec<steward_domain::service_level::sla::Workload>> {
        require(actor, Permission::ReadSlas)?;
        let first = match month {
            Some(m) => jiff::civil::Date::strptime("%Y-%m-%d", format!("{m}-01"))
                .map_err(|_| AppError::invalid("month", "write the month as YYYY-MM"))?,
            None => self.today().first_of_month(),
        };
        let next = first
            .checked_add(jiff::Span::new().months(1))
            .map_err(|_| AppError::invalid("month", "out of range"))?;
        let micros = |d: jiff::civil::Date| -> Result<i64> {
            Ok(d.to_zoned_datetime(jiff::tz::TimeZone::UTC)
                .map_err(|_| AppError::invalid("month", "out of range"))?
                .timestamp()
                .as_microsecond())
        };
        let mut conn = self.db.read().await?;
        let sla = slas::get(conn.ex(), id, self.today())
            .await?
            .ok_or_else(|| AppError::not_found("SLA", id))?;
        // OLAs and contracts have no customers, hence no workload.
        let Some(service) = sla.service_id.filter(|_| sla.level == SlaLevel::Sla) else {
            return Ok(Vec::new());
        };
        let counts = slas::workload(conn.ex(), service, micros(first)?, micros(next)?).await?;
        let limit = sla.workload_limit.map(|l| l.per_month);
        Ok(counts
            .into_iter()
            .filter(|(org, _)| {
                sla.organization_ids.is_empty() || sla.organization_ids.contains(org)
            })
            .map(
                |(organization_id, records)| steward_domain::service_level::sla::Workload {
                    organization_id,
                    records,
                    limit,
                    exceeded: limit.is_some_and(|l| records > l),
                },
            )
            .collect())
    }
}
