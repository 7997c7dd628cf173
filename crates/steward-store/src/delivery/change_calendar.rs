//! The change calendar: changes whose planned window overlaps a window, a change's assigned
//! team, how often each was modified (the feed's SEQUENCE), and the per-person feed tokens.
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, on};
use std::collections::HashMap;
use steward_domain::delivery::change::{ChangeStatus, ChangeType};
use steward_domain::delivery::change_calendar::CalendarEntry;
use steward_domain::delivery::change_policy::RiskLevel;
use steward_domain::foundation::page::rfc3339_micros;

/// Which changes a calendar shows.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Changes affecting this service directly.
    pub service: Option<i64>,
    /// Changes assigned to this team.
    pub team: Option<i64>,
    pub status: Option<ChangeStatus>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    number: String,
    title: String,
    change_type: String,
    status: String,
    risk_level: String,
    planned_start: i64,
    planned_end: i64,
    team_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

/// A calendar entry with the instants the feed and the grid work with (microseconds).
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub entry: CalendarEntry,
    pub start: i64,
    pub end: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Changes with a planned window overlapping `[from, to)` (a `to` of `None`: no end),
/// ordered by planned start and number, at most `limit`.
pub async fn window(
    mut ex: Ex<'_>,
    from: i64,
    to: Option<i64>,
    f: &Filter,
    limit: i64,
) -> Result<Vec<Scheduled>> {
    let mut sql = Sql::new(
        "SELECT id, number, title, change_type, status, risk_level, planned_start, planned_end,
           team_id, created_at, updated_at
         FROM changes WHERE planned_start IS NOT NULL AND planned_end IS NOT NULL
           AND planned_end > ",
    );
    sql.bind(from);
    sql.and_opt("planned_start <", to);
    sql.and_opt("team_id =", f.team);
    sql.and_opt("status =", f.status.map(|s| s.as_str()));
    if let Some(s) = f.service {
        sql.push(" AND id IN (SELECT change_id FROM change_services WHERE service_id = ")
            .bind(s)
            .push(")");
    }
    sql.push(" ORDER BY planned_start, number LIMIT ")
        .bind(limit);
    let rows: Vec<Row> = on!(ex.by_ref(), c =>
        bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text.clone())), &sql.args)
            .fetch_all(c).await)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut services: HashMap<i64, Vec<i64>> = HashMap::new();
    for chunk in ids.chunks(500) {
        let mut q =
            Sql::new("SELECT change_id, service_id FROM change_services WHERE change_id IN ");
        q.in_list(chunk).push(" ORDER BY change_id, service_id");
        let pairs: Vec<(i64, i64)> = on!(ex.by_ref(), c =>
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(q.text.clone())), &q.args)
                .fetch_all(c).await)?;
        for (change, service) in pairs {
            services.entry(change).or_default().push(service);
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| Scheduled {
            entry: CalendarEntry {
                id: r.id,
                number: r.number,
                title: r.title,
                // The CHECK constraints and the app admit only known values.
                change_type: ChangeType::parse(&r.change_type).unwrap_or(ChangeType::Normal),
                status: ChangeStatus::parse(&r.status).unwrap_or(ChangeStatus::Draft),
                risk_level: RiskLevel::parse(&r.risk_level).unwrap_or(RiskLevel::Low),
                planned_start: rfc3339_micros(r.planned_start),
                planned_end: rfc3339_micros(r.planned_end),
                service_ids: services.remove(&r.id).unwrap_or_default(),
                team_id: r.team_id,
                conflicts: Vec::new(),
                updated_at: rfc3339_micros(r.updated_at),
            },
            start: r.planned_start,
            end: r.planned_end,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
        .collect())
}

/// How many times the change was modified: its audit entries after the first.
pub async fn revisions(ex: Ex<'_>, change: i64) -> Result<i64> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE record_type = 'change' AND record_id = $1")
        .bind(change.to_string()).fetch_one(c).await)?;
    Ok((n - 1).max(0))
}

pub async fn set_team(ex: Ex<'_>, change: i64, team: Option<i64>, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE changes SET team_id = $2, updated_at = $3 WHERE id = $1")
        .bind(change).bind(team).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Stores (or replaces) a person's feed token by its hash.
pub async fn put_token(ex: Ex<'_>, user: i64, token_hash: &str, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO change_feed_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash,
           created_at = excluded.created_at")
        .bind(user).bind(token_hash).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Deletes a person's feed token; whether there was one.
pub async fn delete_token(ex: Ex<'_>, user: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query("DELETE FROM change_feed_tokens WHERE user_id = $1")
        .bind(user).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// When the person's feed token was made, if they have one.
pub async fn token_created(ex: Ex<'_>, user: i64) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT created_at FROM change_feed_tokens WHERE user_id = $1")
        .bind(user).fetch_optional(c).await)?)
}

/// The person a feed token belongs to.
pub async fn token_user(ex: Ex<'_>, token_hash: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT user_id FROM change_feed_tokens WHERE token_hash = $1")
        .bind(token_hash).fetch_optional(c).await)?)
}
