//! Change blackout windows (8.5.1.3): managers and administrators keep them, staff read
//! them; each write is one transaction with its audit entry.
use crate::app::change;
use crate::delivery::change_config::may_read;
use crate::{App, AppError, Result};
use steward_domain::delivery::change_blackout::{Blackout, BlackoutDraft, BlackoutInput};
use steward_domain::{Actor, FieldError, Invalid, Role};
use steward_store::{Tx, delivery::change_blackouts, delivery::services};

fn may_configure(actor: &Actor) -> Result<()> {
    if matches!(actor.role, Role::Admin | Role::Manager) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

async fn load(tx: &mut Tx, id: i64) -> Result<Blackout> {
    change_blackouts::get(tx.ex(), id)
        .await?
        .ok_or_else(|| AppError::not_found("change blackout", id))
}

/// Every listed service must exist (422 naming the absent ones).
async fn check_services(tx: &mut Tx, d: &BlackoutDraft) -> Result<()> {
    let found = services::existing(tx.ex(), &d.service_ids).await?;
    let absent: Vec<String> = d
        .service_ids
        .iter()
        .filter(|i| !found.contains(i))
        .map(i64::to_string)
        .collect();
    if absent.is_empty() {
        Ok(())
    } else {
        Err(AppError::Invalid(Invalid(vec![FieldError::new(
            "service_ids",
            format!("no such services: {}", absent.join(", ")),
        )])))
    }
}

impl App {
    /// Blackouts overlapping `[from, to)` (microseconds; none: unbounded), earliest first.
    pub async fn change_blackouts(
        &self,
        actor: &Actor,
        from: Option<i64>,
        to: Option<i64>,
    ) -> Result<Vec<Blackout>> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        Ok(change_blackouts::list(conn.ex(), from, to).await?)
    }

    pub async fn change_blackout(&self, actor: &Actor, id: i64) -> Result<Blackout> {
        may_read(actor)?;
        let mut conn = self.db.read().await?;
        change_blackouts::get(conn.ex(), id)
            .await?
            .ok_or_else(|| AppError::not_found("change blackout", id))
    }

    pub async fn create_change_blackout(
        &self,
        actor: &Actor,
        input: BlackoutInput,
    ) -> Result<Blackout> {
        self.save_change_blackout(actor, None, input).await
    }

    pub async fn update_change_blackout(
        &self,
        actor: &Actor,
        id: i64,
        input: BlackoutInput,
    ) -> Result<Blackout> {
        self.save_change_blackout(actor, Some(id), input).await
    }

    /// Creates (`id` None) or replaces a blackout window.
    async fn save_change_blackout(
        &self,
        actor: &Actor,
        id: Option<i64>,
        input: BlackoutInput,
    ) -> Result<Blackout> {
        may_configure(actor)?;
        let draft = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = match id {
            Some(id) => Some(load(&mut tx, id).await?),
            None => None,
        };
        check_services(&mut tx, &draft).await?;
        let id = match id {
            Some(id) => {
                change_blackouts::update(tx.ex(), id, &draft, now).await?;
                id
            }
            None => change_blackouts::insert(tx.ex(), &draft, now).await?,
        };
        let after = load(&mut tx, id).await?;
        let action = if before.is_some() { "update" } else { "create" };
        self.audit(
            &mut tx,
            change(
                actor,
                "change_blackout",
                id,
                action,
                before.as_ref(),
                Some(&after),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a blackout window; gives what was deleted (the screen names it).
    pub async fn delete_change_blackout(&self, actor: &Actor, id: i64) -> Result<Blackout> {
        may_configure(actor)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = load(&mut tx, id).await?;
        change_blackouts::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "change_blackout", id, "delete", Some(&before), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(before)
    }
}
