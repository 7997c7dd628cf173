//! The improvement register.
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::opportunity::{
    Metric, Opportunity, OpportunitySource, OpportunityStatus,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    description: Option<String>,
    source: String,
    source_key: Option<String>,
    status: String,
    scores: String,
    decision_reason: Option<String>,
    decided_by: Option<i64>,
    decided_at: Option<i64>,
    owner_id: Option<i64>,
    objective: Option<String>,
    metric: Option<String>,
    target_value: Option<f64>,
    due_date: Option<String>,
    links: String,
    measurement: Option<String>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, title, description, source, source_key, status, scores,
    decision_reason, decided_by, decided_at, owner_id, objective, metric, target_value, due_date,
    links, measurement, created_at, updated_at";

fn corrupt(id: i64, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("improvement {id}: {e}"))
}

fn opportunity(r: Row) -> Result<Opportunity> {
    let id = r.id;
    Ok(Opportunity {
        id,
        number: format!("IMP-{id:06}"),
        title: r.title,
        description: r.description,
        source: OpportunitySource::parse(&r.source).ok_or_else(|| corrupt(id, "source"))?,
        source_key: r.source_key,
        status: OpportunityStatus::parse(&r.status).ok_or_else(|| corrupt(id, "status"))?,
        scores: serde_json::from_str(&r.scores).map_err(|e| corrupt(id, e))?,
        score: None,
        decision_reason: r.decision_reason,
        decided_by: r.decided_by,
        decided_at: r.decided_at.map(rfc3339_micros),
        owner_id: r.owner_id,
        objective: r.objective,
        metric: r.metric.as_deref().and_then(Metric::parse),
        target_value: r.target_value,
        due_date: r.due_date,
        links: serde_json::from_str(&r.links).map_err(|e| corrupt(id, e))?,
        measurement: r
            .measurement
            .as_deref()
            .map(serde_json::from_str)
            .transpose()
            .map_err(|e| corrupt(id, e))?,
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
    })
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Inserts an opportunity; with a `source_key` already raised, nothing (None).
pub async fn insert(ex: Ex<'_>, o: &Opportunity, now: i64) -> Result<Option<Opportunity>> {
    let sql = format!(
        "INSERT INTO improvements (title, description, source, source_key, status, scores,
         decision_reason, owner_id, objective, metric, target_value, due_date, links,
         created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)
         ON CONFLICT (source_key) DO NOTHING RETURNING {COLUMNS}"
    );
    let (scores, links) = (json(&o.scores)?, json(&o.links)?);
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&o.title).bind(&o.description).bind(o.source.as_str()).bind(&o.source_key)
        .bind(o.status.as_str()).bind(&scores).bind(&o.decision_reason).bind(o.owner_id)
        .bind(&o.objective).bind(o.metric.map(|m| m.as_str())).bind(o.target_value)
        .bind(&o.due_date).bind(&links).bind(now).fetch_optional(c).await)?;
    row.map(opportunity).transpose()
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Opportunity>> {
    let sql = format!("SELECT {COLUMNS} FROM improvements WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(opportunity).transpose()
}

/// Every opportunity, optionally of one status, newest first.
pub async fn list(ex: Ex<'_>, status: Option<OpportunityStatus>) -> Result<Vec<Opportunity>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM improvements WHERE ($1 IS NULL OR status = $1) ORDER BY id DESC"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(status.map(|s| s.as_str())).fetch_all(c).await)?;
    rows.into_iter().map(opportunity).collect()
}

pub async fn update(
    ex: Ex<'_>,
    o: &Opportunity,
    decided_at: Option<i64>,
    now: i64,
) -> Result<Opportunity> {
    let sql = format!(
        "UPDATE improvements SET title = $2, description = $3, source = $4, status = $5,
         scores = $6, decision_reason = $7, decided_by = $8, decided_at = $9, owner_id = $10,
         objective = $11, metric = $12, target_value = $13, due_date = $14, links = $15,
         measurement = $16, updated_at = $17 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let (scores, links) = (json(&o.scores)?, json(&o.links)?);
    let measurement = o.measurement.as_ref().map(json).transpose()?;
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(o.id).bind(&o.title).bind(&o.description).bind(o.source.as_str())
        .bind(o.status.as_str()).bind(&scores).bind(&o.decision_reason).bind(o.decided_by)
        .bind(decided_at).bind(o.owner_id).bind(&o.objective).bind(o.metric.map(|m| m.as_str()))
        .bind(o.target_value).bind(&o.due_date).bind(&links).bind(&measurement).bind(now)
        .fetch_one(c).await)?;
    opportunity(row)
}

/// Per SLA, the records opened in `[from, to)` and how many of them breached a target.
pub async fn sla_breaches(ex: Ex<'_>, from: i64, to: i64) -> Result<Vec<(i64, i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT sla_id, CAST(COUNT(*) AS BIGINT),
         CAST(SUM(CASE WHEN response_outcome = 'breached' OR resolution_outcome = 'breached'
             THEN 1 ELSE 0 END) AS BIGINT)
         FROM tickets WHERE sla_id IS NOT NULL AND opened_at >= $1 AND opened_at < $2
         GROUP BY sla_id ORDER BY sla_id")
        .bind(from).bind(to).fetch_all(c).await)?)
}

/// Resolution targets met and breached for one SLA's records opened in `[from, to)`, as the
/// SLA compliance report counts them.
pub async fn sla_resolution_verdicts(
    ex: Ex<'_>,
    sla: i64,
    from: i64,
    to: i64,
) -> Result<(i64, i64)> {
    let (met, breached): (Option<i64>, Option<i64>) = on!(ex, c => sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN resolution_outcome = 'met' THEN 1 ELSE 0 END) AS BIGINT),
         CAST(SUM(CASE WHEN resolution_outcome = 'breached' THEN 1 ELSE 0 END) AS BIGINT)
         FROM tickets WHERE sla_id = $1 AND opened_at >= $2 AND opened_at < $3")
        .bind(sla).bind(from).bind(to).fetch_one(c).await)?;
    Ok((met.unwrap_or(0), breached.unwrap_or(0)))
}
