//! Complaints and supplier disputes, with their timelines.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::improvement::complaint::{
    Complaint, ComplaintDraft, ComplaintKind, ComplaintStatus, TimelineEntry, Transition,
};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    number: String,
    title: String,
    description: Option<String>,
    organization_id: Option<i64>,
    service_id: Option<i64>,
    supplier_id: Option<i64>,
    agreement_id: Option<i64>,
    raised_by: Option<i64>,
    owner_id: Option<i64>,
    status: String,
    resolution: Option<String>,
    closed_at: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, kind, number, title, description, organization_id, service_id,
    supplier_id, agreement_id, raised_by, owner_id, status, resolution, closed_at, created_at,
    updated_at";

fn status(s: &str) -> ComplaintStatus {
    // The CHECK constraint admits only the known statuses.
    ComplaintStatus::parse(s).unwrap_or(ComplaintStatus::New)
}

impl From<Row> for Complaint {
    fn from(r: Row) -> Self {
        Complaint {
            id: r.id,
            number: r.number,
            kind: ComplaintKind::parse(&r.kind).unwrap_or(ComplaintKind::Complaint),
            title: r.title,
            description: r.description,
            organization_id: r.organization_id,
            service_id: r.service_id,
            supplier_id: r.supplier_id,
            agreement_id: r.agreement_id,
            raised_by: r.raised_by,
            owner_id: r.owner_id,
            status: status(&r.status),
            resolution: r.resolution,
            closed_at: r.closed_at.map(rfc3339_micros),
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
            timeline: None,
        }
    }
}

/// Takes the next number of a kind; the row stays locked until the transaction ends.
pub async fn next_number(ex: Ex<'_>, kind: ComplaintKind) -> Result<String> {
    let seq: i64 = on!(ex, c => sqlx::query_scalar(
        "UPDATE complaint_counters SET last = last + 1 WHERE kind = $1 RETURNING last")
        .bind(kind.as_str()).fetch_one(c).await)?;
    Ok(kind.number(seq))
}

pub async fn insert(
    ex: Ex<'_>,
    number: &str,
    d: &ComplaintDraft,
    raised_by: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO complaints (kind, number, title, description, organization_id, service_id,
         supplier_id, agreement_id, raised_by, owner_id, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 'new', $11, $11) RETURNING id")
        .bind(d.kind.as_str()).bind(number).bind(&d.title).bind(&d.description)
        .bind(d.organization_id).bind(d.service_id).bind(d.supplier_id).bind(d.agreement_id)
        .bind(raised_by).bind(d.owner_id).bind(now)
        .fetch_one(c).await)?)
}

pub async fn update(ex: Ex<'_>, id: i64, d: &ComplaintDraft, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE complaints SET title = $2, description = $3, service_id = $4, agreement_id = $5,
         owner_id = $6, updated_at = $7 WHERE id = $1")
        .bind(id).bind(&d.title).bind(&d.description).bind(d.service_id).bind(d.agreement_id)
        .bind(d.owner_id).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Applies a transition, guarded by the status it was planned from: returns false when
/// another request moved the record first.
pub async fn transition(ex: Ex<'_>, id: i64, t: &Transition, now: i64) -> Result<bool> {
    let closed_at = t.closes.then_some(now);
    let n = on!(ex, c => sqlx::query(
        "UPDATE complaints SET status = $2, resolution = $3, closed_at = $4, updated_at = $5
         WHERE id = $1 AND status = $6")
        .bind(id).bind(t.to.as_str()).bind(&t.resolution).bind(closed_at).bind(now)
        .bind(t.from.as_str())
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// Appends one entry to the record's timeline.
#[allow(clippy::too_many_arguments)]
pub async fn add_event(
    ex: Ex<'_>,
    id: i64,
    now: i64,
    actor_id: Option<i64>,
    actor: &str,
    from: Option<ComplaintStatus>,
    to: ComplaintStatus,
    note: Option<&str>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO complaint_events (complaint_id, at, actor_id, actor, from_status, to_status, note)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id).bind(now).bind(actor_id).bind(actor).bind(from.map(|s| s.as_str()))
        .bind(to.as_str()).bind(note)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Complaint>> {
    let sql = format!("SELECT {COLUMNS} FROM complaints WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// `at, actor, actor_id, from_status, to_status, note` of one timeline entry.
type EventRow = (
    i64,
    String,
    Option<i64>,
    Option<String>,
    String,
    Option<String>,
);

/// The record with its timeline.
pub async fn get_full(mut ex: Ex<'_>, id: i64) -> Result<Option<Complaint>> {
    let Some(mut complaint) = get(ex.by_ref(), id).await? else {
        return Ok(None);
    };
    let rows: Vec<EventRow> = on!(ex, c => sqlx::query_as(
            "SELECT at, actor, actor_id, from_status, to_status, note FROM complaint_events
             WHERE complaint_id = $1 ORDER BY id")
            .bind(id).fetch_all(c).await)?;
    complaint.timeline = Some(
        rows.into_iter()
            .map(|(at, actor, actor_id, from, to, note)| TimelineEntry {
                at: rfc3339_micros(at),
                actor,
                actor_id,
                from: from.as_deref().map(status),
                to: status(&to),
                note,
            })
            .collect(),
    );
    Ok(Some(complaint))
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub kind: Option<ComplaintKind>,
    pub status: Option<ComplaintStatus>,
    pub organization: Option<i64>,
    pub service: Option<i64>,
    pub supplier: Option<i64>,
    pub agreement: Option<i64>,
    pub owner: Option<i64>,
    pub q: Option<String>,
}

pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Complaint>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("kind =", f.kind.map(|k| k.as_str()));
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("organization_id =", f.organization);
    filter.and_opt("service_id =", f.service);
    filter.and_opt("supplier_id =", f.supplier);
    filter.and_opt("agreement_id =", f.agreement);
    filter.and_opt("owner_id =", f.owner);
    filter.and_contains("title", f.q.as_deref());
    let select = format!("SELECT {COLUMNS} FROM complaints");
    // Newest first.
    let listing = Listing::new(&select, "FROM complaints", filter, "id DESC", page);
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}
