//! A person's own settings: for now, the time zone their pages show times in.
use crate::app::change;
use crate::{App, AppError, Result};
use steward_domain::Actor;
use steward_domain::foundation::people::{Preferences, parse_time_zone};
use steward_store::foundation::users;

impl App {
    /// The signed-in person's settings (a system actor has none).
    pub async fn my_preferences(&self, actor: &Actor) -> Result<Preferences> {
        let Some(user) = actor.user_id else {
            return Ok(Preferences::default());
        };
        let mut conn = self.db.read().await?;
        Ok(Preferences {
            time_zone: users::time_zone(conn.ex(), user).await?,
        })
    }

    /// Replaces the signed-in person's settings, in the audit trail.
    pub async fn set_my_preferences(
        &self,
        actor: &Actor,
        input: Preferences,
    ) -> Result<Preferences> {
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let zone = parse_time_zone(input.time_zone.as_deref())
            .map_err(|e| AppError::Invalid(steward_domain::Invalid(vec![e])))?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = Preferences {
            time_zone: users::time_zone(tx.ex(), user).await?,
        };
        let after = Preferences { time_zone: zone };
        if !users::set_time_zone(tx.ex(), user, after.time_zone.as_deref(), now).await? {
            return Err(AppError::not_found("user", user));
        }
        self.audit(
            &mut tx,
            change(
                actor,
                "user_preferences",
                user,
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
