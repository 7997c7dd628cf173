//! Leases for periodic background tasks: a node runs a task only while it holds the task's
//! lease, so with several nodes on PostgreSQL each periodic task runs once per period.
use crate::{Ex, Result, on};

/// Takes or renews the lease `name` for `holder` until `expires_at` if it is free, expired or
/// already ours. Returns whether `holder` now holds it.
pub async fn try_acquire(
    ex: Ex<'_>,
    name: &str,
    holder: &str,
    now: i64,
    expires_at: i64,
) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "INSERT INTO leases (name, holder, expires_at) VALUES ($1, $2, $4)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE leases.expires_at <= $3 OR leases.holder = excluded.holder")
        .bind(name).bind(holder).bind(now).bind(expires_at)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}
