//! Competence records (7.2): managers record each person's skills and roles with level,
//! evidence and expiry, and verify them; staff and auditors read.
use crate::app::{change, require, require_staff_user};
use crate::{App, AppError, Result};
use steward_domain::foundation::competence::{Competence, CompetenceInput};
use steward_domain::{Actor, Permission};
use steward_store::Tx;
use steward_store::foundation::competences;

impl App {
    pub async fn list_competences(
        &self,
        actor: &Actor,
        user: Option<i64>,
        team: Option<i64>,
    ) -> Result<Vec<Competence>> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        let today = self.today().to_string();
        Ok(competences::list(conn.ex(), user, team)
            .await?
            .into_iter()
            .map(|k| k.with_today(&today))
            .collect())
    }

    pub async fn get_competence(&self, actor: &Actor, id: i64) -> Result<Competence> {
        require(actor, Permission::ReadSystem)?;
        let mut conn = self.db.read().await?;
        Ok(competences::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("competence", id))?
            .with_today(&self.today().to_string()))
    }

    /// The person and verifier are active staff; one entry per person and skill (409).
    async fn check_competence(
        &self,
        tx: &mut Tx,
        k: &Competence,
        before: Option<&Competence>,
    ) -> Result<()> {
        if before.is_none_or(|b| b.user_id != k.user_id) {
            require_staff_user(tx.ex(), "user_id", k.user_id).await?;
        }
        if let Some(v) = k.verified_by
            && before.is_none_or(|b| b.verified_by != Some(v))
        {
            require_staff_user(tx.ex(), "verified_by", v).await?;
        }
        if competences::exists(tx.ex(), k.user_id, &k.skill, k.id).await? {
            return Err(AppError::conflict(
                Some("skill"),
                format!(
                    "this person already has an entry for {:?}; edit it",
                    k.skill
                ),
            ));
        }
        Ok(())
    }

    pub async fn create_competence(
        &self,
        actor: &Actor,
        input: CompetenceInput,
    ) -> Result<Competence> {
        require(actor, Permission::ManageSystem)?;
        let draft = input.apply(None)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        self.check_competence(&mut tx, &draft, None).await?;
        let made = competences::insert(tx.ex(), &draft, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "competence", made.id, "create", None, Some(&made)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(made.with_today(&self.today().to_string()))
    }

    pub async fn update_competence(
        &self,
        actor: &Actor,
        id: i64,
        input: CompetenceInput,
    ) -> Result<Competence> {
        require(actor, Permission::ManageSystem)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = competences::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("competence", id))?;
        let next = input.apply(Some(&before))?;
        self.check_competence(&mut tx, &next, Some(&before)).await?;
        let after = competences::update(tx.ex(), &next, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "competence",
                id,
                "update",
                Some(&before),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after.with_today(&self.today().to_string()))
    }

    /// Records the caller as the one who checked the evidence.
    pub async fn verify_competence(&self, actor: &Actor, id: i64) -> Result<Competence> {
        let Some(me) = actor.user_id else {
            return Err(AppError::invalid(
                "verified_by",
                "only a person can verify evidence",
            ));
        };
        self.update_competence(
            actor,
            id,
            CompetenceInput {
                verified_by: Some(Some(me)),
                ..Default::default()
            },
        )
        .await
    }
}
