//! Audit samples: the records of a kind created in a period, the stored draws, and the key
//! fields, links and history of the records a sample holds.
use crate::foundation::audit::{self, Filter};
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::audit::AuditEntry;
use steward_domain::foundation::page::{MAX_LIMIT, PageRequest, rfc3339_micros};
use steward_domain::improvement::sample::{Sample, SampleKind, SampledRecord};

/// The table, the creation column and the extra condition that make up a kind's records.
fn source(kind: SampleKind) -> (&'static str, &'static str, &'static str) {
    match kind {
        SampleKind::Incident => ("tickets", "opened_at", "kind = 'incident'"),
        SampleKind::Request => ("tickets", "opened_at", "kind = 'request'"),
        SampleKind::Problem => ("tickets", "opened_at", "kind = 'problem'"),
        SampleKind::KnownError => (
            "tickets",
            "opened_at",
            "kind = 'problem' AND known_error_number IS NOT NULL",
        ),
        SampleKind::Complaint => ("complaints", "created_at", "kind = 'complaint'"),
        SampleKind::Nonconformity => ("nonconformities", "created_at", "1 = 1"),
        SampleKind::Improvement => ("improvements", "created_at", "1 = 1"),
    }
}

/// Ids of the records of `kind` created in `[from, to)` (microseconds), ascending.
pub async fn candidates(ex: Ex<'_>, kind: SampleKind, from: i64, to: i64) -> Result<Vec<i64>> {
    let (table, created, condition) = source(kind);
    let sql = format!(
        "SELECT id FROM {table} WHERE {condition} AND {created} >= $1 AND {created} < $2
         ORDER BY id"
    );
    Ok(on!(ex, c => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .bind(from).bind(to).fetch_all(c).await)?)
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    period_from: String,
    period_to: String,
    size: i64,
    seed: String,
    population: i64,
    record_ids: String,
    drawn_by: Option<i64>,
    drawn_by_name: Option<String>,
    drawn_at: i64,
}

const SELECT: &str = "SELECT s.id, s.kind, s.period_from, s.period_to, s.size, s.seed,
    s.population, s.record_ids, s.drawn_by, u.display_name AS drawn_by_name, s.drawn_at
    FROM samples s LEFT JOIN users u ON u.id = s.drawn_by";

fn sample(r: Row) -> Result<Sample> {
    let corrupt = |what: &str| StoreError::Corrupt(format!("sample {}: {what}", r.id));
    Ok(Sample {
        id: r.id,
        kind: SampleKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
        from: r.period_from.clone(),
        to: r.period_to.clone(),
        size: u32::try_from(r.size).map_err(|_| corrupt("size"))?,
        seed: r.seed.parse().map_err(|_| corrupt("seed"))?,
        population: r.population,
        record_ids: serde_json::from_str(&r.record_ids).map_err(|_| corrupt("record_ids"))?,
        drawn_by: r.drawn_by,
        drawn_by_name: r.drawn_by_name,
        drawn_at: rfc3339_micros(r.drawn_at),
    })
}

/// Stores a drawn sample (its `id`, `drawn_by_name` and `drawn_at` are filled in here).
pub async fn insert(mut ex: Ex<'_>, s: &Sample, now: i64) -> Result<Sample> {
    let ids =
        serde_json::to_string(&s.record_ids).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO samples (kind, period_from, period_to, size, seed, population, record_ids,
         drawn_by, drawn_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
        .bind(s.kind.as_str()).bind(&s.from).bind(&s.to).bind(i64::from(s.size))
        .bind(s.seed.to_string()).bind(s.population).bind(&ids).bind(s.drawn_by).bind(now)
        .fetch_one(c).await)?;
    get(ex, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("sample {id} vanished")))
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Sample>> {
    let sql = format!("{SELECT} WHERE s.id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(sample).transpose()
}

/// Every sample, newest first.
pub async fn list(ex: Ex<'_>) -> Result<Vec<Sample>> {
    let sql = format!("{SELECT} ORDER BY s.id DESC");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    rows.into_iter().map(sample).collect()
}

#[derive(sqlx::FromRow)]
struct KeyRow {
    id: i64,
    reference: Option<String>,
    title: String,
    status: String,
    priority: Option<String>,
    service: Option<String>,
    created_at: i64,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
}

/// The key fields of these records of `kind`, by id (a record deleted since is missing).
pub async fn records(ex: Ex<'_>, kind: SampleKind, ids: &[i64]) -> Result<Vec<SampledRecord>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let select = match kind {
        SampleKind::Incident
        | SampleKind::Request
        | SampleKind::Problem
        | SampleKind::KnownError => {
            "SELECT t.id, COALESCE(t.known_error_number, t.number) AS reference, t.title,
             t.status, CAST(t.priority AS TEXT) AS priority, v.name AS service,
             t.opened_at AS created_at, t.resolved_at, t.closed_at
             FROM tickets t LEFT JOIN services v ON v.id = t.service_id WHERE t.id IN "
        }
        SampleKind::Complaint => {
            "SELECT t.id, t.number AS reference, t.title, t.status,
             CAST(NULL AS TEXT) AS priority, v.name AS service, t.created_at,
             CAST(NULL AS BIGINT) AS resolved_at, t.closed_at
             FROM complaints t LEFT JOIN services v ON v.id = t.service_id WHERE t.id IN "
        }
        SampleKind::Nonconformity => {
            "SELECT t.id, t.number AS reference, t.description AS title, t.status,
             t.severity AS priority, CAST(NULL AS TEXT) AS service, t.created_at,
             CAST(NULL AS BIGINT) AS resolved_at, t.closed_at
             FROM nonconformities t WHERE t.id IN "
        }
        SampleKind::Improvement => {
            "SELECT t.id, CAST(NULL AS TEXT) AS reference, t.title, t.status,
             CAST(NULL AS TEXT) AS priority, CAST(NULL AS TEXT) AS service, t.created_at,
             CAST(NULL AS BIGINT) AS resolved_at, CAST(NULL AS BIGINT) AS closed_at
             FROM improvements t WHERE t.id IN "
        }
    };
    let mut sql = Sql::new(select);
    sql.in_list(ids);
    let rows: Vec<KeyRow> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    let ticket = matches!(
        kind,
        SampleKind::Incident | SampleKind::Request | SampleKind::Problem | SampleKind::KnownError
    );
    Ok(rows
        .into_iter()
        .map(|r| SampledRecord {
            id: r.id,
            reference: r.reference.unwrap_or_else(|| format!("IMP-{:06}", r.id)),
            title: r.title,
            status: r.status,
            priority: r.priority.map(|p| if ticket { format!("P{p}") } else { p }),
            service: r.service,
            created_at: rfc3339_micros(r.created_at),
            resolved_at: r.resolved_at.map(rfc3339_micros),
            closed_at: r.closed_at.map(rfc3339_micros),
            links: Vec::new(),
            timeline: Vec::new(),
        })
        .collect())
}

/// A record's changes in the audit trail, oldest first (at most the latest 500).
pub async fn history(ex: Ex<'_>, record_type: &str, record_id: i64) -> Result<Vec<AuditEntry>> {
    let filter = Filter {
        record_type: Some(record_type.to_owned()),
        record_id: Some(record_id.to_string()),
        ..Filter::default()
    };
    let page = PageRequest {
        limit: MAX_LIMIT,
        offset: 0,
    };
    let (mut entries, _) = audit::list(ex, &filter, page).await?;
    entries.reverse();
    Ok(entries)
}

/// (id, number, description, status) of the nonconformities raised from a complaint, oldest first.
pub async fn nonconformities_of_complaint(
    ex: Ex<'_>,
    complaint: i64,
) -> Result<Vec<(i64, String, String, String)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, number, description, status FROM nonconformities WHERE complaint_id = $1
         ORDER BY id")
        .bind(complaint).fetch_all(c).await)?)
}

/// (id, number, description, status) of the nonconformities raised from an incident.
pub async fn nonconformities_of_incident(
    ex: Ex<'_>,
    incident: i64,
) -> Result<Vec<(i64, String, String, String)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, number, description, status FROM nonconformities WHERE incident_id = $1
         ORDER BY id")
        .bind(incident).fetch_all(c).await)?)
}
