//! Risks and opportunities of the SMS: managers record and treat them; staff and auditors
//! read the register, filtered and sorted by level.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::improvement::risk::{Risk, RiskInput, RiskLevel, RiskSort};
use steward_domain::improvement::system_document::SystemFigures;
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::improvement::risks;

impl App {
    async fn check_risk(&self, tx: &mut Tx, next: &Risk, before: Option<&Risk>) -> Result<()> {
        if let Some(owner) = next.owner_id
            && before.is_none_or(|b| b.owner_id != Some(owner))
        {
            require_staff_user(tx.ex(), "owner_id", owner).await?;
        }
        for id in &next.service_ids {
            if steward_store::delivery::services::get(tx.ex(), *id)
                .await?
                .is_none()
            {
                return Err(AppError::invalid(
                    "service_ids",
                    format!("no service with id {id}"),
                ));
            }
        }
        Ok(())
    }

    pub async fn create_risk(&self, actor: &Actor, input: RiskInput) -> Result<Risk> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let draft = input.apply(None)?;
        self.check_risk(&mut tx, &draft, None).await?;
        let made = risks::insert(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "risk", made.id, "create", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made)
    }

    pub async fn list_risks(
        &self,
        actor: &Actor,
        level: Option<RiskLevel>,
        sort: RiskSort,
    ) -> Result<Vec<Risk>> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let mut list = risks::list(conn.ex()).await?;
        list.retain(|r| level.is_none_or(|l| r.level == l));
        match sort {
            RiskSort::Score => list.sort_by(|a, b| b.score.cmp(&a.score).then(b.id.cmp(&a.id))),
            RiskSort::Newest => {}
            RiskSort::Review => list.sort_by(|a, b| {
                (a.review_due_on.is_none(), &a.review_due_on, a.id).cmp(&(
                    b.review_due_on.is_none(),
                    &b.review_due_on,
                    b.id,
                ))
            }),
        }
        Ok(list)
    }

    pub async fn get_risk(&self, actor: &Actor, id: i64) -> Result<Risk> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        risks::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("risk", id))
    }

    pub async fn update_risk(&self, actor: &Actor, id: i64, input: RiskInput) -> Result<Risk> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = risks::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("risk", id))?;
        let next = input.apply(Some(&before))?;
        self.check_risk(&mut tx, &next, Some(&before)).await?;
        let after = risks::update(tx.ex(), &next, now).await?;
        self.audit(
            &mut tx,
            change(actor, "risk", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The management-system figures of the evidence map, as of today (UTC).
    pub async fn system_figures(&self, actor: &Actor) -> Result<SystemFigures> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let today = self.today().to_string();
        Ok(steward_store::improvement::system::conformity_figures(conn.ex(), &today).await?)
    }
}
