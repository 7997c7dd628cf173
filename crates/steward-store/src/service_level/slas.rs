//! SLAs, business calendars, which SLA governs each ticket, and ticket clock events.
use crate::{Ex, Result, StoreError, on};
use jiff::Timestamp;
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::service_level::clock::{ClockEntry, ClockEventKind, ClockMetric};
use steward_domain::service_level::sla::{Sla, SlaDraft, SlaLevel, review_due};

#[derive(sqlx::FromRow)]
struct SlaRow {
    id: i64,
    name: String,
    level: String,
    service_id: Option<i64>,
    team_id: Option<i64>,
    supplier_id: Option<i64>,
    agreement_id: Option<i64>,
    calendar_id: Option<i64>,
    active: bool,
    definition: String,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

const SELECT: &str = "SELECT id, name, level, service_id, team_id, supplier_id, agreement_id, calendar_id, active, definition, version, created_at, updated_at FROM slas";

fn sla(row: SlaRow, today: jiff::civil::Date) -> Result<Sla> {
    let SlaRow {
        id,
        name,
        level,
        service_id,
        team_id,
        supplier_id,
        agreement_id,
        calendar_id,
        active,
        definition,
        version,
        created_at: created,
        updated_at: updated,
    } = row;
    let d: SlaDraft = serde_json::from_str(&definition)
        .map_err(|e| StoreError::Corrupt(format!("SLA {id}: {e}")))?;
    let (next_review_on, review_overdue) =
        review_due(d.last_reviewed_on, d.review_interval_days, today);
    Ok(Sla {
        id,
        name,
        // A CHECK constraint admits only the known levels.
        level: SlaLevel::parse(&level).unwrap_or(SlaLevel::Sla),
        service_id,
        team_id,
        supplier_id,
        agreement_id,
        organization_ids: d.organization_ids,
        calendar_id,
        targets: d.targets,
        response_on: d.response_on,
        pause: d.pause,
        warning_percent: d.warning_percent,
        workload_limit: d.workload_limit,
        exceptions: d.exceptions,
        escalations: d.escalations,
        review_interval_days: d.review_interval_days,
        last_reviewed_on: d.last_reviewed_on,
        next_review_on,
        review_overdue,
        active,
        version,
        created_at: rfc3339_micros(created),
        updated_at: rfc3339_micros(updated),
    })
}

fn definition(d: &SlaDraft) -> String {
    serde_json::to_string(d).unwrap_or_default()
}

pub async fn insert(ex: Ex<'_>, d: &SlaDraft, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO slas (name, service_id, calendar_id, active, definition, version, created_at, updated_at,
                           level, team_id, supplier_id, agreement_id)
         VALUES ($1, $2, $3, $4, $5, 1, $6, $6, $7, $8, $9, $10) RETURNING id")
        .bind(&d.name).bind(d.service_id).bind(d.calendar_id).bind(d.active).bind(definition(d)).bind(now)
        .bind(d.level.as_str()).bind(d.team_id).bind(d.supplier_id).bind(d.agreement_id)
        .fetch_one(c).await)?)
}

pub async fn update(ex: Ex<'_>, id: i64, d: &SlaDraft, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE slas SET name = $2, service_id = $3, calendar_id = $4, active = $5, definition = $6,
         version = version + 1, updated_at = $7, level = $8, team_id = $9, supplier_id = $10,
         agreement_id = $11 WHERE id = $1")
        .bind(id).bind(&d.name).bind(d.service_id).bind(d.calendar_id).bind(d.active).bind(definition(d))
        .bind(now).bind(d.level.as_str()).bind(d.team_id).bind(d.supplier_id).bind(d.agreement_id)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get(ex: Ex<'_>, id: i64, today: jiff::civil::Date) -> Result<Option<Sla>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<SlaRow> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    row.map(|r| sla(r, today)).transpose()
}

pub async fn list(ex: Ex<'_>, today: jiff::civil::Date) -> Result<Vec<Sla>> {
    let sql = format!("{SELECT} ORDER BY id");
    let rows: Vec<SlaRow> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    rows.into_iter().map(|r| sla(r, today)).collect()
}

/// The active OLAs and underpinning contracts, oldest first.
pub async fn active_agreements(ex: Ex<'_>, today: jiff::civil::Date) -> Result<Vec<Sla>> {
    let sql = format!("{SELECT} WHERE active AND level <> 'sla' ORDER BY id");
    let rows: Vec<SlaRow> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    rows.into_iter().map(|r| sla(r, today)).collect()
}

/// What a new ticket's clocks are chosen from, in one statement: the active agreements (as
/// [`active_agreements`]) and, when `service` is given, that service's active SLAs (as
/// [`active_for_service`]), each oldest first.
pub async fn active_for_new_ticket(
    ex: Ex<'_>,
    service: Option<i64>,
    today: jiff::civil::Date,
) -> Result<(Vec<Sla>, Vec<Sla>)> {
    let sql = format!("{SELECT} WHERE active AND (level <> 'sla' OR service_id = $1) ORDER BY id");
    let rows: Vec<SlaRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).fetch_all(c).await)?;
    let all = rows
        .into_iter()
        .map(|r| sla(r, today))
        .collect::<Result<Vec<Sla>>>()?;
    Ok(all.into_iter().partition(|s| s.level != SlaLevel::Sla))
}

/// The active SLAs of a service, oldest first.
pub async fn active_for_service(
    ex: Ex<'_>,
    service: i64,
    today: jiff::civil::Date,
) -> Result<Vec<Sla>> {
    let sql = format!("{SELECT} WHERE service_id = $1 AND active AND level = 'sla' ORDER BY id");
    let rows: Vec<SlaRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(service).fetch_all(c).await)?;
    rows.into_iter().map(|r| sla(r, today)).collect()
}

pub async fn name_taken(ex: Ex<'_>, name: &str, except: Option<i64>) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM slas WHERE lower(name) = lower($1) AND id <> COALESCE($2, -1)")
        .bind(name).bind(except).fetch_one(c).await)?;
    Ok(n > 0)
}

/// A calendar's stored definition (the JSON the API accepts) and version.
pub async fn calendar(ex: Ex<'_>, id: i64) -> Result<Option<(String, String, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT name, definition, version FROM calendars WHERE id = $1")
        .bind(id).fetch_optional(c).await)?)
}

pub async fn calendars(ex: Ex<'_>) -> Result<Vec<(i64, String, String, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT id, name, definition, version FROM calendars ORDER BY id")
        .fetch_all(c).await)?)
}

pub async fn insert_calendar(ex: Ex<'_>, name: &str, definition: &str, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO calendars (name, definition, version, created_at, updated_at)
         VALUES ($1, $2, 1, $3, $3) RETURNING id")
        .bind(name).bind(definition).bind(now).fetch_one(c).await)?)
}

pub async fn update_calendar(
    ex: Ex<'_>,
    id: i64,
    name: &str,
    definition: &str,
    now: i64,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE calendars SET name = $2, definition = $3, version = version + 1, updated_at = $4 WHERE id = $1")
        .bind(id).bind(name).bind(definition).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Which SLA governs a ticket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TicketSla {
    pub sla_id: i64,
    pub explanation: String,
    pub applies: bool,
    pub chosen_at: i64,
}

pub async fn set_ticket_sla(mut ex: Ex<'_>, ticket: i64, s: &TicketSla) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "INSERT INTO ticket_slas (ticket_id, sla_id, explanation, applies, chosen_at) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket).bind(s.sla_id).bind(&s.explanation).bind(s.applies).bind(s.chosen_at)
        .execute(c).await.map(|_| ()))?;
    // Kept on the ticket as well, where reports read it from their indexes.
    on!(ex, c => sqlx::query("UPDATE tickets SET sla_id = $2 WHERE id = $1")
        .bind(ticket).bind(s.sla_id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Replaces the SLA chosen for a ticket (`None`: no SLA governs it any more). Its clock
/// events are kept.
pub async fn replace_ticket_sla(mut ex: Ex<'_>, ticket: i64, s: Option<&TicketSla>) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM ticket_slas WHERE ticket_id = $1")
        .bind(ticket).execute(c).await.map(|_| ()))?;
    match s {
        Some(s) => set_ticket_sla(ex, ticket, s).await,
        None => {
            on!(ex, c => sqlx::query("UPDATE tickets SET sla_id = NULL WHERE id = $1")
                .bind(ticket).execute(c).await.map(|_| ()))?;
            Ok(())
        }
    }
}

pub async fn ticket_sla(ex: Ex<'_>, ticket: i64) -> Result<Option<TicketSla>> {
    let row: Option<(i64, String, bool, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT sla_id, explanation, applies, chosen_at FROM ticket_slas WHERE ticket_id = $1")
        .bind(ticket).fetch_optional(c).await)?;
    Ok(
        row.map(|(sla_id, explanation, applies, chosen_at)| TicketSla {
            sla_id,
            explanation,
            applies,
            chosen_at,
        }),
    )
}

pub async fn add_clock_event(
    ex: Ex<'_>,
    ticket: i64,
    metric: ClockMetric,
    at: i64,
    kind: ClockEventKind,
    cause: &str,
) -> Result<()> {
    // SLA time is counted in whole seconds; clock events are kept on the second.
    let at = at.div_euclid(1_000_000) * 1_000_000;
    on!(ex, c => sqlx::query(
        "INSERT INTO ticket_clock_events (ticket_id, metric, at, kind, cause) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket).bind(metric.as_str()).bind(at).bind(kind.as_str()).bind(cause)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn clock_events(ex: Ex<'_>, ticket: i64) -> Result<Vec<ClockEntry>> {
    let rows: Vec<(String, i64, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT metric, at, kind, cause FROM ticket_clock_events WHERE ticket_id = $1 AND sla_id IS NULL ORDER BY id")
        .bind(ticket).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .filter_map(|(metric, at, kind, cause)| {
            Some(ClockEntry {
                metric: ClockMetric::parse(&metric)?,
                at: Timestamp::from_microsecond(at).ok()?,
                kind: ClockEventKind::parse(&kind)?,
                cause,
            })
        })
        .collect())
}

/// The OLAs and contracts that measure an agreement record.
pub async fn measuring(ex: Ex<'_>, agreement: i64) -> Result<i64> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT COUNT(*) FROM slas WHERE agreement_id = $1")
        .bind(agreement).fetch_one(c).await)?,
    )
}

/// The SLAs that count in a calendar.
pub async fn using_calendar(ex: Ex<'_>, calendar: i64) -> Result<Vec<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM slas WHERE calendar_id = $1 ORDER BY id")
        .bind(calendar).fetch_all(c).await)?,
    )
}

/// Tickets governed (with targets) by an SLA and resolved in [from, to), with their priority.
pub async fn resolved_under(ex: Ex<'_>, sla: i64, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT t.id, t.priority FROM tickets t JOIN ticket_slas s ON s.ticket_id = t.id
         WHERE s.sla_id = $1 AND s.applies AND t.resolved_at >= $2 AND t.resolved_at < $3 ORDER BY t.id")
        .bind(sla).bind(from).bind(to).fetch_all(c).await)?)
}

/// Tickets of a service opened in [from, to), per customer organization.
pub async fn workload(ex: Ex<'_>, service: i64, from: i64, to: i64) -> Result<Vec<(i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT organization_id, COUNT(*) FROM tickets
         WHERE service_id = $1 AND organization_id IS NOT NULL AND opened_at >= $2 AND opened_at < $3
           AND kind IN ('incident', 'request')
         GROUP BY organization_id ORDER BY organization_id")
        .bind(service).bind(from).bind(to).fetch_all(c).await)?)
}
