//! Configuration items, their relations and their history.
use crate::{Ex, Result, on};

/// Appends to a CI's history (who, when, before/after), in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn record_history(
    ex: Ex<'_>,
    ci_id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO ci_history (ci_id, at, actor_id, actor, action, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(ci_id).bind(at).bind(actor_id).bind(actor).bind(action).bind(before).bind(after)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The CI that stands for a service, if any.
pub async fn id_for_service(ex: Ex<'_>, service_id: i64) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM cis WHERE service_id = $1")
        .bind(service_id).fetch_optional(c).await)?,
    )
}

/// Creates or refreshes the `service` CI of a service: same name, owner and a status that
/// follows the service's lifecycle. Returns its id.
pub async fn upsert_service_ci(
    mut ex: Ex<'_>,
    service_id: i64,
    name: &str,
    status: &str,
    owner_id: Option<i64>,
    description: Option<&str>,
    now: i64,
) -> Result<i64> {
    match id_for_service(ex.by_ref(), service_id).await? {
        Some(id) => {
            on!(ex, c => sqlx::query(
                "UPDATE cis SET name = $2, status = $3, owner_id = $4, description = $5, updated_at = $6 WHERE id = $1")
                .bind(id).bind(name).bind(status).bind(owner_id).bind(description).bind(now)
                .execute(c).await.map(|_| ()))?;
            Ok(id)
        }
        None => Ok(on!(ex, c => sqlx::query_scalar(
            "INSERT INTO cis (name, ci_type, status, owner_id, description, attributes, service_id, created_at, updated_at)
             VALUES ($1, 'service', $2, $3, $4, '{}', $5, $6, $6) RETURNING id")
            .bind(name).bind(status).bind(owner_id).bind(description).bind(service_id).bind(now)
            .fetch_one(c).await)?),
    }
}

/// Whether a service's CI takes part in any relation (then it cannot simply disappear).
pub async fn service_ci_in_use(ex: Ex<'_>, service_id: i64) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ci_relations r JOIN cis c ON c.id = r.source_id OR c.id = r.target_id
         WHERE c.service_id = $1")
        .bind(service_id).fetch_one(c).await)?;
    Ok(n > 0)
}

/// Removes a service's CI (its history stays).
pub async fn delete_service_ci(ex: Ex<'_>, ci_id: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM cis WHERE id = $1").bind(ci_id).execute(c).await.map(|_| ()))?;
    Ok(())
}
