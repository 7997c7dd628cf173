//! Investigations of unplanned non-availability.
use crate::{Ex, Result, on};
use steward_domain::assurance::investigation::{Investigation, InvestigationStatus};
use steward_domain::foundation::page::rfc3339_micros;

type Row = (
    i64,
    i64,
    String,
    i64,
    Option<String>,
    Option<String>,
    String,
    i64,
    i64,
);

const COLUMNS: &str =
    "id, service_id, month, owner_id, findings, actions, status, created_at, updated_at";

fn investigation(r: Row) -> Investigation {
    let (id, service_id, month, owner_id, findings, actions, status, created, updated) = r;
    Investigation {
        id,
        service_id,
        month,
        owner_id,
        findings,
        actions,
        // The CHECK constraint admits only known statuses.
        status: InvestigationStatus::parse(&status).unwrap_or(InvestigationStatus::Open),
        created_at: rfc3339_micros(created),
        updated_at: rfc3339_micros(updated),
    }
}

/// Records a new investigation; a second one for the same service and month is a
/// [`crate::StoreError::Duplicate`].
pub async fn insert(ex: Ex<'_>, i: &Investigation, now: i64) -> Result<Investigation> {
    let sql = format!(
        "INSERT INTO availability_investigations
           (service_id, month, owner_id, findings, actions, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(i.service_id).bind(&i.month).bind(i.owner_id).bind(&i.findings).bind(&i.actions)
        .bind(i.status.as_str()).bind(now).fetch_one(c).await)?;
    Ok(investigation(row))
}

pub async fn update(ex: Ex<'_>, i: &Investigation, now: i64) -> Result<Investigation> {
    let sql = format!(
        "UPDATE availability_investigations SET owner_id = $2, findings = $3, actions = $4,
           status = $5, updated_at = $6 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(i.id).bind(i.owner_id).bind(&i.findings).bind(&i.actions)
        .bind(i.status.as_str()).bind(now).fetch_one(c).await)?;
    Ok(investigation(row))
}

pub async fn get(ex: Ex<'_>, service: i64, id: i64) -> Result<Option<Investigation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM availability_investigations WHERE id = $1 AND service_id = $2"
    );
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(service).fetch_optional(c).await)?;
    Ok(row.map(investigation))
}

/// A service's investigations, newest month first.
pub async fn list(ex: Ex<'_>, service: i64) -> Result<Vec<Investigation>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM availability_investigations WHERE service_id = $1
         ORDER BY month DESC, id DESC"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).fetch_all(c).await)?;
    Ok(rows.into_iter().map(investigation).collect())
}
