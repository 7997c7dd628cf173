//! What reports read: the per-ticket facts kept for them, and the aggregate queries.
use crate::{Ex, Result, on};

/// Keeps a ticket's SLA verdicts (`met` / `breached`, or none yet) for reports.
pub async fn set_outcomes(
    ex: Ex<'_>,
    ticket: i64,
    response: Option<&str>,
    resolution: Option<&str>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET response_outcome = $2, resolution_outcome = $3 WHERE id = $1")
        .bind(ticket).bind(response).bind(resolution).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Notes when a ticket was first acknowledged; later calls keep the first instant.
pub async fn mark_responded(ex: Ex<'_>, ticket: i64, at: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET responded_at = $2 WHERE id = $1 AND responded_at IS NULL")
        .bind(ticket).bind(at).execute(c).await.map(|_| ()))?;
    Ok(())
}
