//! Business calendars: stored as the JSON the API accepts, parsed into the domain's
//! calendar for every computation. Changing one recomputes the deadlines of the open tickets
//! whose SLA uses it.
use crate::app::{change, require};
use crate::service_level::recomputes::{SHOWN, view};
use crate::{App, AppError, Result};
use steward_domain::service_level::calendar::{
    Calendar, CalendarSpec, StoredCalendar, holidays_from_ics,
};
use steward_domain::service_level::clock::ClockEventKind;
use steward_domain::service_level::recompute::ClockRecompute;
use steward_domain::{Actor, Permission};
use steward_store::service_level::recomputes;
use steward_store::{Tx, service_level::slas};

/// The calendar a stored definition describes.
pub(crate) fn parse_stored(definition: &str) -> Result<Calendar> {
    let spec: CalendarSpec = serde_json::from_str(definition)
        .map_err(|e| AppError::Internal(format!("a stored calendar is unreadable: {e}")))?;
    spec.parse()
        .map_err(|e| AppError::Internal(format!("a stored calendar is invalid: {e}")))
}

fn stored(id: i64, definition: &str, version: i64) -> Result<StoredCalendar> {
    Ok(StoredCalendar {
        id,
        version,
        calendar: parse_stored(definition)?.spec(),
        recomputes: Vec::new(),
    })
}

impl App {
    pub async fn list_calendars(&self, actor: &Actor) -> Result<Vec<StoredCalendar>> {
        require(actor, Permission::ReadSlas)?;
        let mut conn = self.db.read().await?;
        slas::calendars(conn.ex())
            .await?
            .iter()
            .map(|(id, _, def, version)| stored(*id, def, *version))
            .collect()
    }

    pub async fn get_calendar(&self, actor: &Actor, id: i64) -> Result<StoredCalendar> {
        require(actor, Permission::ReadSlas)?;
        let mut conn = self.db.read().await?;
        let (_, def, version) = slas::calendar(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("calendar", id))?;
        let mut c = stored(id, &def, version)?;
        c.recomputes = calendar_recomputes(conn.ex(), id).await?;
        Ok(c)
    }

    pub async fn create_calendar(
        &self,
        actor: &Actor,
        spec: CalendarSpec,
    ) -> Result<StoredCalendar> {
        require(actor, Permission::ManageSlas)?;
        let calendar = spec.parse_to_store()?;
        let definition = definition(&calendar)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let id = slas::insert_calendar(tx.ex(), calendar.name(), &definition, now).await?;
        let created = stored(id, &definition, 1)?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "calendar", id, "create", None, Some(&created)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Replaces a calendar; the clocks that count in it follow at once.
    pub async fn update_calendar(
        &self,
        actor: &Actor,
        id: i64,
        spec: CalendarSpec,
    ) -> Result<StoredCalendar> {
        require(actor, Permission::ManageSlas)?;
        let calendar = spec.parse_to_store()?;
        self.replace_calendar(actor, id, "update", |_| Ok(calendar))
            .await
    }

    /// Adds the all-day events of an iCalendar file as holidays. The stored calendar is read
    /// in the same transaction that replaces it, so a concurrent change is not lost.
    pub async fn import_holidays(
        &self,
        actor: &Actor,
        id: i64,
        ics: &str,
    ) -> Result<StoredCalendar> {
        require(actor, Permission::ManageSlas)?;
        let dates = holidays_from_ics(ics)?;
        self.replace_calendar(actor, id, "import_holidays", |mut current| {
            current.add_holidays(dates);
            Ok(current)
        })
        .await
    }

    /// Replaces a stored calendar with what `next` makes of it, audited, and recomputes the
    /// clocks that count in it.
    async fn replace_calendar(
        &self,
        actor: &Actor,
        id: i64,
        action: &str,
        next: impl FnOnce(Calendar) -> Result<Calendar>,
    ) -> Result<StoredCalendar> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (_, before_def, before_version) = slas::calendar(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("calendar", id))?;
        let before = stored(id, &before_def, before_version)?;
        let calendar = next(parse_stored(&before_def)?)?;
        let definition = definition(&calendar)?;
        slas::update_calendar(tx.ex(), id, calendar.name(), &definition, now).await?;
        let mut after = stored(id, &definition, before_version + 1)?;
        self.audit(
            &mut tx,
            change(actor, "calendar", id, action, Some(&before), Some(&after)),
            now,
        )
        .await?;
        self.refresh_calendar_clocks(&mut tx, id, now).await?;
        after.recomputes = calendar_recomputes(tx.ex(), id).await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Recomputes the scan deadlines of every open ticket whose SLA, OLA or contract counts in
    /// this calendar: at once when few, else in the background.
    async fn refresh_calendar_clocks(&self, tx: &mut Tx, calendar: i64, now: i64) -> Result<()> {
        let cause = format!("calendar {calendar} changed");
        for sla in slas::using_calendar(tx.ex(), calendar).await? {
            self.recompute_clocks(
                tx,
                sla,
                Some(calendar),
                ClockEventKind::CalendarChanged,
                &cause,
                now,
            )
            .await?;
        }
        Ok(())
    }
}

/// The latest recomputes a calendar's changes asked for, newest first.
async fn calendar_recomputes(ex: steward_store::Ex<'_>, id: i64) -> Result<Vec<ClockRecompute>> {
    Ok(recomputes::of_calendar(ex, id, SHOWN)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

fn definition(calendar: &Calendar) -> Result<String> {
    serde_json::to_string(&calendar.spec()).map_err(|e| AppError::Internal(e.to_string()))
}
