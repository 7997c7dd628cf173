//! Run-time settings kept as JSON under a key: read with their default when unset, replaced
//! in one transaction with the audit entry that shows the old and the new value.
use crate::app::change;
use crate::{App, AppError, Result};
use serde::Serialize;
use serde::de::DeserializeOwned;
use steward_domain::Actor;
use steward_store::Ex;
use steward_store::foundation::settings;

/// The setting under `key`, or its default when it was never set.
pub(crate) async fn read<T: DeserializeOwned + Default>(ex: Ex<'_>, key: &str) -> Result<T> {
    Ok(parse(settings::setting(ex, key).await?))
}

/// A stored setting's value, or its default when it was never set (or cannot be read).
pub(crate) fn parse<T: DeserializeOwned + Default>(stored: Option<String>) -> T {
    stored
        .and_then(|json| serde_json::from_str(&json).ok())
        .unwrap_or_default()
}

impl App {
    /// Replaces the setting under `key`; the caller has checked the value.
    pub(crate) async fn replace_setting<T>(&self, actor: &Actor, key: &str, value: &T) -> Result<()>
    where
        T: Serialize + DeserializeOwned + Default,
    {
        let now = self.now();
        let mut tx = self.db.begin().await?;
        let before: T = read(tx.ex(), key).await?;
        let json = serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))?;
        settings::put_setting(tx.ex(), key, &json, now).await?;
        self.audit(
            &mut tx,
            change(actor, "setting", key, "update", Some(&before), Some(value)),
            now,
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
