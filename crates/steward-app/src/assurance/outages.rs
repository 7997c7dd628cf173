//! Outages and maintenance windows of a service, and its availability computed from them.
//! Staff record and correct outages; deleting one is for those who manage services. Each change
//! is in the audit trail.
use crate::app::{change, require};
use crate::service_level::calendars::parse_stored;
use crate::{App, AppError, Result};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use steward_domain::assurance::availability::{
    AvailabilityReport, Span, availability, measured_from, records_begin,
};
use steward_domain::assurance::outage::{
    Outage, OutageDraft, OutageInput, OutagePatch, weekly_series,
};
use steward_domain::delivery::service::Service;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::service_level::calendar::Calendar;
use steward_domain::{Actor, Permission};
use steward_store::assurance::outages;
use steward_store::delivery::services;
use steward_store::resolution::tickets;
use steward_store::service_level::slas;
use steward_store::{Ex, Tx};

async fn service(ex: Ex<'_>, id: i64) -> Result<Service> {
    services::get(ex, id)
        .await?
        .ok_or_else(|| AppError::not_found("service", id))
}

/// When Steward's records of the service begin (see [`records_begin`]).
pub(crate) async fn records_begin_of(ex: Ex<'_>, s: &Service) -> Result<i64> {
    let created = s
        .created_at
        .parse::<Timestamp>()
        .map_err(|e| AppError::Internal(format!("a service's creation time: {e}")))?
        .as_microsecond();
    Ok(records_begin(
        created,
        outages::earliest_start(ex, s.id).await?,
    ))
}

/// The calendar of a service's hours; none means around the clock.
pub(crate) async fn service_calendar(ex: Ex<'_>, s: &Service) -> Result<Option<Calendar>> {
    let Some(id) = s.service_hours_calendar_id else {
        return Ok(None);
    };
    let (_, definition, _) = slas::calendar(ex, id)
        .await?
        .ok_or_else(|| AppError::Internal(format!("calendar {id} is missing")))?;
    Ok(Some(parse_stored(&definition)?))
}

fn instant(field: &str, micros: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(micros).map_err(|_| AppError::invalid(field, "is out of range"))
}

/// Stored outages as the availability rule reads them.
pub(crate) fn spans(found: &[(Outage, OutageDraft)]) -> Result<Vec<Span>> {
    found
        .iter()
        .map(|(_, d)| {
            Ok(Span {
                start: instant("start", d.start)?,
                end: d.end.map(|e| instant("end", e)).transpose()?,
                kind: d.kind,
            })
        })
        .collect()
}

async fn check_incident(tx: &mut Tx, incident: Option<i64>) -> Result<()> {
    if let Some(id) = incident
        && tickets::get(tx.ex(), TicketKind::Incident, id)
            .await?
            .is_none()
    {
        return Err(AppError::invalid(
            "incident_id",
            format!("no incident with id {id}"),
        ));
    }
    Ok(())
}

impl App {
    /// Records an outage or a maintenance window; a window that repeats weekly is recorded as
    /// one window per week (answered with the first), all in one transaction.
    pub async fn record_outage(
        &self,
        actor: &Actor,
        service_id: i64,
        input: OutageInput,
    ) -> Result<Outage> {
        require(actor, Permission::WorkTickets)?;
        require(actor, Permission::ReadServices)?;
        let now = self.now();
        let (draft, until) = input.parse_series(now)?;
        let mut tx = self.db.begin().await?;
        let s = service(tx.ex(), service_id).await?;
        check_incident(&mut tx, draft.incident_id).await?;
        let windows = match until {
            Some(until) => {
                let zone = service_calendar(tx.ex(), &s)
                    .await?
                    .map_or(TimeZone::UTC, |c| c.time_zone().clone());
                weekly_series(&draft, until, &zone)?
            }
            None => vec![draft],
        };
        // Each window is inserted with its series (the first window's id) and audited.
        let mut first: Option<Outage> = None;
        for window in &windows {
            let series = first.as_ref().map(|f| f.id);
            let mut outage =
                outages::insert_in_series(tx.ex(), service_id, window, series, now).await?;
            if first.is_none() && until.is_some() {
                outage = outages::start_series(tx.ex(), outage.id).await?;
            }
            self.audit(
                &mut tx,
                change::<(), _>(actor, "outage", outage.id, "create", None, Some(&outage)),
                now,
            )
            .await?;
            first.get_or_insert(outage);
        }
        tx.commit().await?;
        first.ok_or_else(|| AppError::Internal("no window was recorded".into()))
    }

    /// A service's outages overlapping `[from, to)` (microseconds; none: unbounded).
    pub async fn list_outages(
        &self,
        actor: &Actor,
        service_id: i64,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<Outage>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        service(conn.ex(), service_id).await?;
        Ok(outages::overlapping(conn.ex(), service_id, from, to)
            .await?
            .into_iter()
            .map(|(o, _)| o)
            .collect())
    }

    pub async fn get_outage(&self, actor: &Actor, service_id: i64, id: i64) -> Result<Outage> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        outages::get(conn.ex(), service_id, id)
            .await?
            .map(|(o, _)| o)
            .ok_or_else(|| AppError::not_found("outage", id))
    }

    /// Corrects an outage or closes an open one (by setting its end).
    pub async fn update_outage(
        &self,
        actor: &Actor,
        service_id: i64,
        id: i64,
        patch: OutagePatch,
    ) -> Result<Outage> {
        require(actor, Permission::WorkTickets)?;
        require(actor, Permission::ReadServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (before, current) = outages::get(tx.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("outage", id))?;
        let next = patch.apply(&current, now)?;
        check_incident(&mut tx, next.incident_id).await?;
        let after = outages::update(tx.ex(), id, &next, now).await?;
        self.audit(
            &mut tx,
            change(actor, "outage", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes an outage; with `following`, also the later windows of its weekly series
    /// (cancelling the rest of a maintenance schedule). Returns how many were deleted.
    pub async fn delete_outage(
        &self,
        actor: &Actor,
        service_id: i64,
        id: i64,
        following: bool,
    ) -> Result<u64> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (outage, draft) = outages::get(tx.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("outage", id))?;
        let doomed = match outage.series_id {
            Some(series) if following => {
                outages::series_from(tx.ex(), service_id, series, draft.start).await?
            }
            _ => vec![(outage, draft)],
        };
        for (before, _) in &doomed {
            outages::delete(tx.ex(), before.id).await?;
            self.audit(
                &mut tx,
                change::<_, ()>(actor, "outage", before.id, "delete", Some(before), None),
                now,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(doomed.len() as u64)
    }

    /// A service's availability over `[from, to)` (microseconds) against its service hours
    /// and target.
    pub async fn service_availability(
        &self,
        actor: &Actor,
        service_id: i64,
        from: i64,
        to: i64,
    ) -> Result<AvailabilityReport> {
        require(actor, Permission::ReadServices)?;
        if to <= from {
            return Err(AppError::invalid("to", "must be after from"));
        }
        instant("from", from)?;
        let (end, now) = (instant("to", to)?, instant("now", self.now())?);
        let mut conn = self.db.read().await?;
        let s = service(conn.ex(), service_id).await?;
        let calendar = service_calendar(conn.ex(), &s).await?;
        let records_from = records_begin_of(conn.ex(), &s).await?;
        let measured_from = measured_from(from, to, records_from);
        let found = outages::overlapping(conn.ex(), service_id, Some(from), Some(to)).await?;
        let spans = spans(&found)?;
        let mut figures = availability(
            calendar.as_ref(),
            instant("from", measured_from)?,
            end,
            now,
            &spans,
            s.availability_target_percent,
        )
        .map_err(|e| AppError::Internal(format!("business time failed: {e}")))?;
        if measured_from >= to {
            figures.reason = Some(format!(
                "Steward has no records of this service before {}: it was recorded, or its first outage began, after this period",
                rfc3339_micros(records_from)
            ));
        }
        Ok(AvailabilityReport {
            service_id,
            service: s.name,
            from: rfc3339_micros(from),
            to: rfc3339_micros(to),
            measured_from: rfc3339_micros(measured_from),
            calendar_id: s.service_hours_calendar_id,
            figures,
            outages: found.into_iter().map(|(o, _)| o).collect(),
        })
    }
}
