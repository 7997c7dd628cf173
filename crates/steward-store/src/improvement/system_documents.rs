//! The SMS scope and the service management policy, every version kept.
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::system_document::{DocumentKind, DocumentStatus, DocumentVersion};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    version: i64,
    status: String,
    text: String,
    service_ids: String,
    organization_ids: String,
    exclusions: Option<String>,
    owner_id: Option<i64>,
    review_due_on: Option<String>,
    approved_by: Option<i64>,
    approved_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, kind, version, status, text, service_ids, organization_ids,
    exclusions, owner_id, review_due_on, approved_by, approved_at, created_at, updated_at";

fn corrupt(id: i64, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("system document {id}: {e}"))
}

fn version(r: Row) -> Result<DocumentVersion> {
    let id = r.id;
    Ok(DocumentVersion {
        id,
        kind: DocumentKind::parse(&r.kind).ok_or_else(|| corrupt(id, "kind"))?,
        version: r.version,
        status: DocumentStatus::parse(&r.status).ok_or_else(|| corrupt(id, "status"))?,
        text: r.text,
        service_ids: serde_json::from_str(&r.service_ids).map_err(|e| corrupt(id, e))?,
        organization_ids: serde_json::from_str(&r.organization_ids).map_err(|e| corrupt(id, e))?,
        exclusions: r.exclusions,
        owner_id: r.owner_id,
        review_due_on: r.review_due_on,
        approved_by: r.approved_by,
        approved_at: r.approved_at.map(rfc3339_micros),
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
    })
}

fn ids(v: &[i64]) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Every version of one statement, newest first.
pub async fn versions(ex: Ex<'_>, kind: DocumentKind) -> Result<Vec<DocumentVersion>> {
    let sql =
        format!("SELECT {COLUMNS} FROM system_documents WHERE kind = $1 ORDER BY version DESC");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind.as_str()).fetch_all(c).await)?;
    rows.into_iter().map(version).collect()
}

/// The newest version: the draft being worked on, or the approved one in force.
pub async fn newest(ex: Ex<'_>, kind: DocumentKind) -> Result<Option<DocumentVersion>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM system_documents WHERE kind = $1 ORDER BY version DESC LIMIT 1"
    );
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind.as_str()).fetch_optional(c).await)?;
    row.map(version).transpose()
}

/// Starts version `v.version` as a draft. Two writers starting the same version collide on
/// the unique (kind, version) and the second fails rather than forking the history.
pub async fn insert(ex: Ex<'_>, v: &DocumentVersion, now: i64) -> Result<DocumentVersion> {
    let sql = format!(
        "INSERT INTO system_documents (kind, version, status, text, service_ids,
         organization_ids, exclusions, owner_id, review_due_on, created_at, updated_at)
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $9) RETURNING {COLUMNS}"
    );
    let (services, orgs) = (ids(&v.service_ids)?, ids(&v.organization_ids)?);
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(v.kind.as_str()).bind(v.version).bind(&v.text).bind(&services).bind(&orgs)
        .bind(&v.exclusions).bind(v.owner_id).bind(&v.review_due_on).bind(now)
        .fetch_one(c).await)?;
    version(row)
}

/// Rewrites a draft; an approved version is left alone (None).
pub async fn update_draft(
    ex: Ex<'_>,
    v: &DocumentVersion,
    now: i64,
) -> Result<Option<DocumentVersion>> {
    let sql = format!(
        "UPDATE system_documents SET text = $2, service_ids = $3, organization_ids = $4,
         exclusions = $5, owner_id = $6, review_due_on = $7, updated_at = $8
         WHERE id = $1 AND status = 'draft' RETURNING {COLUMNS}"
    );
    let (services, orgs) = (ids(&v.service_ids)?, ids(&v.organization_ids)?);
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(v.id).bind(&v.text).bind(&services).bind(&orgs).bind(&v.exclusions)
        .bind(v.owner_id).bind(&v.review_due_on).bind(now).fetch_optional(c).await)?;
    row.map(version).transpose()
}

/// Approves a draft; None when it is no longer one.
pub async fn approve(
    ex: Ex<'_>,
    id: i64,
    by: Option<i64>,
    now: i64,
) -> Result<Option<DocumentVersion>> {
    let sql = format!(
        "UPDATE system_documents SET status = 'approved', approved_by = $2, approved_at = $3,
         updated_at = $3 WHERE id = $1 AND status = 'draft' RETURNING {COLUMNS}"
    );
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(by).bind(now).fetch_optional(c).await)?;
    row.map(version).transpose()
}
