//! Webhook subscriptions (administrators): create with a secret shown once, change, enable
//! and disable, rotate the secret, read the delivery log and redeliver by hand. Each change
//! is audited; the secret never enters the audit trail.
use crate::app::{change, require};
use crate::foundation::secrets::random_hex;
use crate::{App, AppError, Result};
use steward_domain::foundation::webhook::{
    Attempt, Delivery, Webhook, WebhookInput, WebhookWithSecret,
};
use steward_domain::{Actor, Permission};
use steward_store::Ex;
use steward_store::foundation::{audit, webhooks};

/// The most deliveries one read returns.
pub const DELIVERIES_MAX: i64 = 500;

/// Webhooks send every matching record out of Steward, so only administrators (who may
/// also manage users) set them up.
const PERMISSION: Permission = Permission::ManageUsers;

fn new_secret() -> Result<String> {
    Ok(format!("whsec_{}", random_hex(32)?))
}

async fn existing(ex: Ex<'_>, id: i64) -> Result<Webhook> {
    webhooks::get(ex, id)
        .await?
        .ok_or_else(|| AppError::not_found("webhook", id))
}

impl App {
    pub async fn create_webhook(
        &self,
        actor: &Actor,
        input: WebhookInput,
    ) -> Result<WebhookWithSecret> {
        require(actor, PERMISSION)?;
        let config = input.parse()?;
        let secret = new_secret()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        // Events already in the trail happened before the subscription existed.
        let (head, _) = audit::head(tx.ex()).await?;
        let webhook = webhooks::insert(tx.ex(), &config, &secret, head, now).await?;
        self.audit(
            &mut tx,
            change::<(), _>(actor, "webhook", webhook.id, "create", None, Some(&webhook)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookWithSecret { webhook, secret })
    }

    pub async fn list_webhooks(&self, actor: &Actor) -> Result<Vec<Webhook>> {
        require(actor, PERMISSION)?;
        let mut conn = self.db.read().await?;
        Ok(webhooks::list(conn.ex()).await?)
    }

    pub async fn get_webhook(&self, actor: &Actor, id: i64) -> Result<Webhook> {
        require(actor, PERMISSION)?;
        let mut conn = self.db.read().await?;
        existing(conn.ex(), id).await
    }

    /// Replaces a subscription's configuration (name, URL, events, filter, failure limit).
    pub async fn update_webhook(
        &self,
        actor: &Actor,
        id: i64,
        input: WebhookInput,
    ) -> Result<Webhook> {
        require(actor, PERMISSION)?;
        let config = input.parse()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = existing(tx.ex(), id).await?;
        let after = webhooks::update_config(tx.ex(), id, &config, now).await?;
        self.audit(
            &mut tx,
            change(actor, "webhook", id, "update", Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Deletes a subscription with its deliveries and their log.
    pub async fn delete_webhook(&self, actor: &Actor, id: i64) -> Result<()> {
        require(actor, PERMISSION)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = existing(tx.ex(), id).await?;
        webhooks::delete(tx.ex(), id).await?;
        self.audit(
            &mut tx,
            change::<_, ()>(actor, "webhook", id, "delete", Some(&before), None),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Enables (the failure count starts again; waiting deliveries go out at once) or
    /// disables a subscription (nothing new is enqueued or sent until it is enabled).
    pub async fn set_webhook_enabled(
        &self,
        actor: &Actor,
        id: i64,
        enabled: bool,
    ) -> Result<Webhook> {
        require(actor, PERMISSION)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = existing(tx.ex(), id).await?;
        if before.enabled == enabled {
            tx.commit().await?;
            return Ok(before);
        }
        let reason = (!enabled).then(|| format!("disabled by {}", actor.name));
        let after = webhooks::set_enabled(tx.ex(), id, enabled, reason.as_deref(), now).await?;
        let action = if enabled { "enable" } else { "disable" };
        self.audit(
            &mut tx,
            change(actor, "webhook", id, action, Some(&before), Some(&after)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// A new signing secret, shown once; the old one stops signing at once.
    pub async fn rotate_webhook_secret(&self, actor: &Actor, id: i64) -> Result<WebhookWithSecret> {
        require(actor, PERMISSION)?;
        let secret = new_secret()?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        existing(tx.ex(), id).await?;
        webhooks::set_secret(tx.ex(), id, &secret, now).await?;
        let webhook = existing(tx.ex(), id).await?;
        let note = serde_json::json!({ "secret": "rotated" });
        self.audit(
            &mut tx,
            change::<(), _>(actor, "webhook", id, "rotate_secret", None, Some(&note)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(WebhookWithSecret { webhook, secret })
    }

    /// A subscription's deliveries, newest first (at most [`DELIVERIES_MAX`]).
    pub async fn webhook_deliveries(
        &self,
        actor: &Actor,
        id: i64,
        limit: i64,
    ) -> Result<Vec<Delivery>> {
        require(actor, PERMISSION)?;
        let mut conn = self.db.read().await?;
        existing(conn.ex(), id).await?;
        Ok(webhooks::deliveries(conn.ex(), id, limit.clamp(1, DELIVERIES_MAX)).await?)
    }

    /// One delivery's attempts, oldest first: the delivery log.
    pub async fn webhook_attempts(
        &self,
        actor: &Actor,
        id: i64,
        delivery: i64,
    ) -> Result<Vec<Attempt>> {
        require(actor, PERMISSION)?;
        let mut conn = self.db.read().await?;
        webhooks::get_delivery(conn.ex(), id, delivery)
            .await?
            .ok_or_else(|| AppError::not_found("delivery", delivery))?;
        Ok(webhooks::attempts(conn.ex(), delivery).await?)
    }

    /// Sends a delivery again at the next round, whether it was delivered, failed or waits.
    pub async fn redeliver_webhook(
        &self,
        actor: &Actor,
        id: i64,
        delivery: i64,
    ) -> Result<Delivery> {
        require(actor, PERMISSION)?;
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before = webhooks::get_delivery(tx.ex(), id, delivery)
            .await?
            .ok_or_else(|| AppError::not_found("delivery", delivery))?;
        webhooks::redeliver(tx.ex(), delivery, now).await?;
        let after = webhooks::get_delivery(tx.ex(), id, delivery)
            .await?
            .ok_or_else(|| AppError::not_found("delivery", delivery))?;
        self.audit(
            &mut tx,
            change(
                actor,
                "webhook_delivery",
                delivery,
                "redeliver",
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
