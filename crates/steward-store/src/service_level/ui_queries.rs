//! Reads the web interface needs that no API endpoint makes.
use crate::{Ex, Result, on};

/// Tickets with a running clock whose warning point has passed or whose deadline comes before
/// `due_by` (both microseconds), most urgent first. Paused and stopped clocks keep no
/// deadline here, so they never appear.
pub async fn breaching(ex: Ex<'_>, warned_by: i64, due_by: i64, limit: i64) -> Result<Vec<i64>> {
    let rows: Vec<(i64, Option<i64>)> = on!(ex, c => sqlx::query_as(
        "SELECT ticket_id, MIN(due_at) FROM ticket_clock_deadlines
         WHERE warn_at <= $1 OR due_at <= $2
         GROUP BY ticket_id ORDER BY 2, 1 LIMIT $3")
        .bind(warned_by).bind(due_by).bind(limit).fetch_all(c).await)?;
    Ok(rows.into_iter().map(|(id, _)| id).collect())
}
