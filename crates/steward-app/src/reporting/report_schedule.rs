//! Report definitions and scheduled snapshots: on schedule each definition's reports are
//! generated for the last complete period and stored immutably with a SHA-256 of their
//! content; decisions and actions taken from a report are recorded against its snapshot.
use crate::app::{change, require};
use crate::{App, AppError, Result};
use sha2::{Digest, Sha256};
use steward_domain::reporting::report::ReportParams;
use steward_domain::reporting::report::schedule::{
    ActionInput, Definition, DefinitionDraft, DefinitionInput, ReportAction, Snapshot,
    last_complete_period, next_run,
};
use steward_domain::{Actor, Permission};
use steward_store::{
    Tx, delivery::services, foundation::leases, foundation::orgs, foundation::teams,
    reporting::report_definitions as defs,
};

const SCHEDULER: &str = "report-scheduler";

async fn check(tx: &mut Tx, id: Option<i64>, d: &DefinitionDraft) -> Result<()> {
    if defs::name_taken(tx.ex(), &d.name, id).await? {
        return Err(AppError::conflict(
            Some("name"),
            format!("a report definition named {:?} exists", d.name),
        ));
    }
    if let Some(s) = d.filters.service_id
        && services::existing(tx.ex(), &[s]).await?.is_empty()
    {
        return Err(AppError::invalid(
            "service_id",
            format!("no service with id {s}"),
        ));
    }
    if let Some(o) = d.filters.organization_id
        && orgs::existing(tx.ex(), &[o]).await?.is_empty()
    {
        return Err(AppError::invalid(
            "organization_id",
            format!("no organization with id {o}"),
        ));
    }
    if let Some(t) = d.filters.team_id
        && teams::get(tx.ex(), t).await?.is_none()
    {
        return Err(AppError::invalid("team_id", format!("no team with id {t}")));
    }
    Ok(())
}

fn params_for(d: &Definition, period: (i64, i64)) -> ReportParams {
    ReportParams {
        from: Some(steward_domain::foundation::page::rfc3339_micros(period.0)),
        to: Some(steward_domain::foundation::page::rfc3339_micros(period.1)),
        grouping: Some(d.grouping.clone()),
        service_id: d.filters.service_id,
        organization_id: d.filters.organization_id,
        team_id: d.filters.team_id,
        priority: d.filters.priority,
        ..Default::default()
    }
}

impl App {
    pub async fn list_report_definitions(&self, actor: &Actor) -> Result<Vec<Definition>> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        Ok(defs::list(conn.ex()).await?)
    }

    pub async fn get_report_definition(&self, actor: &Actor, id: i64) -> Result<Definition> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        defs::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("report definition", id))
    }

    pub async fn create_report_definition(
        &self,
        actor: &Actor,
        input: DefinitionInput,
    ) -> Result<Definition> {
        require(actor, Permission::ManageReports)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check(&mut tx, None, &draft).await?;
        let id = defs::insert(
            tx.ex(),
            &draft,
            actor.user_id,
            next_run(draft.cadence, now),
            now,
        )
        .await?;
        let created = defs::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::Internal("definition vanished".into()))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "report_definition",
                id,
                "create",
                None::<&()>,
                Some(&created),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    pub async fn update_report_definition(
        &self,
        actor: &Actor,
        id: i64,
        input: DefinitionInput,
    ) -> Result<Definition> {
        require(actor, Permission::ManageReports)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = defs::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("report definition", id))?;
        check(&mut tx, Some(id), &draft).await?;
        let next = if before.cadence == draft.cadence {
            before
                .next_run_at
                .parse::<jiff::Timestamp>()
                .map(|t| t.as_microsecond())
                .unwrap_or_else(|_| next_run(draft.cadence, now))
        } else {
            next_run(draft.cadence, now)
        };
        defs::update(tx.ex(), id, &draft, next, now).await?;
        let after = defs::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("report definition", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "report_definition",
                id,
                "update",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Generates a definition's snapshot for the last complete period now (the same one the
    /// schedule would produce); an existing snapshot for that period is returned unchanged.
    pub async fn run_report_definition(&self, actor: &Actor, id: i64) -> Result<(Snapshot, bool)> {
        require(actor, Permission::ManageReports)?;
        let definition = self.get_report_definition(actor, id).await?;
        let period = last_complete_period(definition.cadence, self.now());
        self.generate_snapshot(actor, &definition, period).await
    }

    async fn generate_snapshot(
        &self,
        actor: &Actor,
        definition: &Definition,
        period: (i64, i64),
    ) -> Result<(Snapshot, bool)> {
        let system = Actor::system("reports");
        let params = params_for(definition, period);
        let mut reports = Vec::new();
        for name in &definition.reports {
            reports.push(self.report(&system, name, &params).await?);
        }
        let content = serde_json::to_string(&serde_json::json!({
            "definition": definition,
            "reports": reports,
        }))
        .map_err(|e| AppError::Internal(e.to_string()))?;
        let sha = hex::encode(Sha256::digest(content.as_bytes()));
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let (snapshot_id, created) =
            defs::insert_snapshot(tx.ex(), definition.id, period, &content, &sha, now).await?;
        if created {
            let summary = serde_json::json!({
                "definition_id": definition.id, "period_from": period.0, "period_to": period.1,
                "content_sha256": sha,
            });
            self.audit(
                &mut tx,
                change(
                    actor,
                    "report_snapshot",
                    snapshot_id,
                    "generate",
                    None::<&()>,
                    Some(&summary),
                ),
                now,
            )
            .await?;
        }
        let (snapshot, _) = defs::snapshot(tx.ex(), snapshot_id)
            .await?
            .ok_or_else(|| AppError::Internal("snapshot vanished".into()))?;
        tx.commit().await?;
        Ok((snapshot, created))
    }

    /// Generates every snapshot that has come due; runs on one node at a time under a lease.
    /// Each due run is generated first and only then claimed by moving its next-run instant:
    /// a node killed in between leaves the run due, and the next round finds that period's
    /// snapshot already stored (one per definition and period) and only moves it. Claiming
    /// first would lose the snapshot when the node died before generating it.
    pub async fn run_due_reports(&self, node: &str) -> Result<Option<u64>> {
        let now = self.now();
        let due = {
            let mut tx = self.db.begin().await?;
            if !leases::try_acquire(tx.ex(), SCHEDULER, node, now, now + 300_000_000).await? {
                tx.commit().await?;
                return Ok(None);
            }
            let due = defs::due(tx.ex(), now, 50).await?;
            tx.commit().await?;
            due
        };
        let mut generated = 0;
        for (id, was) in due {
            let definition = {
                let mut conn = self.db.read().await?;
                defs::get(conn.ex(), id).await?
            };
            let Some(definition) = definition else {
                continue;
            };
            // The period that ended when the run fell due (a late run reports the same period).
            let period = last_complete_period(definition.cadence, was);
            let (_, created) = self
                .generate_snapshot(&Actor::system("scheduler"), &definition, period)
                .await?;
            let mut tx = self.db.begin().await?;
            defs::claim_run(tx.ex(), id, was, next_run(definition.cadence, self.now())).await?;
            tx.commit().await?;
            generated += u64::from(created);
        }
        Ok(Some(generated))
    }

    pub async fn report_snapshots(&self, actor: &Actor, definition: i64) -> Result<Vec<Snapshot>> {
        self.get_report_definition(actor, definition).await?;
        let mut conn = self.db.read().await?;
        Ok(defs::snapshots(conn.ex(), definition).await?)
    }

    /// A snapshot with its content; the stored hash is checked against the stored content.
    pub async fn report_snapshot(&self, actor: &Actor, id: i64) -> Result<Snapshot> {
        require(actor, Permission::ReadReports)?;
        let mut conn = self.db.read().await?;
        let (snapshot, raw) = defs::snapshot(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("report snapshot", id))?;
        if hex::encode(Sha256::digest(raw.as_bytes())) != snapshot.content_sha256 {
            return Err(AppError::Internal(format!(
                "report snapshot {id} does not match its SHA-256"
            )));
        }
        Ok(snapshot)
    }

    pub async fn add_report_action(
        &self,
        actor: &Actor,
        snapshot: i64,
        input: ActionInput,
    ) -> Result<ReportAction> {
        require(actor, Permission::ManageReports)?;
        input.check()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        if defs::snapshot(tx.ex(), snapshot).await?.is_none() {
            return Err(AppError::not_found("report snapshot", snapshot));
        }
        if let Some(owner) = input.owner_id
            && steward_store::foundation::users::get(tx.ex(), owner)
                .await?
                .is_none()
        {
            return Err(AppError::invalid(
                "owner_id",
                format!("no user with id {owner}"),
            ));
        }
        let action = defs::add_action(tx.ex(), snapshot, &input, &actor.name, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "report_action",
                action.id,
                "create",
                None::<&()>,
                Some(&action),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(action)
    }

    pub async fn report_actions(&self, actor: &Actor, snapshot: i64) -> Result<Vec<ReportAction>> {
        self.report_snapshot(actor, snapshot).await?;
        let mut conn = self.db.read().await?;
        Ok(defs::actions(conn.ex(), snapshot).await?)
    }
}
