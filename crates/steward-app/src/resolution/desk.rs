//! The desk settings: which ticket fields customers may set, and whether their replies resume
//! records pending on them. Stored as a run-time setting, changed with the audit trail.
use crate::app::require;
use crate::{App, AppError, Result};
use steward_domain::resolution::desk::DeskSettings;
use steward_domain::resolution::ticket::{Level, TicketField};
use steward_domain::{Actor, Permission, Scope};
use steward_store::Ex;

const DESK: &str = "desk_settings";

pub(crate) async fn desk(ex: Ex<'_>) -> Result<DeskSettings> {
    crate::foundation::settings::read(ex, DESK).await
}

/// Refuses (422 on the field) what a customer may not set when raising a record: impact and
/// urgency beyond the desk's default need the desk settings' leave.
pub(crate) fn customer_levels(
    actor: &Actor,
    settings: &DeskSettings,
    impact: Option<Level>,
    urgency: Option<Level>,
) -> Result<()> {
    if !matches!(actor.scope(), Scope::Organization(_)) {
        return Ok(());
    }
    for (field, given) in [
        (TicketField::Impact, impact),
        (TicketField::Urgency, urgency),
    ] {
        if given.is_some() && !settings.customer_may(field) {
            return Err(AppError::invalid(
                field.as_str(),
                "is set by the service desk, not by customers",
            ));
        }
    }
    Ok(())
}

impl App {
    pub async fn desk_settings(&self, actor: &Actor) -> Result<DeskSettings> {
        require(actor, Permission::ReadTickets)?;
        let mut conn = self.db.read().await?;
        desk(conn.ex()).await
    }

    pub async fn set_desk_settings(
        &self,
        actor: &Actor,
        settings: DeskSettings,
    ) -> Result<DeskSettings> {
        require(actor, Permission::ConfigureTickets)?;
        settings.check()?;
        self.replace_setting(actor, DESK, &settings).await?;
        Ok(settings)
    }
}
