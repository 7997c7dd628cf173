//! Availability following the incident record: a major incident on a service opens an outage
//! of it, and resolving or cancelling the incident ends that outage, in the same transaction
//! as the incident's own change (configurable, on by default).
use crate::app::change;
use crate::{App, Result};
use steward_domain::Actor;
use steward_domain::assurance::outage::{OutageDraft, OutageKind};
use steward_domain::assurance::settings::AssuranceSettings;
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::ticket::TicketKind;
use steward_store::Tx;
use steward_store::assurance::outages;

pub(crate) const SETTINGS: &str = "assurance_settings";

impl App {
    /// Opens an outage of the major incident's service, unless the setting is off, the
    /// incident names no service, or it already has an open one.
    pub(crate) async fn outage_for_major(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        incident: &Ticket,
        now: i64,
    ) -> Result<()> {
        let settings: AssuranceSettings =
            crate::foundation::settings::read(tx.ex(), SETTINGS).await?;
        let Some(service) = incident.service_id else {
            return Ok(());
        };
        if !settings.major_incident_opens_outage
            || incident.kind != TicketKind::Incident
            || !outages::open_for_incident(tx.ex(), incident.id)
                .await?
                .is_empty()
        {
            return Ok(());
        }
        let draft = OutageDraft {
            kind: OutageKind::Unplanned,
            start: now,
            end: None,
            incident_id: Some(incident.id),
            note: Some(format!(
                "Opened when {} was declared a major incident.",
                incident.number
            )),
        };
        let outage = outages::insert(tx.ex(), service, &draft, now).await?;
        self.audit(
            tx,
            change::<(), _>(actor, "outage", outage.id, "create", None, Some(&outage)),
            now,
        )
        .await
    }

    /// Ends the open outages an incident records, when it is resolved or cancelled.
    pub(crate) async fn end_outages_of(
        &self,
        tx: &mut Tx,
        actor: &Actor,
        incident: &Ticket,
        now: i64,
    ) -> Result<()> {
        let settings: AssuranceSettings =
            crate::foundation::settings::read(tx.ex(), SETTINGS).await?;
        if !settings.major_incident_opens_outage {
            return Ok(());
        }
        for (before, mut draft) in outages::open_for_incident(tx.ex(), incident.id).await? {
            draft.end = Some(now.max(draft.start));
            let after = outages::update(tx.ex(), before.id, &draft, now).await?;
            self.audit(
                tx,
                change(
                    actor,
                    "outage",
                    before.id,
                    "update",
                    Some(&before),
                    Some(&after),
                ),
                now,
            )
            .await?;
        }
        Ok(())
    }

    pub async fn assurance_settings(&self, actor: &Actor) -> Result<AssuranceSettings> {
        crate::app::require(actor, steward_domain::Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        crate::foundation::settings::read(conn.ex(), SETTINGS).await
    }

    pub async fn set_assurance_settings(
        &self,
        actor: &Actor,
        settings: AssuranceSettings,
    ) -> Result<AssuranceSettings> {
        crate::app::require(actor, steward_domain::Permission::ManageServices)?;
        self.replace_setting(actor, SETTINGS, &settings).await?;
        Ok(settings)
    }
}
