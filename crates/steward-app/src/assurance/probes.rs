//! Health probes of a service: those who manage services set them up; staff read them, their
//! latest results, and the failed checks that opened an outage. Each change is audited.
use crate::app::{change, require};
use crate::{App, AppError, Result};
use steward_domain::assurance::probe::{Probe, ProbeInput, ProbeResult};
use steward_domain::{Actor, Permission};
use steward_store::Ex;
use steward_store::assurance::probes;
use steward_store::delivery::services;

/// The most results one read returns.
pub const RESULTS_MAX: i64 = 500;

async fn check_service(ex: Ex<'_>, id: i64) -> Result<()> {
    services::get(ex, id)
        .await?
        .map(|_| ())
        .ok_or_else(|| AppError::not_found("service", id))
}

impl App {
    pub async fn create_probe(
        &self,
        actor: &Actor,
        service_id: i64,
        input: ProbeInput,
    ) -> Result<Probe> {
        require(actor, Permission::ManageServices)?;
        let config = input.apply(None)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_service(tx.ex(), service_id).await?;
        // The first check runs at once.
        let probe = probes::insert(tx.ex(), service_id, &config, now, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "probe", probe.id, "create", None, Some(&probe)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(probe)
    }

    pub async fn list_probes(&self, actor: &Actor, service_id: i64) -> Result<Vec<Probe>> {
        require(actor, Permission::ReadServices)?;
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        check_service(conn.ex(), service_id).await?;
        Ok(probes::list(conn.ex(), service_id).await?)
    }

    /// Every service's probes, in one read.
    pub async fn all_probes(&self, actor: &Actor) -> Result<Vec<Probe>> {
        require(actor, Permission::ReadServices)?;
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        Ok(probes::list_all(conn.ex()).await?)
    }

    pub async fn get_probe(&self, actor: &Actor, service_id: i64, id: i64) -> Result<Probe> {
        require(actor, Permission::ReadServices)?;
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        probes::get(conn.ex(), service_id, id)
            .await?
            .map(|s| s.probe)
            .ok_or_else(|| AppError::not_found("probe", id))
    }

    /// Changes a probe's configuration; its next check runs at once, so a corrected address
    /// is tried without waiting out the old interval.
    pub async fn update_probe(
        &self,
        actor: &Actor,
        service_id: i64,
        id: i64,
        input: ProbeInput,
    ) -> Result<Probe> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = probes::get(tx.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("probe", id))?
            .probe;
        let config = input.apply(Some(&before.config))?;
        let after = probes::update_config(tx.ex(), id, &config, now, now).await?;
        self.audit(
            &mut tx,
            change(actor, "probe", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a probe and its results; an outage it opened stays, open until staff end it.
    pub async fn delete_probe(&self, actor: &Actor, service_id: i64, id: i64) -> Result<()> {
        require(actor, Permission::ManageServices)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = probes::get(tx.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("probe", id))?
            .probe;
        probes::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "probe", id, "delete", Some(&before), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A probe's latest results, newest first (at most [`RESULTS_MAX`]).
    pub async fn probe_results(
        &self,
        actor: &Actor,
        service_id: i64,
        id: i64,
        limit: i64,
    ) -> Result<Vec<ProbeResult>> {
        require(actor, Permission::ReadServices)?;
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        probes::get(conn.ex(), service_id, id)
            .await?
            .ok_or_else(|| AppError::not_found("probe", id))?;
        Ok(probes::results(conn.ex(), id, limit.clamp(1, RESULTS_MAX)).await?)
    }

    /// The failed checks that opened an outage of the service (none for one staff recorded).
    pub async fn outage_checks(
        &self,
        actor: &Actor,
        service_id: i64,
        outage_id: i64,
    ) -> Result<Vec<ProbeResult>> {
        require(actor, Permission::ReadServices)?;
        let mut conn = self.db.read().await?;
        steward_store::assurance::outages::get(conn.ex(), service_id, outage_id)
            .await?
            .ok_or_else(|| AppError::not_found("outage", outage_id))?;
        Ok(probes::results_of_outage(conn.ex(), outage_id).await?)
    }
}
