//! Service management objectives: managers set them; staff and auditors read them, each
//! with its figure read now from the report that computes it.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::objective::{
    Objective, ObjectiveInput, ObjectiveStatus, SystemFigure,
};
use steward_domain::reporting::report::ReportParams;
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::improvement::objectives;

const DAYS_30: i64 = 30 * 86_400_000_000;

impl App {
    /// The figure over the last 30 days, from the report that computes it (None: nothing to
    /// measure in the period).
    async fn read_figure(&self, actor: &Actor, o: &mut Objective) -> Result<()> {
        let Some(figure) = o.figure else {
            o.current = None;
            return Ok(());
        };
        let now = self.now();
        let (from, to) = (rfc3339_micros(now - DAYS_30), rfc3339_micros(now));
        let (report, key) = match figure {
            SystemFigure::AvailabilityPercent => ("availability", "availability"),
            SystemFigure::SlaMetPercent => ("sla-compliance", "resolution_compliance"),
            SystemFigure::SatisfactionAverage => ("satisfaction", "mean_rating"),
        };
        let params = ReportParams {
            from: Some(from.clone()),
            to: Some(to.clone()),
            service_id: o.service_id,
            ..Default::default()
        };
        let value = self
            .report(actor, report, &params)
            .await?
            .summary
            .into_iter()
            .find(|f| f.key == key)
            .and_then(|f| f.value)
            // Two decimals is as precise as a target is written.
            .map(|v| (v * 100.0).round() / 100.0);
        o.current = Some(o.reading(figure, from, to, value));
        Ok(())
    }

    async fn check_objective(
        &self,
        tx: &mut Tx,
        next: &Objective,
        before: Option<&Objective>,
    ) -> Result<()> {
        if let Some(owner) = next.owner_id
            && before.is_none_or(|b| b.owner_id != Some(owner))
        {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        if let Some(s) = next.service_id
            && steward_store::delivery::services::get(tx.ex(), s)
                .await?
                .is_none()
        {
            return Err(AppError::invalid(
                "service_id",
                format!("no service with id {s}"),
            ));
        }
        Ok(())
    }

    pub async fn create_objective(
        &self,
        actor: &Actor,
        input: ObjectiveInput,
    ) -> Result<Objective> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let draft = input.apply(None)?;
        self.check_objective(&mut tx, &draft, None).await?;
        let made = objectives::insert(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "objective", made.id, "create", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        let mut made = made;
        self.read_figure(actor, &mut made).await?;
        Ok(made)
    }

    /// Every objective (optionally of one status), by target date, with its figure.
    pub async fn list_objectives(
        &self,
        actor: &Actor,
        status: Option<ObjectiveStatus>,
    ) -> Result<Vec<Objective>> {
        require(actor, Permission::ReadSystem)?;
        let mut list = {
            let mut conn = self.db.read().await?;
            objectives::list(conn.ex(), status).await?
        };
        for o in &mut list {
            self.read_figure(actor, o).await?;
        }
        Ok(list)
    }

    pub async fn get_objective(&self, actor: &Actor, id: i64) -> Result<Objective> {
        require(actor, Permission::ReadSystem)?;
        let mut o = {
            let mut conn = self.db.read().await?;
            objectives::get(conn.ex(), id)
                .await?
                .ok_or_else(|| AppError::not_found("objective", id))?
        };
        self.read_figure(actor, &mut o).await?;
        Ok(o)
    }

    pub async fn update_objective(
        &self,
        actor: &Actor,
        id: i64,
        input: ObjectiveInput,
    ) -> Result<Objective> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = objectives::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("objective", id))?;
        let next = input.apply(Some(&before))?;
        self.check_objective(&mut tx, &next, Some(&before)).await?;
        let mut after = objectives::update(tx.ex(), &next, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "objective",
                id,
                "update",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        self.read_figure(actor, &mut after).await?;
        Ok(after)
    }
}
