//! Clock recomputes: the open tickets whose deadlines a changed SLA or calendar moves,
//! recorded by the change and worked through in batches (by the request when few, else by a
//! background job), with a cursor that moves in each batch's transaction.
use crate::{Ex, Result, on};
use steward_domain::service_level::clock::ClockEventKind;

/// One recorded recompute and how far it got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recompute {
    pub id: i64,
    pub sla_id: i64,
    /// The calendar whose change asked for it; none when the SLA itself changed.
    pub calendar_id: Option<i64>,
    pub kind: ClockEventKind,
    pub cause: String,
    pub requested_at: i64,
    /// The newest ticket when it was asked for: later tickets start under the new terms.
    pub last_ticket: i64,
    /// Open tickets it had to recompute when it was asked for.
    pub total: i64,
    pub done: i64,
    pub after_ticket: i64,
    pub finished_at: Option<i64>,
}

// Every statement here is built from the constants above only; values are bound.
type Row = (
    i64,
    i64,
    Option<i64>,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
);

const COLUMNS: &str = "id, sla_id, calendar_id, kind, cause, requested_at, last_ticket, total, done, \
                       after_ticket, finished_at";

fn recompute(r: Row) -> Option<Recompute> {
    Some(Recompute {
        id: r.0,
        sla_id: r.1,
        calendar_id: r.2,
        kind: ClockEventKind::parse(&r.3)?,
        cause: r.4,
        requested_at: r.5,
        last_ticket: r.6,
        total: r.7,
        done: r.8,
        after_ticket: r.9,
        finished_at: r.10,
    })
}

/// The open tickets a recompute of `sla` covers, after `after` and up to `last`: those under
/// the SLA (tickets.sla_id mirrors ticket_slas) and those with a clock of it as an OLA or
/// contract.
const AFFECTED: &str = "SELECT id FROM tickets WHERE sla_id = $1 AND id > $2 AND id <= $3
      AND status NOT IN ('resolved', 'closed', 'cancelled', 'rejected')
    UNION
    SELECT e.ticket_id FROM ticket_clock_events e JOIN tickets t ON t.id = e.ticket_id
    WHERE e.sla_id = $1 AND e.ticket_id > $2 AND e.ticket_id <= $3
      AND t.status NOT IN ('resolved', 'closed', 'cancelled', 'rejected')";

/// Records a recompute of every open ticket under `sla` as of now.
pub async fn enqueue(
    mut ex: Ex<'_>,
    sla: i64,
    calendar: Option<i64>,
    kind: ClockEventKind,
    cause: &str,
    now: i64,
) -> Result<Recompute> {
    let last: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "SELECT COALESCE(MAX(id), 0) FROM tickets").fetch_one(c).await)?;
    let total: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM ({AFFECTED}) AS a")))
        .bind(sla).bind(0_i64).bind(last).fetch_one(c).await)?;
    let id: i64 = on!(ex, c => sqlx::query_scalar(
        "INSERT INTO clock_recomputes (sla_id, calendar_id, kind, cause, requested_at, last_ticket, total)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(sla).bind(calendar).bind(kind.as_str()).bind(cause).bind(now).bind(last).bind(total)
        .fetch_one(c).await)?;
    Ok(Recompute {
        id,
        sla_id: sla,
        calendar_id: calendar,
        kind,
        cause: cause.to_owned(),
        requested_at: now,
        last_ticket: last,
        total,
        done: 0,
        after_ticket: 0,
        finished_at: None,
    })
}

/// The oldest unfinished recompute.
pub async fn next_pending(ex: Ex<'_>) -> Result<Option<Recompute>> {
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM clock_recomputes WHERE finished_at IS NULL ORDER BY id LIMIT 1")))
        .fetch_optional(c).await)?;
    Ok(row.and_then(recompute))
}

/// The next `limit` tickets the recompute has still to do, in id order.
pub async fn next_tickets(ex: Ex<'_>, r: &Recompute, limit: i64) -> Result<Vec<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar(sqlx::AssertSqlSafe(format!("{AFFECTED} ORDER BY 1 LIMIT $4")))
        .bind(r.sla_id).bind(r.after_ticket).bind(r.last_ticket).bind(limit)
        .fetch_all(c).await)?,
    )
}

/// Moves the cursor past `after`, counting `done` more tickets, and finishes the recompute
/// when `finished_at` is given.
pub async fn advance(
    ex: Ex<'_>,
    id: i64,
    after: i64,
    done: i64,
    finished_at: Option<i64>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE clock_recomputes SET after_ticket = $2, done = done + $3, finished_at = $4 WHERE id = $1")
        .bind(id).bind(after).bind(done).bind(finished_at).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Every unfinished recompute, oldest first (the list screens' "Deadlines" column).
pub async fn running(ex: Ex<'_>) -> Result<Vec<Recompute>> {
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM clock_recomputes WHERE finished_at IS NULL ORDER BY id")))
        .fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(recompute).collect())
}

/// The latest recomputes a calendar's changes asked for, newest first.
pub async fn of_calendar(ex: Ex<'_>, calendar: i64, limit: i64) -> Result<Vec<Recompute>> {
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM clock_recomputes WHERE calendar_id = $1 ORDER BY id DESC LIMIT $2")))
        .bind(calendar).bind(limit).fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(recompute).collect())
}

/// The latest recomputes of an SLA's tickets (its own changes and its calendar's), newest
/// first.
pub async fn of_sla(ex: Ex<'_>, sla: i64, limit: i64) -> Result<Vec<Recompute>> {
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM clock_recomputes WHERE sla_id = $1 ORDER BY id DESC LIMIT $2")))
        .bind(sla).bind(limit).fetch_all(c).await)?;
    Ok(rows.into_iter().filter_map(recompute).collect())
}
