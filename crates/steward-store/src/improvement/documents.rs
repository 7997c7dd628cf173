//! The register of documented information and its versions; the figures the evidence map
//! reads about documents and competence.
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::document::{
    Document, DocumentFigures, DocumentKind, DocumentStatus, DocumentVersion, PlanFigure,
    TextFormat, VersionStatus,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    kind: String,
    owner_id: Option<i64>,
    clause: Option<String>,
    review_interval_months: i64,
    review_due_on: Option<String>,
    last_reviewed_on: Option<String>,
    status: String,
    withdrawn_at: Option<i64>,
    withdrawn_reason: Option<String>,
    created_at: i64,
    updated_at: i64,
    versions: i64,
    current_label: Option<String>,
    latest_label: Option<String>,
}

const SELECT: &str = "SELECT d.id, d.title, d.kind, d.owner_id, d.clause,
    d.review_interval_months, d.review_due_on, d.last_reviewed_on, d.status, d.withdrawn_at,
    d.withdrawn_reason, d.created_at, d.updated_at,
    (SELECT CAST(COUNT(*) AS BIGINT) FROM document_versions v WHERE v.document_id = d.id)
        AS versions,
    (SELECT v.label FROM document_versions v WHERE v.document_id = d.id
        AND v.status = 'approved' ORDER BY v.id DESC LIMIT 1) AS current_label,
    (SELECT v.label FROM document_versions v WHERE v.document_id = d.id
        ORDER BY v.id DESC LIMIT 1) AS latest_label
    FROM documents d";

fn corrupt(what: &str, id: i64, e: &str) -> StoreError {
    StoreError::Corrupt(format!("{what} {id}: {e}"))
}

fn document(r: Row) -> Result<Document> {
    let id = r.id;
    Ok(Document {
        id,
        title: r.title,
        kind: DocumentKind::parse(&r.kind).ok_or_else(|| corrupt("document", id, "kind"))?,
        owner_id: r.owner_id,
        clause: r.clause,
        review_interval_months: r.review_interval_months,
        review_due_on: r.review_due_on,
        last_reviewed_on: r.last_reviewed_on,
        status: DocumentStatus::parse(&r.status)
            .ok_or_else(|| corrupt("document", id, "status"))?,
        withdrawn_at: r.withdrawn_at.map(rfc3339_micros),
        withdrawn_reason: r.withdrawn_reason,
        placeholder: r.versions == 0,
        current_version: r.current_label,
        latest_version: r.latest_label,
        review_overdue: false,
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
    })
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Document>> {
    let sql = format!("{SELECT} WHERE d.id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(document).transpose()
}

/// The active service management plan, if there is one.
pub async fn active_plan(ex: Ex<'_>) -> Result<Option<Document>> {
    let sql = format!("{SELECT} WHERE d.kind = $1 AND d.status = 'active'");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(DocumentKind::ServiceManagementPlan.as_str()).fetch_optional(c).await)?;
    row.map(document).transpose()
}

/// The register, optionally of one kind and status, by kind then title.
pub async fn list(
    ex: Ex<'_>,
    kind: Option<DocumentKind>,
    status: Option<DocumentStatus>,
) -> Result<Vec<Document>> {
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR d.kind = $1) AND ($2 IS NULL OR d.status = $2)
         ORDER BY d.kind, d.title, d.id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(kind.map(|k| k.as_str())).bind(status.map(|s| s.as_str())).fetch_all(c).await)?;
    rows.into_iter().map(document).collect()
}

pub async fn insert(mut ex: Ex<'_>, d: &Document, now: i64) -> Result<Document> {
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO documents (title, kind, owner_id, clause, review_interval_months,
         review_due_on, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
        .bind(&d.title).bind(d.kind.as_str()).bind(d.owner_id).bind(&d.clause)
        .bind(d.review_interval_months).bind(&d.review_due_on).bind(d.status.as_str()).bind(now)
        .fetch_one(c).await)?;
    get(ex, id)
        .await?
        .ok_or_else(|| corrupt("document", id, "vanished"))
}

/// Creates a placeholder (no owner, no version, no review date) unless a document of this
/// kind and title exists — or, for the plan, an active plan exists: then nothing (None).
pub async fn ensure_placeholder(
    mut ex: Ex<'_>,
    kind: DocumentKind,
    title: &str,
    clause: Option<&str>,
    review_interval_months: i64,
    now: i64,
) -> Result<Option<Document>> {
    // No conflict target: any unique rule (kind and title, the one active plan) means "exists".
    let id: Option<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO documents (title, kind, clause, review_interval_months, status,
         created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'active', $5, $5) ON CONFLICT DO NOTHING RETURNING id")
        .bind(title).bind(kind.as_str()).bind(clause).bind(review_interval_months).bind(now)
        .fetch_optional(c).await)?;
    match id {
        Some(id) => get(ex, id).await,
        None => Ok(None),
    }
}

pub async fn update(
    mut ex: Ex<'_>,
    d: &Document,
    withdrawn_at: Option<i64>,
    now: i64,
) -> Result<Document> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE documents SET title = $2, kind = $3, owner_id = $4, clause = $5,
         review_interval_months = $6, review_due_on = $7, last_reviewed_on = $8, status = $9,
         withdrawn_at = $10, withdrawn_reason = $11, updated_at = $12 WHERE id = $1")
        .bind(d.id).bind(&d.title).bind(d.kind.as_str()).bind(d.owner_id).bind(&d.clause)
        .bind(d.review_interval_months).bind(&d.review_due_on).bind(&d.last_reviewed_on)
        .bind(d.status.as_str()).bind(withdrawn_at).bind(&d.withdrawn_reason).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    get(ex, d.id)
        .await?
        .ok_or_else(|| corrupt("document", d.id, "vanished"))
}

/// Marks a document changed (a version added or approved) without touching its fields.
pub async fn touch(ex: Ex<'_>, id: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE documents SET updated_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct VersionRow {
    id: i64,
    document_id: i64,
    label: String,
    status: String,
    format: Option<String>,
    body: Option<String>,
    file_name: Option<String>,
    content_type: Option<String>,
    size_bytes: Option<i64>,
    sha256: Option<String>,
    change_note: Option<String>,
    created_by: Option<i64>,
    created_by_name: String,
    created_at: i64,
    approved_by: Option<i64>,
    approved_by_name: Option<String>,
    approved_at: Option<i64>,
}

const VERSION: &str = "SELECT id, document_id, label, status, format, body, file_name,
    content_type, size_bytes, sha256, change_note, created_by, created_by_name, created_at,
    approved_by, approved_by_name, approved_at FROM document_versions";

fn version(r: VersionRow) -> Result<DocumentVersion> {
    Ok(DocumentVersion {
        id: r.id,
        document_id: r.document_id,
        label: r.label,
        status: VersionStatus::parse(&r.status)
            .ok_or_else(|| corrupt("document version", r.id, "status"))?,
        format: r.format.as_deref().and_then(TextFormat::parse),
        text: r.body,
        file_name: r.file_name,
        content_type: r.content_type,
        size_bytes: r.size_bytes,
        sha256: r.sha256,
        change_note: r.change_note,
        created_by: r.created_by,
        created_by_name: r.created_by_name,
        created_at: rfc3339_micros(r.created_at),
        approved_by: r.approved_by,
        approved_by_name: r.approved_by_name,
        approved_at: r.approved_at.map(rfc3339_micros),
    })
}

/// A document's versions, newest first.
pub async fn versions(ex: Ex<'_>, document: i64) -> Result<Vec<DocumentVersion>> {
    let sql = format!("{VERSION} WHERE document_id = $1 ORDER BY id DESC");
    let rows: Vec<VersionRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(document).fetch_all(c).await)?;
    rows.into_iter().map(version).collect()
}

pub async fn version_of(ex: Ex<'_>, document: i64, id: i64) -> Result<Option<DocumentVersion>> {
    let sql = format!("{VERSION} WHERE document_id = $1 AND id = $2");
    let row: Option<VersionRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(document).bind(id).fetch_optional(c).await)?;
    row.map(version).transpose()
}

/// A new version's content: text, or a file's metadata with its bytes.
pub enum Content<'a> {
    Text(&'a str, TextFormat),
    File {
        name: &'a str,
        content_type: &'a str,
        sha256: &'a str,
        bytes: &'a [u8],
    },
}

pub struct NewVersion<'a> {
    pub document_id: i64,
    pub label: &'a str,
    pub content: Content<'a>,
    pub change_note: Option<&'a str>,
    pub created_by: Option<i64>,
    pub created_by_name: &'a str,
}

/// Inserts a draft version.
pub async fn insert_version(
    mut ex: Ex<'_>,
    v: &NewVersion<'_>,
    now: i64,
) -> Result<DocumentVersion> {
    let (format, body, name, ctype, size, sha, bytes) = match &v.content {
        Content::Text(t, f) => (Some(f.as_str()), Some(*t), None, None, None, None, None),
        Content::File {
            name,
            content_type,
            sha256,
            bytes,
        } => (
            None,
            None,
            Some(*name),
            Some(*content_type),
            Some(bytes.len() as i64),
            Some(*sha256),
            Some(*bytes),
        ),
    };
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO document_versions (document_id, label, status, format, body, file_name,
         content_type, size_bytes, sha256, content, change_note, created_by, created_by_name,
         created_at)
         VALUES ($1, $2, 'draft', $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id")
        .bind(v.document_id).bind(v.label).bind(format).bind(body).bind(name).bind(ctype)
        .bind(size).bind(sha).bind(bytes).bind(v.change_note).bind(v.created_by)
        .bind(v.created_by_name).bind(now)
        .fetch_one(c).await)?;
    version_of(ex, v.document_id, id)
        .await?
        .ok_or_else(|| corrupt("document version", id, "vanished"))
}

/// Approves a draft; an approved version is left as it is (None).
pub async fn approve_version(
    mut ex: Ex<'_>,
    document: i64,
    id: i64,
    by: Option<i64>,
    by_name: &str,
    now: i64,
) -> Result<Option<DocumentVersion>> {
    let done = on!(ex.by_ref(), c => sqlx::query(
        "UPDATE document_versions SET status = 'approved', approved_by = $3,
         approved_by_name = $4, approved_at = $5
         WHERE document_id = $1 AND id = $2 AND status = 'draft'")
        .bind(document).bind(id).bind(by).bind(by_name).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    if done == 0 {
        return Ok(None);
    }
    version_of(ex, document, id).await
}

/// A file version's bytes.
pub async fn version_content(ex: Ex<'_>, document: i64, id: i64) -> Result<Option<Vec<u8>>> {
    let bytes: Option<Option<Vec<u8>>> = on!(ex, c => sqlx::query_scalar(
        "SELECT content FROM document_versions WHERE document_id = $1 AND id = $2")
        .bind(document).bind(id).fetch_optional(c).await)?;
    Ok(bytes.flatten())
}

/// Documents, the plan and competence as the evidence map reads them; `today` is
/// `YYYY-MM-DD` (dates are stored as such, so they compare as text).
pub async fn conformity_figures(mut ex: Ex<'_>, today: &str) -> Result<DocumentFigures> {
    let (total, placeholder, unapproved, overdue): (i64, i64, i64, i64) = on!(ex.by_ref(), c =>
        sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM document_versions v
             WHERE v.document_id = d.id) THEN 1 ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM document_versions v
             WHERE v.document_id = d.id AND v.status = 'approved') THEN 1 ELSE 0 END), 0)
             AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN d.review_due_on < $1 THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM documents d WHERE d.status = 'active'")
        .bind(today).fetch_one(c).await)?;
    let plan: Option<(i64, Option<String>)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT CAST(CASE WHEN EXISTS (SELECT 1 FROM document_versions v
             WHERE v.document_id = d.id AND v.status = 'approved') THEN 1 ELSE 0 END AS BIGINT),
         d.review_due_on
         FROM documents d WHERE d.kind = $1 AND d.status = 'active'")
        .bind(DocumentKind::ServiceManagementPlan.as_str()).fetch_optional(c).await)?;
    let (members, without): (i64, i64) = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN NOT EXISTS (SELECT 1 FROM competences k
             WHERE k.user_id = u.id AND (k.expires_on IS NULL OR k.expires_on >= $1))
             THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM users u WHERE u.active
         AND EXISTS (SELECT 1 FROM team_members m WHERE m.user_id = u.id)")
        .bind(today).fetch_one(c).await)?;
    let expired: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM competences WHERE expires_on < $1")
        .bind(today).fetch_one(c).await)?;
    Ok(DocumentFigures {
        documents_total: total,
        documents_placeholder: placeholder,
        documents_unapproved: unapproved,
        documents_review_overdue: overdue,
        plan: plan.map(|(approved, review_due_on)| PlanFigure {
            approved: approved == 1,
            review_due_on,
        }),
        team_members_total: members,
        team_members_without_competence: without,
        competences_expired: expired,
    })
}
