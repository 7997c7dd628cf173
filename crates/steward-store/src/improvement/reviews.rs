//! Management reviews, their decisions and actions, and their frozen input packs.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::review::{Review, ReviewItem, ReviewItemKind, ReviewItemStatus};

type ReviewRow = (
    i64,
    String,
    String,
    String,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    i64,
    i64,
);

const REVIEW: &str = "SELECT r.id, r.title, r.period_from, r.period_to, r.chair_id, r.minutes,
    p.frozen_at, p.sha256, r.created_at, r.updated_at
    FROM management_reviews r LEFT JOIN review_packs p ON p.review_id = r.id";

fn review(r: ReviewRow) -> Review {
    let (id, title, period_from, period_to, chair_id, minutes, frozen, sha, created, updated) = r;
    Review {
        id,
        title,
        period_from,
        period_to,
        chair_id,
        minutes,
        frozen_at: frozen.map(rfc3339_micros),
        pack_sha256: sha,
        created_at: rfc3339_micros(created),
        updated_at: rfc3339_micros(updated),
    }
}

pub async fn insert(ex: Ex<'_>, r: &Review, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO management_reviews (title, period_from, period_to, chair_id, minutes,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
        .bind(&r.title).bind(&r.period_from).bind(&r.period_to).bind(r.chair_id)
        .bind(&r.minutes).bind(now).fetch_one(c).await)?)
}

pub async fn update(ex: Ex<'_>, r: &Review, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE management_reviews SET title = $2, period_from = $3, period_to = $4,
         chair_id = $5, minutes = $6, updated_at = $7 WHERE id = $1")
        .bind(r.id).bind(&r.title).bind(&r.period_from).bind(&r.period_to).bind(r.chair_id)
        .bind(&r.minutes).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Review>> {
    let sql = format!("{REVIEW} WHERE r.id = $1");
    let row: Option<ReviewRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(review))
}

pub async fn list(ex: Ex<'_>) -> Result<Vec<Review>> {
    let sql = format!("{REVIEW} ORDER BY r.period_to DESC, r.id DESC");
    let rows: Vec<ReviewRow> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    Ok(rows.into_iter().map(review).collect())
}

pub async fn freeze(ex: Ex<'_>, id: i64, content: &str, sha256: &str, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO review_packs (review_id, content, sha256, frozen_at) VALUES ($1, $2, $3, $4)")
        .bind(id).bind(content).bind(sha256).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The frozen pack's JSON and its SHA-256.
pub async fn pack(ex: Ex<'_>, id: i64) -> Result<Option<(String, String)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT content, sha256 FROM review_packs WHERE review_id = $1")
        .bind(id).fetch_optional(c).await)?)
}

type ItemRow = (
    i64,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    String,
    Option<i64>,
    i64,
);

const ITEM: &str =
    "SELECT id, review_id, kind, text, owner_id, due_date, status, done_at, created_at
    FROM review_items";

fn item(r: ItemRow) -> ReviewItem {
    let (id, review_id, kind, text, owner_id, due_date, status, done_at, created) = r;
    ReviewItem {
        id,
        review_id,
        // The CHECK constraints admit only these.
        kind: ReviewItemKind::parse(&kind).unwrap_or(ReviewItemKind::Action),
        text,
        owner_id,
        due_date,
        status: ReviewItemStatus::parse(&status).unwrap_or(ReviewItemStatus::Open),
        done_at: done_at.map(rfc3339_micros),
        created_at: rfc3339_micros(created),
    }
}

pub async fn add_item(
    ex: Ex<'_>,
    review: i64,
    kind: ReviewItemKind,
    text: &str,
    owner: Option<i64>,
    due: Option<&str>,
    now: i64,
) -> Result<i64> {
    // A decision is recorded, not worked: it is done when made.
    let (status, done_at) = match kind {
        ReviewItemKind::Decision => ("done", Some(now)),
        ReviewItemKind::Action => ("open", None),
    };
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO review_items (review_id, kind, text, owner_id, due_date, status, done_at,
         created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id")
        .bind(review).bind(kind.as_str()).bind(text).bind(owner).bind(due).bind(status)
        .bind(done_at).bind(now).fetch_one(c).await)?)
}

pub async fn set_item_status(
    ex: Ex<'_>,
    id: i64,
    status: ReviewItemStatus,
    now: i64,
) -> Result<()> {
    let done_at = (status == ReviewItemStatus::Done).then_some(now);
    on!(ex, c => sqlx::query("UPDATE review_items SET status = $2, done_at = $3 WHERE id = $1")
        .bind(id).bind(status.as_str()).bind(done_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn items(ex: Ex<'_>, review: i64) -> Result<Vec<ReviewItem>> {
    let sql = format!("{ITEM} WHERE review_id = $1 ORDER BY id");
    let rows: Vec<ItemRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(review).fetch_all(c).await)?;
    Ok(rows.into_iter().map(item).collect())
}

/// Decisions and actions of the reviews of periods ending on or before `before`, other than
/// `review` itself.
pub async fn earlier_items(ex: Ex<'_>, review: i64, before: &str) -> Result<Vec<ReviewItem>> {
    let sql = format!(
        "{ITEM} WHERE review_id <> $1 AND review_id IN
         (SELECT id FROM management_reviews WHERE period_to <= $2) ORDER BY review_id, id"
    );
    let rows: Vec<ItemRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(review).bind(before).fetch_all(c).await)?;
    Ok(rows.into_iter().map(item).collect())
}

/// Complaints opened and closed in `[from, to)` and open now.
pub async fn complaint_counts(ex: Ex<'_>, from: i64, to: i64) -> Result<(i64, i64, i64)> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN created_at >= $1 AND created_at < $2 THEN 1 ELSE 0 END) AS BIGINT),
         CAST(SUM(CASE WHEN closed_at >= $1 AND closed_at < $2 THEN 1 ELSE 0 END) AS BIGINT),
         CAST(SUM(CASE WHEN status NOT IN ('closed', 'withdrawn') THEN 1 ELSE 0 END) AS BIGINT)
         FROM complaints WHERE kind = 'complaint'")
        .bind(from).bind(to).fetch_one(c).await
        .map(|(a, b, n): (Option<i64>, Option<i64>, Option<i64>)| (a.unwrap_or(0), b.unwrap_or(0), n.unwrap_or(0))))?)
}

/// Audits planned in `[from_date, to_date)` and how many are completed; findings recorded in
/// `[from, to)` that are nonconformities; nonconformities open now and those with an action
/// past its due date (`today`).
pub async fn conformity_counts(
    mut ex: Ex<'_>,
    (from_date, to_date): (&str, &str),
    (from, to): (i64, i64),
    today: &str,
) -> Result<[i64; 5]> {
    let (audits, completed): (Option<i64>, Option<i64>) = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT CAST(COUNT(*) AS BIGINT),
         CAST(SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS BIGINT)
         FROM audits WHERE planned_on >= $1 AND planned_on < $2")
        .bind(from_date).bind(to_date).fetch_one(c).await)?;
    let findings: Option<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM audit_findings
         WHERE kind IN ('minor_nonconformity', 'major_nonconformity')
         AND created_at >= $1 AND created_at < $2")
        .bind(from).bind(to).fetch_one(c).await)?;
    let open: Option<i64> = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM nonconformities WHERE status <> 'closed'")
        .fetch_one(c).await)?;
    let overdue: Option<i64> = on!(ex, c => sqlx::query_scalar(
        "SELECT CAST(COUNT(DISTINCT nonconformity_id) AS BIGINT) FROM nonconformity_actions
         WHERE status = 'open' AND due_on < $1")
        .bind(today).fetch_one(c).await)?;
    Ok([
        audits.unwrap_or(0),
        completed.unwrap_or(0),
        findings.unwrap_or(0),
        open.unwrap_or(0),
        overdue.unwrap_or(0),
    ])
}

/// Breaches of OLA and underpinning-contract targets raised in `[from, to)` (the alerts on
/// the records' timelines), and supplier disputes opened in the period and open now.
pub async fn supplier_counts(mut ex: Ex<'_>, from: i64, to: i64) -> Result<[i64; 4]> {
    let breaches: Vec<(String, i64)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT event, CAST(COUNT(*) AS BIGINT) FROM ticket_events
         WHERE event IN ('ola_breach', 'underpinning_contract_breach') AND at >= $1 AND at < $2
         GROUP BY event")
        .bind(from).bind(to).fetch_all(c).await)?;
    let count = |name: &str| {
        breaches
            .iter()
            .find(|(e, _)| e == name)
            .map_or(0, |(_, n)| *n)
    };
    let (opened, open): (Option<i64>, Option<i64>) = on!(ex, c => sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN created_at >= $1 AND created_at < $2 THEN 1 ELSE 0 END) AS BIGINT),
         CAST(SUM(CASE WHEN status NOT IN ('closed', 'withdrawn') THEN 1 ELSE 0 END) AS BIGINT)
         FROM complaints WHERE kind = 'supplier_dispute'")
        .bind(from).bind(to).fetch_one(c).await)?;
    Ok([
        count("ola_breach"),
        count("underpinning_contract_breach"),
        opened.unwrap_or(0),
        open.unwrap_or(0),
    ])
}
