//! Outages and maintenance windows.
use crate::{Ex, Result, on};
use steward_domain::assurance::outage::{Outage, OutageDraft, OutageKind};
use steward_domain::foundation::page::rfc3339_micros;

type Row = (
    i64,
    i64,
    String,
    i64,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    i64,
    i64,
);

const COLUMNS: &str =
    "id, service_id, kind, start_at, end_at, incident_id, note, series_id, created_at, updated_at";

fn outage(r: Row) -> (Outage, OutageDraft) {
    let (id, service_id, kind, start, end, incident_id, note, series_id, created, updated) = r;
    // The CHECK constraint admits only known kinds.
    let kind = OutageKind::parse(&kind).unwrap_or(OutageKind::Unplanned);
    (
        Outage {
            id,
            service_id,
            kind,
            start: rfc3339_micros(start),
            end: end.map(rfc3339_micros),
            incident_id,
            note: note.clone(),
            series_id,
            created_at: rfc3339_micros(created),
            updated_at: rfc3339_micros(updated),
        },
        OutageDraft {
            kind,
            start,
            end,
            incident_id,
            note,
        },
    )
}

pub async fn insert(ex: Ex<'_>, service: i64, d: &OutageDraft, now: i64) -> Result<Outage> {
    insert_in_series(ex, service, d, None, now).await
}

/// Inserts a window of the weekly series that begins with window `series`.
pub async fn insert_in_series(
    ex: Ex<'_>,
    service: i64,
    d: &OutageDraft,
    series: Option<i64>,
    now: i64,
) -> Result<Outage> {
    let sql = format!(
        "INSERT INTO outages (service_id, kind, start_at, end_at, incident_id, note, series_id,
         created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).bind(d.kind.as_str()).bind(d.start).bind(d.end).bind(d.incident_id)
        .bind(&d.note).bind(series).bind(now).fetch_one(c).await)?;
    Ok(outage(row).0)
}

/// Makes a window the first of its own series.
pub async fn start_series(ex: Ex<'_>, id: i64) -> Result<Outage> {
    let sql = format!("UPDATE outages SET series_id = id WHERE id = $1 RETURNING {COLUMNS}");
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_one(c).await)?;
    Ok(outage(row).0)
}

/// One outage of a service, as read and as its checked draft.
pub async fn get(ex: Ex<'_>, service: i64, id: i64) -> Result<Option<(Outage, OutageDraft)>> {
    let sql = format!("SELECT {COLUMNS} FROM outages WHERE id = $1 AND service_id = $2");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(service).fetch_optional(c).await)?;
    Ok(row.map(outage))
}

pub async fn update(ex: Ex<'_>, id: i64, d: &OutageDraft, now: i64) -> Result<Outage> {
    let sql = format!(
        "UPDATE outages SET kind = $2, start_at = $3, end_at = $4, incident_id = $5, note = $6,
         updated_at = $7 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(d.kind.as_str()).bind(d.start).bind(d.end).bind(d.incident_id)
        .bind(&d.note).bind(now).fetch_one(c).await)?;
    Ok(outage(row).0)
}

/// The windows of a series starting at or after `from`, earliest first.
pub async fn series_from(
    ex: Ex<'_>,
    service: i64,
    series: i64,
    from: i64,
) -> Result<Vec<(Outage, OutageDraft)>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outages WHERE service_id = $1 AND series_id = $2 AND start_at >= $3
         ORDER BY start_at"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).bind(series).bind(from).fetch_all(c).await)?;
    Ok(rows.into_iter().map(outage).collect())
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM outages WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A service's outages that overlap `[from, to)` (microseconds; none: unbounded), earliest
/// first. An open outage overlaps everything after its start.
pub async fn overlapping(
    ex: Ex<'_>,
    service: i64,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<Vec<(Outage, OutageDraft)>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outages WHERE service_id = $1
           AND ($2 IS NULL OR end_at IS NULL OR end_at > $2)
           AND ($3 IS NULL OR start_at < $3)
         ORDER BY start_at, id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).bind(from).bind(to).fetch_all(c).await)?;
    Ok(rows.into_iter().map(outage).collect())
}

/// When the service's earliest recorded outage started, if it has any.
pub async fn earliest_start(ex: Ex<'_>, service: i64) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT MIN(start_at) FROM outages WHERE service_id = $1")
        .bind(service).fetch_one(c).await)?)
}

/// The open outages an incident records.
pub async fn open_for_incident(ex: Ex<'_>, incident: i64) -> Result<Vec<(Outage, OutageDraft)>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM outages WHERE incident_id = $1 AND end_at IS NULL ORDER BY id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(incident).fetch_all(c).await)?;
    Ok(rows.into_iter().map(outage).collect())
}

/// Every service's outages overlapping `[from, to)`: (service, kind, start, end), only what
/// availability needs, in no particular order (the availability rule sorts).
pub async fn overlapping_all(
    ex: Ex<'_>,
    from: i64,
    to: i64,
) -> Result<Vec<(i64, OutageKind, i64, Option<i64>)>> {
    let rows: Vec<(i64, String, i64, Option<i64>)> = on!(ex, c => sqlx::query_as(
        "SELECT service_id, kind, start_at, end_at FROM outages
         WHERE start_at < $2 AND (end_at IS NULL OR end_at > $1)")
        .bind(from).bind(to).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(service, kind, start, end)| {
            // The CHECK constraint admits only known kinds.
            let kind = OutageKind::parse(&kind).unwrap_or(OutageKind::Unplanned);
            (service, kind, start, end)
        })
        .collect())
}

/// Each service's earliest outage start.
pub async fn earliest_starts(ex: Ex<'_>) -> Result<Vec<(i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT service_id, MIN(start_at) FROM outages GROUP BY service_id")
        .fetch_all(c).await)?)
}
