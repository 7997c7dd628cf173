//! Health probes, the scheduler's claims on them, and the results of their checks.
use crate::{Ex, Result, StoreError, on};
use steward_domain::assurance::probe::{
    CheckOutcome, Probe, ProbeConfig, ProbeResult, ProbeState, Tracking,
};
use steward_domain::foundation::page::rfc3339_micros;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    service_id: i64,
    config: String,
    state: String,
    consecutive_failures: i32,
    failing_since: Option<i64>,
    last_checked_at: Option<i64>,
    last_error: Option<String>,
    next_check_at: i64,
    outage_id: Option<i64>,
    incident_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, service_id, config, state, consecutive_failures, failing_since,
    last_checked_at, last_error, next_check_at, outage_id, incident_id, created_at, updated_at";

/// A probe as read, with the running state its checks move.
pub struct Stored {
    pub probe: Probe,
    pub tracking: Tracking,
}

fn stored(r: Row) -> Result<Stored> {
    let config: ProbeConfig = serde_json::from_str(&r.config)
        .map_err(|e| StoreError::Corrupt(format!("probe {}: {e}", r.id)))?;
    // The CHECK constraint admits only known states.
    let state = ProbeState::parse(&r.state).unwrap_or(ProbeState::Unknown);
    let failures = u32::try_from(r.consecutive_failures).unwrap_or(0);
    Ok(Stored {
        tracking: Tracking {
            state,
            consecutive_failures: failures,
            failing_since: r.failing_since,
        },
        probe: Probe {
            id: r.id,
            service_id: r.service_id,
            config,
            state,
            consecutive_failures: failures,
            last_checked_at: r.last_checked_at.map(rfc3339_micros),
            last_error: r.last_error,
            next_check_at: rfc3339_micros(r.next_check_at),
            outage_id: r.outage_id,
            incident_id: r.incident_id,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        },
    })
}

fn json(config: &ProbeConfig) -> Result<String> {
    serde_json::to_string(config).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub async fn insert(
    ex: Ex<'_>,
    service: i64,
    config: &ProbeConfig,
    next_check_at: i64,
    now: i64,
) -> Result<Probe> {
    let sql = format!(
        "INSERT INTO probes (service_id, config, enabled, state, next_check_at, created_at, updated_at)
         VALUES ($1, $2, $3, 'unknown', $4, $5, $5) RETURNING {COLUMNS}"
    );
    let body = json(config)?;
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).bind(&body).bind(config.enabled).bind(next_check_at).bind(now)
        .fetch_one(c).await)?;
    Ok(stored(row)?.probe)
}

/// One probe of a service.
pub async fn get(ex: Ex<'_>, service: i64, id: i64) -> Result<Option<Stored>> {
    let sql = format!("SELECT {COLUMNS} FROM probes WHERE id = $1 AND service_id = $2");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(service).fetch_optional(c).await)?;
    row.map(stored).transpose()
}

/// One probe, locked until the transaction ends (PostgreSQL: the row lock an update takes;
/// SQLite: a writing transaction already excludes every other writer).
pub async fn lock(ex: Ex<'_>, id: i64) -> Result<Option<Stored>> {
    let sql = format!("UPDATE probes SET id = id WHERE id = $1 RETURNING {COLUMNS}");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(stored).transpose()
}

pub async fn list(ex: Ex<'_>, service: i64) -> Result<Vec<Probe>> {
    let sql = format!("SELECT {COLUMNS} FROM probes WHERE service_id = $1 ORDER BY id");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).fetch_all(c).await)?;
    rows.into_iter()
        .map(|r| stored(r).map(|s| s.probe))
        .collect()
}

/// Every probe of every service (the services list marks those with a target down).
pub async fn list_all(ex: Ex<'_>) -> Result<Vec<Probe>> {
    let sql = format!("SELECT {COLUMNS} FROM probes ORDER BY service_id, id");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    rows.into_iter()
        .map(|r| stored(r).map(|s| s.probe))
        .collect()
}

pub async fn update_config(
    ex: Ex<'_>,
    id: i64,
    config: &ProbeConfig,
    next_check_at: i64,
    now: i64,
) -> Result<Probe> {
    let sql = format!(
        "UPDATE probes SET config = $2, enabled = $3, next_check_at = $4, updated_at = $5
         WHERE id = $1 RETURNING {COLUMNS}"
    );
    let body = json(config)?;
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(&body).bind(config.enabled).bind(next_check_at).bind(now)
        .fetch_one(c).await)?;
    Ok(stored(row)?.probe)
}

pub async fn delete(mut ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM probe_results WHERE probe_id = $1").bind(id).execute(c).await.map(|_| ()))?;
    on!(ex, c => sqlx::query("DELETE FROM probes WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Claims up to `limit` enabled probes that are due and not being checked: each is marked in
/// flight until `now` plus its timeout and a margin, and its next check scheduled one
/// interval on. A claim is conditional, so two nodes never claim the same check.
pub async fn claim_due(mut ex: Ex<'_>, now: i64, limit: i64) -> Result<Vec<(i64, ProbeConfig)>> {
    let due: Vec<(i64, String)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, config FROM probes WHERE enabled AND next_check_at <= $1
         AND in_flight_until <= $1 ORDER BY next_check_at LIMIT $2")
        .bind(now).bind(limit).fetch_all(c).await)?;
    let mut claimed = Vec::with_capacity(due.len());
    for (id, body) in due {
        let Ok(config) = serde_json::from_str::<ProbeConfig>(&body) else {
            tracing::warn!(probe = id, "unreadable probe configuration; skipped");
            continue;
        };
        let until = now + (i64::from(config.timeout_seconds) + 5) * 1_000_000;
        let next = now + i64::from(config.interval_seconds) * 1_000_000;
        let n = on!(ex.by_ref(), c => sqlx::query(
            "UPDATE probes SET in_flight_until = $2, next_check_at = $3
             WHERE id = $1 AND enabled AND in_flight_until <= $4")
            .bind(id).bind(until).bind(next).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
        if n == 1 {
            claimed.push((id, config));
        }
    }
    Ok(claimed)
}

/// Stores the state a check left the probe in, and releases the claim.
#[allow(clippy::too_many_arguments)]
pub async fn set_tracking(
    ex: Ex<'_>,
    id: i64,
    t: &Tracking,
    checked_at: i64,
    error: Option<&str>,
    outage_id: Option<i64>,
    incident_id: Option<i64>,
) -> Result<()> {
    let failures = i32::try_from(t.consecutive_failures).unwrap_or(i32::MAX);
    on!(ex, c => sqlx::query(
        "UPDATE probes SET state = $2, consecutive_failures = $3, failing_since = $4,
         last_checked_at = $5, last_error = $6, outage_id = $7, incident_id = $8,
         in_flight_until = 0 WHERE id = $1")
        .bind(id).bind(t.state.as_str()).bind(failures).bind(t.failing_since)
        .bind(checked_at).bind(error).bind(outage_id).bind(incident_id)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

type ResultRow = (
    i64,
    i64,
    i64,
    bool,
    i64,
    Option<i32>,
    Option<String>,
    Option<i64>,
);

const RESULT_COLUMNS: &str =
    "id, probe_id, checked_at, ok, latency_ms, status_code, error, outage_id";

fn result(r: ResultRow) -> ProbeResult {
    let (id, probe_id, checked_at, ok, latency_ms, status_code, error, outage_id) = r;
    ProbeResult {
        id,
        probe_id,
        checked_at: rfc3339_micros(checked_at),
        ok,
        latency_ms,
        status_code: status_code.and_then(|s| u16::try_from(s).ok()),
        error,
        outage_id,
    }
}

pub async fn add_result(ex: Ex<'_>, probe: i64, at: i64, o: &CheckOutcome) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO probe_results (probe_id, checked_at, ok, latency_ms, status_code, error)
         VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(probe).bind(at).bind(o.ok).bind(o.latency_ms).bind(o.status_code.map(i32::from))
        .bind(&o.error).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Ties the failed checks since `since` to the outage they opened, so retention keeps them.
pub async fn attach_failures(ex: Ex<'_>, probe: i64, since: i64, outage: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE probe_results SET outage_id = $3 WHERE probe_id = $1 AND checked_at >= $2 AND NOT ok")
        .bind(probe).bind(since).bind(outage).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A probe's latest results, newest first.
pub async fn results(ex: Ex<'_>, probe: i64, limit: i64) -> Result<Vec<ProbeResult>> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM probe_results WHERE probe_id = $1
         ORDER BY checked_at DESC, id DESC LIMIT $2"
    );
    let rows: Vec<ResultRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(probe).bind(limit).fetch_all(c).await)?;
    Ok(rows.into_iter().map(result).collect())
}

/// The failed checks that opened an outage, oldest first.
pub async fn results_of_outage(ex: Ex<'_>, outage: i64) -> Result<Vec<ProbeResult>> {
    let sql = format!(
        "SELECT {RESULT_COLUMNS} FROM probe_results WHERE outage_id = $1 ORDER BY checked_at, id"
    );
    let rows: Vec<ResultRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(outage).fetch_all(c).await)?;
    Ok(rows.into_iter().map(result).collect())
}

/// Deletes results older than `before` that belong to no outage; returns how many.
pub async fn prune(ex: Ex<'_>, before: i64) -> Result<u64> {
    Ok(on!(ex, c => sqlx::query(
        "DELETE FROM probe_results WHERE outage_id IS NULL AND checked_at < $1")
        .bind(before).execute(c).await.map(|r| r.rows_affected()))?)
}
