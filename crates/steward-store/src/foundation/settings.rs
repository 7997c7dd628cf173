//! Run-time settings: one JSON value per key (the priority matrix, the major-incident
//! criteria, the desk settings), changed while Steward runs.
use crate::{Ex, Result, on};

pub async fn setting(ex: Ex<'_>, key: &str) -> Result<Option<String>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT value FROM settings WHERE key = $1").bind(key).fetch_optional(c).await)?,
    )
}

/// The settings under `keys` in one statement (one round trip instead of one per key), in
/// the order of `keys`; `None` where unset.
pub async fn settings<const N: usize>(ex: Ex<'_>, keys: [&str; N]) -> Result<[Option<String>; N]> {
    let marks: Vec<String> = (1..=N).map(|i| format!("${i}")).collect();
    let sql = format!(
        "SELECT key, value FROM settings WHERE key IN ({})",
        marks.join(", ")
    );
    let rows: Vec<(String, String)> = on!(ex, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql));
        for k in keys {
            q = q.bind(k);
        }
        q.fetch_all(c).await
    })?;
    let mut out = [const { None }; N];
    for (key, value) in rows {
        if let Some(i) = keys.iter().position(|k| *k == key) {
            out[i] = Some(value);
        }
    }
    Ok(out)
}

pub async fn put_setting(ex: Ex<'_>, key: &str, value: &str, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at")
        .bind(key).bind(value).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}
