//! Each person's choice of notifications: per kind of event, immediately, in the daily
//! digest, or not at all (immediately unless chosen otherwise).
use crate::app::change;
use crate::{App, AppError, Result};
use steward_domain::Actor;
use steward_domain::foundation::mail_out::MailPreferences;
use steward_domain::foundation::validation::{FieldError, Invalid};
use steward_mail::outbound::EventKind;
use steward_store::Ex;
use steward_store::foundation::settings;

fn key(user: i64) -> String {
    format!("mail_preferences:{user}")
}

pub(crate) async fn of(ex: Ex<'_>, user: i64) -> Result<MailPreferences> {
    crate::foundation::settings::read(ex, &key(user)).await
}

impl App {
    pub async fn my_mail_preferences(&self, actor: &Actor) -> Result<MailPreferences> {
        let Some(user) = actor.user_id else {
            return Ok(MailPreferences::default());
        };
        let mut conn = self.db.read().await?;
        of(conn.ex(), user).await
    }

    pub async fn set_my_mail_preferences(
        &self,
        actor: &Actor,
        input: MailPreferences,
    ) -> Result<MailPreferences> {
        let user = actor.user_id.ok_or_else(AppError::forbidden)?;
        let unknown: Vec<FieldError> = input
            .events
            .keys()
            .filter(|k| EventKind::parse(k).is_none() || k.as_str() == "digest")
            .map(|k| FieldError::new(format!("events.{k}"), "is not a kind of notification"))
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::Invalid(Invalid(unknown)));
        }
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = of(tx.ex(), user).await?;
        let json = serde_json::to_string(&input).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), &key(user), &json, now).await?;
        self.audit(
            &mut tx,
            change(
                actor,
                "mail_preferences",
                user,
                "update",
                Some(&before),
                Some(&input),
            ),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(input)
    }
}
