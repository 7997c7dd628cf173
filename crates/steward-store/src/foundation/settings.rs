//! Run-time settings: one JSON value per key (the priority matrix, the major-incident
//! criteria, the desk settings), changed while Steward runs.
use crate::{Ex, Result, on};

pub async fn setting(ex: Ex<'_>, key: &str) -> Result<Option<String>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(c).await)?,
    )
}

pub async fn put_setting(ex: Ex<'_>, key: &str, value: &str, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key).bind(value).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}
