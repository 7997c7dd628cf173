//! The desk settings: which ticket fields customers may set, and whether their replies resume
//! records pending on them. Stored as a run-time setting, changed with the audit trail.
use crate::app::require;
use crate::{App, Result};
use steward_domain::resolution::desk::DeskSettings;
use steward_domain::resolution::ticket::{Level, TicketField};
use steward_domain::{Actor, Permission, Scope};
use steward_store::Ex;

pub(crate) const DESK: &str = "desk_settings";

pub(crate) async fn desk(ex: Ex<'_>) -> Result<DeskSettings> {
    crate::foundation::settings::read(ex, DESK).await
}

/// Refuses (422 on the field) impact or urgency from a customer raising a record when the
/// desk settings do not let customers set it; staff set both.
pub(crate) fn customer_levels(
    actor: &Actor,
    settings: &DeskSettings,
    impact: Option<Level>,
    urgency: Option<Level>,
) -> Result<()> {
    if !matches!(actor.scope(), Scope::Organization(_)) {
        return Ok(());
    }
    let given: Vec<TicketField> = [
        (impact.is_some(), TicketField::Impact),
        (urgency.is_some(), TicketField::Urgency),
    ]
    .into_iter()
    .filter_map(|(set, f)| set.then_some(f))
    .collect();
    Ok(settings.refuse_for_customer(&given)?)
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
