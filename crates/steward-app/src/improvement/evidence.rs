//! The evidence map: reads the figures from the live records, measures last month's
//! availability the way the availability report does, and runs the domain's checks. A daily
//! snapshot keeps the map's history so progress towards the audit shows.
use crate::app::require;
use crate::improvement::improvements::day_start;
use crate::{App, AppError, Result};
use jiff::ToSpan;
use steward_domain::Actor;
use steward_domain::Permission;
use steward_domain::delivery::service::ServiceStatus;
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::improvement::evidence::figures::{Figures, RecordRef};
use steward_domain::improvement::evidence::{EvidenceMap, HistoryDay, assess};
use steward_store::delivery::services;
use steward_store::foundation::leases;
use steward_store::improvement::evidence as store;

const LEASE: &str = "conformity-snapshot";
/// Days of history the page and the API show.
pub const HISTORY_DAYS: i64 = 90;

impl App {
    /// The map as of now, for staff and auditors.
    pub async fn conformity_map(&self, actor: &Actor) -> Result<EvidenceMap> {
        require(actor, Permission::ReadSystem)?;
        self.evidence_map().await
    }

    /// The map for operators (the `steward conformity` command), who act as the system.
    pub async fn evidence_map(&self) -> Result<EvidenceMap> {
        Ok(assess(&self.evidence_figures().await?))
    }

    async fn evidence_figures(&self) -> Result<Figures> {
        let now = self.now();
        let today = self.today();
        let this_month = today.first_of_month();
        let internal = |e: jiff::Error| AppError::Internal(e.to_string());
        let last_month = this_month.checked_sub(1.month()).map_err(internal)?;
        let month_before = last_month.checked_sub(1.month()).map_err(internal)?;
        let when = store::When {
            today,
            now,
            months: [
                day_start(month_before)?,
                day_start(last_month)?,
                day_start(this_month)?,
            ],
        };
        let (from, to) = (when.months[1], when.months[2]);
        let mut conn = self.db.read().await?;
        let mut ex = conn.ex();
        let mut figures = store::figures(ex.by_ref(), &when).await?;

        // Availability against target, measured as the report measures it.
        let live = services::Filter {
            status: Some(ServiceStatus::Live),
            ..Default::default()
        };
        let page = PageRequest {
            limit: 10_000,
            offset: 0,
        };
        let list = services::list(ex.by_ref(), &live, page).await?.0;
        let investigated = store::investigated(ex.by_ref(), &figures.last_month).await?;
        let inputs = crate::assurance::report::Inputs::load(ex, from, to).await?;
        for s in list
            .iter()
            .filter(|s| s.availability_target_percent.is_some())
        {
            let measured = inputs.measure(s, (from, to), now)?;
            if measured.met == Some(false) && !investigated.contains(&s.id) {
                figures.services.missed_uninvestigated.push(RecordRef::new(
                    &s.name,
                    format!("/manage/services/{}/investigations", s.id),
                ));
            }
        }
        Ok(figures)
    }

    /// Stores today's map once; None when another node holds the lease, else whether a
    /// snapshot was stored.
    pub async fn snapshot_conformity(&self, node: &str) -> Result<Option<bool>> {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if !leases::try_acquire(tx.ex(), LEASE, node, now, now + 600_000_000).await? {
            tx.commit().await?;
            return Ok(None);
        }
        tx.commit().await?;
        let map = self.evidence_map().await?;
        let content = serde_json::to_string(&map).map_err(|e| AppError::Internal(e.to_string()))?;
        let snapshot = store::Snapshot {
            day: map.as_of.clone(),
            green: map.totals.green,
            amber: map.totals.amber,
            red: map.totals.red,
            not_assessed: map.totals.not_assessed,
            taken_at: now,
        };
        let mut tx = self.db.begin().await?;
        let stored = store::insert_snapshot(tx.ex(), &snapshot, &content).await?;
        tx.commit().await?;
        Ok(Some(stored))
    }

    /// The map's daily history, newest first.
    pub async fn conformity_history(&self, actor: &Actor) -> Result<Vec<HistoryDay>> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        Ok(store::snapshots(conn.ex(), HISTORY_DAYS)
            .await?
            .into_iter()
            .map(|s| HistoryDay {
                day: s.day,
                green: s.green,
                amber: s.amber,
                red: s.red,
                not_assessed: s.not_assessed,
                taken_at: rfc3339_micros(s.taken_at),
            })
            .collect())
    }
}
