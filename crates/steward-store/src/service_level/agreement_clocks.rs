//! OLA and underpinning-contract clocks on tickets: their events (in `ticket_clock_events`
//! with the agreement and stint), the breach scan's deadlines, and supplier engagements.
use crate::{Ex, Result, on};
use jiff::Timestamp;
use steward_domain::service_level::clock::{ClockEntry, ClockEventKind, ClockMetric};
use steward_domain::service_level::sla::AlertKind;

/// One agreement clock event: the agreement (an SLA-engine record), the stint, the event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StintEvent {
    pub ticket_id: i64,
    pub sla_id: i64,
    pub stint: i64,
    pub entry: ClockEntry,
}

#[allow(clippy::too_many_arguments)]
pub async fn add_event(
    ex: Ex<'_>,
    ticket: i64,
    sla: i64,
    stint: i64,
    metric: ClockMetric,
    at: i64,
    kind: ClockEventKind,
    cause: &str,
) -> Result<()> {
    // Counted in whole seconds, as the SLA's clocks are.
    let at = at.div_euclid(1_000_000) * 1_000_000;
    on!(ex, c => sqlx::query(
        "INSERT INTO ticket_clock_events (ticket_id, sla_id, stint, metric, at, kind, cause)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(ticket).bind(sla).bind(stint).bind(metric.as_str()).bind(at).bind(kind.as_str())
        .bind(cause).execute(c).await.map(|_| ()))?;
    Ok(())
}

type EventRow = (i64, i64, i64, String, i64, String, String);

fn stint_events(rows: Vec<EventRow>) -> Vec<StintEvent> {
    rows.into_iter()
        .filter_map(|(ticket_id, sla_id, stint, metric, at, kind, cause)| {
            Some(StintEvent {
                ticket_id,
                sla_id,
                stint,
                entry: ClockEntry {
                    metric: ClockMetric::parse(&metric)?,
                    at: Timestamp::from_microsecond(at).ok()?,
                    kind: ClockEventKind::parse(&kind)?,
                    cause,
                },
            })
        })
        .collect()
}

/// A ticket's agreement clock events, in the order they happened.
pub async fn events(ex: Ex<'_>, ticket: i64) -> Result<Vec<StintEvent>> {
    let rows: Vec<EventRow> = on!(ex, c => sqlx::query_as(
        "SELECT ticket_id, sla_id, stint, metric, at, kind, cause FROM ticket_clock_events
         WHERE ticket_id = $1 AND sla_id IS NOT NULL ORDER BY id")
        .bind(ticket).fetch_all(c).await)?;
    Ok(stint_events(rows))
}

/// Every event of an agreement's stints on tickets where a stint's resolution clock stopped
/// in [from, to); the caller keeps the stints that ended there.
pub async fn ended_between(ex: Ex<'_>, sla: i64, from: i64, to: i64) -> Result<Vec<StintEvent>> {
    let rows: Vec<EventRow> = on!(ex, c => sqlx::query_as(
        "SELECT ticket_id, sla_id, stint, metric, at, kind, cause FROM ticket_clock_events
         WHERE sla_id = $1 AND ticket_id IN (
             SELECT ticket_id FROM ticket_clock_events WHERE sla_id = $1 AND metric = 'resolution'
             AND kind = 'stop' AND at >= $2 AND at < $3)
         ORDER BY id")
        .bind(sla).bind(from).bind(to).fetch_all(c).await)?;
    Ok(stint_events(rows))
}

/// The priorities of the tickets [`ended_between`] reads.
pub async fn priorities(ex: Ex<'_>, sla: i64, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, priority FROM tickets WHERE id IN (
             SELECT ticket_id FROM ticket_clock_events WHERE sla_id = $1 AND metric = 'resolution'
             AND kind = 'stop' AND at >= $2 AND at < $3)")
        .bind(sla).bind(from).bind(to).fetch_all(c).await)?)
}

/// One agreement clock, as the breach scan knows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockKey {
    pub ticket_id: i64,
    pub sla_id: i64,
    pub stint: i64,
    pub metric: ClockMetric,
}

/// Records a clock's next warning point and deadline (either may be none), keeping its flags.
pub async fn set_deadlines(
    ex: Ex<'_>,
    k: ClockKey,
    warn_at: Option<i64>,
    due_at: Option<i64>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO agreement_clock_deadlines (ticket_id, sla_id, stint, metric, warn_at, due_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (ticket_id, sla_id, stint, metric)
         DO UPDATE SET warn_at = excluded.warn_at, due_at = excluded.due_at")
        .bind(k.ticket_id).bind(k.sla_id).bind(k.stint).bind(k.metric.as_str()).bind(warn_at).bind(due_at)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Agreement clocks whose warning point or deadline has come and not yet been acted on.
pub async fn due(ex: Ex<'_>, now: i64, limit: i64) -> Result<Vec<ClockKey>> {
    let rows: Vec<(i64, i64, i64, String)> = on!(ex, c => sqlx::query_as(
        "SELECT ticket_id, sla_id, stint, metric FROM agreement_clock_deadlines WHERE NOT warned AND warn_at <= $1
         UNION
         SELECT ticket_id, sla_id, stint, metric FROM agreement_clock_deadlines WHERE NOT breached AND due_at <= $1
         ORDER BY 1, 2, 3, 4 LIMIT $2")
        .bind(now).bind(limit).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(ticket_id, sla_id, stint, m)| {
            Some(ClockKey {
                ticket_id,
                sla_id,
                stint,
                metric: ClockMetric::parse(&m)?,
            })
        })
        .collect())
}

/// Marks a warning or breach as raised; true only for the caller that raised it.
pub async fn claim(ex: Ex<'_>, k: ClockKey, kind: AlertKind) -> Result<bool> {
    let sql = match kind {
        AlertKind::Warning => {
            "UPDATE agreement_clock_deadlines SET warned = TRUE
             WHERE ticket_id = $1 AND sla_id = $2 AND stint = $3 AND metric = $4 AND NOT warned"
        }
        AlertKind::Breach => {
            "UPDATE agreement_clock_deadlines SET breached = TRUE
             WHERE ticket_id = $1 AND sla_id = $2 AND stint = $3 AND metric = $4 AND NOT breached"
        }
    };
    let n = on!(ex, c => sqlx::query(sql).bind(k.ticket_id).bind(k.sla_id).bind(k.stint)
        .bind(k.metric.as_str()).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n == 1)
}

/// A ticket's current supplier engagement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Engagement {
    pub id: i64,
    pub supplier_id: i64,
    pub reference: Option<String>,
    pub engaged_at: i64,
    pub acknowledged_at: Option<i64>,
}

type EngagementRow = (i64, i64, Option<String>, i64, Option<i64>);

pub async fn engagement(ex: Ex<'_>, ticket: i64) -> Result<Option<Engagement>> {
    let row: Option<EngagementRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, supplier_id, reference, engaged_at, acknowledged_at FROM ticket_supplier_engagements
         WHERE ticket_id = $1 AND released_at IS NULL")
        .bind(ticket).fetch_optional(c).await)?;
    Ok(row.map(
        |(id, supplier_id, reference, engaged_at, acknowledged_at)| Engagement {
            id,
            supplier_id,
            reference,
            engaged_at,
            acknowledged_at,
        },
    ))
}

pub async fn engage(
    ex: Ex<'_>,
    ticket: i64,
    supplier: i64,
    reference: Option<&str>,
    now: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO ticket_supplier_engagements (ticket_id, supplier_id, reference, engaged_at)
         VALUES ($1, $2, $3, $4)")
        .bind(ticket).bind(supplier).bind(reference).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Marks the ticket changed, taking its row lock first (PostgreSQL), so engagement changes
/// and lifecycle steps on one ticket never plan its clocks from each other's stale state.
pub async fn touch_ticket(ex: Ex<'_>, ticket: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE tickets SET updated_at = $2 WHERE id = $1")
        .bind(ticket).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// False when the engagement was acknowledged or released meanwhile.
pub async fn acknowledge(
    ex: Ex<'_>,
    engagement: i64,
    reference: Option<&str>,
    now: i64,
) -> Result<bool> {
    let done = on!(ex, c => sqlx::query(
        "UPDATE ticket_supplier_engagements SET acknowledged_at = $2, reference = COALESCE($3, reference)
         WHERE id = $1 AND acknowledged_at IS NULL AND released_at IS NULL")
        .bind(engagement).bind(now).bind(reference).execute(c).await.map(|r| r.rows_affected() == 1))?;
    Ok(done)
}

/// False when the engagement was released meanwhile.
pub async fn release(ex: Ex<'_>, engagement: i64, now: i64) -> Result<bool> {
    let done = on!(ex, c => sqlx::query(
        "UPDATE ticket_supplier_engagements SET released_at = $2 WHERE id = $1 AND released_at IS NULL")
        .bind(engagement).bind(now).execute(c).await.map(|r| r.rows_affected() == 1))?;
    Ok(done)
}
