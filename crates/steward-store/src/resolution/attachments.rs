//! Attachment content and metadata.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::attachment::Attachment;

/// A new attachment's metadata; the content travels beside it.
pub struct NewAttachment<'a> {
    pub ticket_id: i64,
    pub file_name: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub public: bool,
    pub uploaded_by_id: Option<i64>,
    pub uploaded_by: &'a str,
}

pub async fn insert(ex: Ex<'_>, a: &NewAttachment<'_>, content: &[u8], now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO ticket_attachments (ticket_id, file_name, content_type, size_bytes, sha256, public,
         uploaded_by_id, uploaded_by, uploaded_at, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id")
        .bind(a.ticket_id).bind(a.file_name).bind(a.content_type).bind(content.len() as i64).bind(a.sha256)
        .bind(a.public).bind(a.uploaded_by_id).bind(a.uploaded_by).bind(now).bind(content)
        .fetch_one(c).await)?)
}

type MetaRow = (i64, i64, String, String, i64, String, bool, String, i64);

const META: &str =
    "SELECT id, ticket_id, file_name, content_type, size_bytes, sha256, public, uploaded_by,
    uploaded_at FROM ticket_attachments";

fn meta(
    (id, ticket_id, file_name, content_type, size_bytes, sha256, public, uploaded_by, at): MetaRow,
) -> Attachment {
    Attachment {
        id,
        ticket_id,
        file_name,
        content_type,
        size_bytes,
        sha256,
        public,
        uploaded_by,
        uploaded_at: rfc3339_micros(at),
    }
}

/// A ticket's attachments, oldest first; internal ones only when `internal` is true.
pub async fn list(ex: Ex<'_>, ticket: i64, internal: bool) -> Result<Vec<Attachment>> {
    let sql = format!("{META} WHERE ticket_id = $1 AND (public OR $2) ORDER BY id");
    let rows: Vec<MetaRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ticket).bind(internal).fetch_all(c).await)?;
    Ok(rows.into_iter().map(meta).collect())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Attachment>> {
    let sql = format!("{META} WHERE id = $1");
    let row: Option<MetaRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(meta))
}

pub async fn content(ex: Ex<'_>, id: i64) -> Result<Vec<u8>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT content FROM ticket_attachments WHERE id = $1")
        .bind(id).fetch_one(c).await)?,
    )
}
