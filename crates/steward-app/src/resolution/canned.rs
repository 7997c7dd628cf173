//! Canned replies: managers keep them (per team or for everyone); agents use their teams' and
//! everyone's when they write a reply. Each change is in the audit trail.
use crate::app::{change, require};
use crate::{App, AppError, Result};
use steward_domain::resolution::canned::{CannedReply, CannedReplyInput};
use steward_domain::{Actor, Permission};
use steward_store::foundation::teams;
use steward_store::resolution::canned;
use steward_store::{Ex, Tx};

/// Managers see every canned reply; an agent its teams' and everyone's.
fn member_filter(actor: &Actor) -> Option<i64> {
    if actor.can(Permission::ManageTeams) {
        None
    } else {
        actor.user_id.or(Some(0))
    }
}

async fn check_team(tx: &mut Tx, team: Option<i64>) -> Result<()> {
    if let Some(t) = team
        && teams::get(tx.ex(), t).await?.is_none()
    {
        return Err(AppError::invalid("team_id", format!("no team with id {t}")));
    }
    Ok(())
}

async fn visible(ex: Ex<'_>, actor: &Actor, id: i64) -> Result<CannedReply> {
    let member = member_filter(actor);
    canned::list(ex, member)
        .await?
        .into_iter()
        .find(|r| r.id == id)
        .ok_or_else(|| AppError::not_found("canned reply", id))
}

impl App {
    pub async fn canned_replies(&self, actor: &Actor) -> Result<Vec<CannedReply>> {
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        Ok(canned::list(conn.ex(), member_filter(actor)).await?)
    }

    pub async fn get_canned_reply(&self, actor: &Actor, id: i64) -> Result<CannedReply> {
        require(actor, Permission::WorkTickets)?;
        let mut conn = self.db.read().await?;
        visible(conn.ex(), actor, id).await
    }

    pub async fn create_canned_reply(
        &self,
        actor: &Actor,
        input: CannedReplyInput,
    ) -> Result<CannedReply> {
        require(actor, Permission::ManageTeams)?;
        let input = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        check_team(&mut tx, input.team_id).await?;
        let reply = canned::insert(tx.ex(), &input, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(
                actor,
                "canned_reply",
                reply.id,
                "create",
                None,
                Some(&reply),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(reply)
    }

    pub async fn update_canned_reply(
        &self,
        actor: &Actor,
        id: i64,
        input: CannedReplyInput,
    ) -> Result<CannedReply> {
        require(actor, Permission::ManageTeams)?;
        let input = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = canned::get(tx.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("canned reply", id))?;
        check_team(&mut tx, input.team_id).await?;
        let after = canned::update(tx.ex(), id, &input, now)
            .await?
            .ok_or_else(|| AppError::not_found("canned reply", id))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "canned_reply",
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
}
