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

use crate::sql::{Sql, bind_args};
use steward_domain::report::{ComplianceBy, Filters};
use steward_domain::ticket::TicketKind;

/// `WHERE t.kind = … AND <column> in [from, to)` plus the report's filters.
fn scoped(kind: TicketKind, column: &str, from: i64, to: i64, f: &Filters) -> Sql {
    let mut sql = Sql::new(" WHERE t.kind = ");
    sql.bind(kind.as_str());
    sql.push(&format!(" AND t.{column} >= ")).bind(from);
    sql.push(&format!(" AND t.{column} < ")).bind(to);
    sql.and_opt("t.service_id =", f.service_id)
        .and_opt("t.organization_id =", f.organization_id)
        .and_opt("t.team_id =", f.team_id)
        .and_opt("t.priority =", f.priority);
    sql
}

async fn scalar(ex: Ex<'_>, sql: Sql) -> Result<i64> {
    let n: i64 = on!(ex, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args)
        .fetch_one(c).await)?;
    Ok(n)
}

/// Tickets whose `column` (opened_at, resolved_at, closed_at) falls in the range.
pub async fn count_in(
    ex: Ex<'_>,
    kind: TicketKind,
    column: &str,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM tickets t");
    let w = scoped(kind, column, from, to, f);
    sql.push(&w.text);
    sql.args = w.args;
    if column == "closed_at" {
        // Closed without a resolution (cancelled): counted once, by when it closed.
        sql.push(" AND t.resolved_at IS NULL");
    }
    scalar(ex, sql).await
}

/// Tickets open at instant `at`: opened before it and not yet resolved or closed.
pub async fn open_at(ex: Ex<'_>, kind: TicketKind, at: i64, f: &Filters) -> Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM tickets t");
    let w = scoped(kind, "opened_at", i64::MIN, at, f);
    sql.push(&w.text);
    sql.args = w.args;
    sql.push(" AND COALESCE(t.resolved_at, t.closed_at, ")
        .bind(i64::MAX)
        .push(") >= ")
        .bind(at);
    scalar(ex, sql).await
}

/// One SLA-compliance group: its label and counts of each verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComplianceRow {
    pub label: String,
    pub response_met: i64,
    pub response_breached: i64,
    pub response_open: i64,
    pub resolution_met: i64,
    pub resolution_breached: i64,
    pub resolution_open: i64,
}

/// Verdicts of the tickets opened in the range, grouped as asked.
pub async fn compliance(
    ex: Ex<'_>,
    kind: TicketKind,
    from: i64,
    to: i64,
    f: &Filters,
    by: ComplianceBy,
) -> Result<Vec<ComplianceRow>> {
    let (label, joins) = match by {
        ComplianceBy::Sla => (
            "COALESCE(s.name, CASE WHEN i.ticket_id IS NOT NULL THEN 'Imported verdict (' || i.source || ')' END, 'No SLA')",
            " LEFT JOIN ticket_slas ts ON ts.ticket_id = t.id LEFT JOIN slas s ON s.id = ts.sla_id
              LEFT JOIN ticket_imports i ON i.ticket_id = t.id",
        ),
        ComplianceBy::Service => (
            "COALESCE(sv.name, 'No service')",
            " LEFT JOIN services sv ON sv.id = t.service_id",
        ),
        ComplianceBy::Customer => (
            "COALESCE(o.name, 'No customer')",
            " LEFT JOIN organizations o ON o.id = t.organization_id",
        ),
        ComplianceBy::Priority => ("'P' || CAST(t.priority AS TEXT)", ""),
    };
    let mut sql = Sql::new(&format!(
        "SELECT {label} AS label, t.response_outcome, t.resolution_outcome, COUNT(*) FROM tickets t{joins}"
    ));
    let w = scoped(kind, "opened_at", from, to, f);
    sql.push(&w.text);
    sql.args = w.args;
    sql.push(" GROUP BY 1, 2, 3 ORDER BY 1");
    let rows: Vec<(String, Option<String>, Option<String>, i64)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    let mut out: Vec<ComplianceRow> = Vec::new();
    for (label, response, resolution, n) in rows {
        if out.last().is_none_or(|r| r.label != label) {
            out.push(ComplianceRow {
                label: label.clone(),
                ..Default::default()
            });
        }
        let Some(row) = out.last_mut() else { continue };
        match response.as_deref() {
            Some("met") => row.response_met += n,
            Some("breached") => row.response_breached += n,
            _ => row.response_open += n,
        }
        match resolution.as_deref() {
            Some("met") => row.resolution_met += n,
            Some("breached") => row.resolution_breached += n,
            _ => row.resolution_open += n,
        }
    }
    Ok(out)
}

/// `(start, end, calendar of its SLA)` of the tickets whose `end` column falls in the range:
/// the raw material of time-to-acknowledge, -resolve and -close.
pub async fn durations(
    ex: Ex<'_>,
    kind: TicketKind,
    end: &str,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<Vec<(i64, i64, Option<i64>)>> {
    let mut sql = Sql::new(&format!(
        "SELECT t.opened_at, t.{end}, s.calendar_id FROM tickets t
         LEFT JOIN ticket_slas ts ON ts.ticket_id = t.id LEFT JOIN slas s ON s.id = ts.sla_id"
    ));
    let w = scoped(kind, end, from, to, f);
    sql.push(&w.text);
    sql.args = w.args;
    let rows: Vec<(i64, i64, Option<i64>)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows)
}

/// Of the tickets opened in the range: how many, how many were reassigned at least once,
/// reopened at least once, and the sum of reassignments.
pub async fn rates(
    ex: Ex<'_>,
    kind: TicketKind,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<(i64, i64, i64, i64)> {
    let mut sql = Sql::new(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN t.reassignment_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(CASE WHEN t.reopen_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT),
         CAST(COALESCE(SUM(t.reassignment_count), 0) AS BIGINT) FROM tickets t",
    );
    let w = scoped(kind, "opened_at", from, to, f);
    sql.push(&w.text);
    sql.args = w.args;
    let row: (i64, i64, i64, i64) = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_one(c).await)?;
    Ok(row)
}

/// Tickets open at `at` by priority and age band (`ages` are band lower bounds in
/// microseconds, ascending): `(priority, band index, count)`.
pub async fn aging(
    ex: Ex<'_>,
    kind: TicketKind,
    at: i64,
    ages: &[i64],
    f: &Filters,
) -> Result<Vec<(i64, i64, i64)>> {
    let mut band = String::from("CASE");
    for (i, lower) in ages.iter().enumerate().rev() {
        band.push_str(&format!(" WHEN {at} - t.opened_at >= {lower} THEN {i}"));
    }
    band.push_str(" ELSE 0 END");
    let mut sql = Sql::new(&format!(
        "SELECT t.priority, {band} AS band, COUNT(*) FROM tickets t"
    ));
    let w = scoped(kind, "opened_at", i64::MIN, at, f);
    sql.push(&w.text);
    sql.args = w.args;
    sql.push(" AND COALESCE(t.resolved_at, t.closed_at, ")
        .bind(i64::MAX)
        .push(") >= ")
        .bind(at)
        .push(" GROUP BY 1, 2 ORDER BY 1, 2");
    let rows: Vec<(i64, i64, i64)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows)
}

/// Problems by status (opened in the range), and known errors among them.
pub async fn problems(
    ex: Ex<'_>,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<Vec<(String, i64, i64)>> {
    let mut sql = Sql::new(
        "SELECT t.status, COUNT(*), CAST(COALESCE(SUM(CASE WHEN t.known_error_number IS NOT NULL THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM tickets t",
    );
    let w = scoped(TicketKind::Problem, "opened_at", from, to, f);
    sql.push(&w.text);
    sql.args = w.args;
    sql.push(" GROUP BY 1 ORDER BY 1");
    let rows: Vec<(String, i64, i64)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows)
}

/// Tickets opened in the range per (service, organization): for workload limits.
pub async fn opened_by_customer(
    ex: Ex<'_>,
    kind: TicketKind,
    service: i64,
    from: i64,
    to: i64,
) -> Result<Vec<(Option<i64>, i64)>> {
    let rows: Vec<(Option<i64>, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT organization_id, COUNT(*) FROM tickets WHERE kind = $1 AND service_id = $2
         AND opened_at >= $3 AND opened_at < $4 GROUP BY organization_id")
        .bind(kind.as_str()).bind(service).bind(from).bind(to).fetch_all(c).await)?;
    Ok(rows)
}

/// One event of the process-mining log.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct LogEvent {
    pub ticket_id: i64,
    pub id: i64,
    pub number: String,
    pub kind: String,
    pub priority: i64,
    pub at: i64,
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: Option<String>,
    pub actor: String,
}

/// A page of the event log, in case order then event order, after `after` (ticket, event).
pub async fn event_log(
    ex: Ex<'_>,
    kind: Option<TicketKind>,
    after: (i64, i64),
    limit: i64,
) -> Result<Vec<LogEvent>> {
    let mut sql = Sql::new(
        "SELECT e.ticket_id, e.id, t.number, t.kind, t.priority, e.at, e.event, e.from_status,
         e.to_status, e.actor FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
         WHERE (e.ticket_id > ",
    );
    sql.bind(after.0)
        .push(" OR (e.ticket_id = ")
        .bind(after.0)
        .push(" AND e.id > ")
        .bind(after.1)
        .push("))");
    sql.and_opt("t.kind =", kind.map(|k| k.as_str()));
    sql.push(" ORDER BY e.ticket_id, e.id LIMIT ").bind(limit);
    let rows: Vec<LogEvent> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows)
}
