//! Risks and opportunities of the SMS.
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::risk::{Risk, RiskKind, RiskLevel, RiskStatus, Treatment};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    kind: String,
    description: Option<String>,
    likelihood: i64,
    impact: i64,
    treatment: Option<String>,
    treatment_text: Option<String>,
    owner_id: Option<i64>,
    review_due_on: Option<String>,
    status: String,
    service_ids: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, title, kind, description, likelihood, impact, treatment,
    treatment_text, owner_id, review_due_on, status, service_ids, created_at, updated_at";

fn risk(r: Row) -> Result<Risk> {
    let id = r.id;
    let corrupt = |what: String| StoreError::Corrupt(format!("risk {id}: {what}"));
    Ok(Risk {
        id,
        number: format!("RSK-{id:04}"),
        title: r.title,
        kind: RiskKind::parse(&r.kind).ok_or_else(|| corrupt("kind".into()))?,
        description: r.description,
        likelihood: r.likelihood,
        impact: r.impact,
        score: 0,
        level: RiskLevel::Low,
        treatment: r
            .treatment
            .map(|t| Treatment::parse(&t).ok_or_else(|| corrupt("treatment".into())))
            .transpose()?,
        treatment_text: r.treatment_text,
        owner_id: r.owner_id,
        review_due_on: r.review_due_on,
        status: RiskStatus::parse(&r.status).ok_or_else(|| corrupt("status".into()))?,
        service_ids: serde_json::from_str(&r.service_ids).map_err(|e| corrupt(e.to_string()))?,
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
    }
    .scored())
}

fn ids(v: &[i64]) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

pub async fn insert(ex: Ex<'_>, r: &Risk, now: i64) -> Result<Risk> {
    let sql = format!(
        "INSERT INTO risks (title, kind, description, likelihood, impact, treatment,
         treatment_text, owner_id, review_due_on, status, service_ids, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING {COLUMNS}"
    );
    let services = ids(&r.service_ids)?;
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&r.title).bind(r.kind.as_str()).bind(&r.description).bind(r.likelihood)
        .bind(r.impact).bind(r.treatment.map(|t| t.as_str())).bind(&r.treatment_text)
        .bind(r.owner_id).bind(&r.review_due_on).bind(r.status.as_str()).bind(&services)
        .bind(now).fetch_one(c).await)?;
    risk(row)
}

pub async fn update(ex: Ex<'_>, r: &Risk, now: i64) -> Result<Risk> {
    let sql = format!(
        "UPDATE risks SET title = $2, kind = $3, description = $4, likelihood = $5, impact = $6,
         treatment = $7, treatment_text = $8, owner_id = $9, review_due_on = $10, status = $11,
         service_ids = $12, updated_at = $13 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let services = ids(&r.service_ids)?;
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(r.id).bind(&r.title).bind(r.kind.as_str()).bind(&r.description)
        .bind(r.likelihood).bind(r.impact).bind(r.treatment.map(|t| t.as_str()))
        .bind(&r.treatment_text).bind(r.owner_id).bind(&r.review_due_on)
        .bind(r.status.as_str()).bind(&services).bind(now).fetch_one(c).await)?;
    risk(row)
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Risk>> {
    let sql = format!("SELECT {COLUMNS} FROM risks WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(risk).transpose()
}

/// Every risk and opportunity, newest first; the use case filters and sorts by level, which
/// the domain computes.
pub async fn list(ex: Ex<'_>) -> Result<Vec<Risk>> {
    let sql = format!("SELECT {COLUMNS} FROM risks ORDER BY id DESC");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    rows.into_iter().map(risk).collect()
}
