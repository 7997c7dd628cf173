//! Change blackout windows and the services they cover (8.5.1.3).
use crate::{Ex, Result, on};
use std::collections::HashMap;
use steward_domain::delivery::change_blackout::{Blackout, BlackoutDraft};
use steward_domain::delivery::change_conflict::{BlackoutWindow, Window};
use steward_domain::foundation::page::rfc3339_micros;

type Row = (i64, String, i64, i64, Option<String>, i64, i64);

const COLUMNS: &str = "id, name, start_at, end_at, reason, created_at, updated_at";

fn blackout(r: Row, service_ids: Vec<i64>) -> Blackout {
    let (id, name, start, end, reason, created, updated) = r;
    Blackout {
        id,
        name,
        start: rfc3339_micros(start),
        end: rfc3339_micros(end),
        all_services: service_ids.is_empty(),
        service_ids,
        reason,
        created_at: rfc3339_micros(created),
        updated_at: rfc3339_micros(updated),
    }
}

pub async fn insert(mut ex: Ex<'_>, d: &BlackoutDraft, now: i64) -> Result<i64> {
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO change_blackouts (name, start_at, end_at, reason, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $5) RETURNING id")
        .bind(&d.name).bind(d.start).bind(d.end).bind(&d.reason).bind(now)
        .fetch_one(c).await)?;
    set_services(ex, id, &d.service_ids).await?;
    Ok(id)
}

pub async fn update(mut ex: Ex<'_>, id: i64, d: &BlackoutDraft, now: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE change_blackouts SET name = $2, start_at = $3, end_at = $4, reason = $5,
           updated_at = $6 WHERE id = $1")
        .bind(id).bind(&d.name).bind(d.start).bind(d.end).bind(&d.reason).bind(now)
        .execute(c).await.map(|_| ()))?;
    set_services(ex, id, &d.service_ids).await
}

async fn set_services(mut ex: Ex<'_>, id: i64, services: &[i64]) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM change_blackout_services WHERE blackout_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    for s in services {
        on!(ex.by_ref(), c => sqlx::query(
            "INSERT INTO change_blackout_services (blackout_id, service_id) VALUES ($1, $2)")
            .bind(id).bind(*s).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn delete(mut ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM change_blackout_services WHERE blackout_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    on!(ex, c => sqlx::query("DELETE FROM change_blackouts WHERE id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get(mut ex: Ex<'_>, id: i64) -> Result<Option<Blackout>> {
    let sql = format!("SELECT {COLUMNS} FROM change_blackouts WHERE id = $1");
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let services: Vec<i64> = on!(ex, c => sqlx::query_scalar(
        "SELECT service_id FROM change_blackout_services WHERE blackout_id = $1 ORDER BY service_id")
        .bind(id).fetch_all(c).await)?;
    Ok(Some(blackout(row, services)))
}

/// The rows overlapping `[from, to)` (none: unbounded), earliest first, with their
/// services (two queries).
async fn between(
    mut ex: Ex<'_>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<(Row, Vec<i64>)>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM change_blackouts
         WHERE ($1 IS NULL OR end_at > $1) AND ($2 IS NULL OR start_at < $2)
         ORDER BY start_at, id"
    );
    let rows: Vec<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(from).bind(to).fetch_all(c).await)?;
    let links: Vec<(i64, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT s.blackout_id, s.service_id FROM change_blackout_services s
         JOIN change_blackouts b ON b.id = s.blackout_id
         WHERE ($1 IS NULL OR b.end_at > $1) AND ($2 IS NULL OR b.start_at < $2)
         ORDER BY s.blackout_id, s.service_id")
        .bind(from).bind(to).fetch_all(c).await)?;
    let mut by: HashMap<i64, Vec<i64>> = HashMap::new();
    for (b, s) in links {
        by.entry(b).or_default().push(s);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let services = by.remove(&r.0).unwrap_or_default();
            (r, services)
        })
        .collect())
}

/// The blackouts overlapping `[from, to)` (none: unbounded), earliest first.
pub async fn list(ex: Ex<'_>, from: Option<i64>, to: Option<i64>) -> Result<Vec<Blackout>> {
    Ok(between(ex, from, to)
        .await?
        .into_iter()
        .map(|(r, s)| blackout(r, s))
        .collect())
}

/// The blackouts overlapping `[from, to)` as conflict detection needs them.
pub async fn windows(ex: Ex<'_>, from: i64, to: i64) -> Result<Vec<BlackoutWindow>> {
    Ok(between(ex, Some(from), Some(to))
        .await?
        .into_iter()
        .map(|((id, name, start, end, ..), services)| BlackoutWindow {
            id,
            name,
            window: Window { start, end },
            services,
        })
        .collect())
}
