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

use super::buckets::{self, Over};
use super::report_days::{self, Measure};
use crate::sql::{Sql, bind_args};
use sqlx::Row;
use steward_domain::reporting::report::{ComplianceBy, Filters};
use steward_domain::resolution::ticket::TicketKind;

/// The report's filters. On SQLite each is written `+t.column` so that no index serves it:
/// SQLite would otherwise read, say, the (kind, priority, opened_at) index and then the row
/// of every ticket of that priority, where the report indexes carry the filter columns and
/// answer the whole query themselves. PostgreSQL plans by statistics, which `+` would hide
/// from it (it then guessed a handful of rows and joined every ticket with every bucket).
fn filter(sql: &mut Sql, f: &Filters, ex: &Ex<'_>) {
    let plus = if matches!(ex, Ex::Sqlite(_)) { "+" } else { "" };
    sql.and_opt(&format!("{plus}t.service_id ="), f.service_id)
        .and_opt(&format!("{plus}t.organization_id ="), f.organization_id)
        .and_opt(&format!("{plus}t.team_id ="), f.team_id)
        .and_opt(&format!("{plus}t.priority ="), f.priority);
}

/// Appends `WHERE t.kind = … AND <column> in [from, to)` plus the report's filters.
fn scope(
    sql: &mut Sql,
    ex: &Ex<'_>,
    kind: TicketKind,
    column: &str,
    from: i64,
    to: i64,
    f: &Filters,
) {
    sql.push(" WHERE t.kind = ").bind(kind.as_str());
    sql.push(&format!(" AND t.{column} >= ")).bind(from);
    sql.push(&format!(" AND t.{column} < ")).bind(to);
    filter(sql, f, ex);
}

async fn scalar(ex: Ex<'_>, sql: Sql) -> Result<i64> {
    let n: i64 = on!(ex, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args)
        .fetch_one(c).await)?;
    Ok(n)
}

/// Tickets whose `column` (opened_at, resolved_at, closed_at) falls in the range; closed
/// means closed without a resolution (cancelled).
pub async fn count_in(
    ex: Ex<'_>,
    kind: TicketKind,
    column: &str,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<i64> {
    let counts = count_in_buckets(ex, kind, column, &[(from, to)], f).await?;
    Ok(counts.first().copied().unwrap_or(0))
}

/// [`buckets::bucketed`] over the tickets of `kind` with the report's filters: each bucket
/// an index range over `column`; `extra` is appended to the conditions.
fn bucketed(
    ex: &Ex<'_>,
    aggregates: &[&str],
    kind: TicketKind,
    column: &str,
    buckets: &[(i64, i64)],
    f: &Filters,
    extra: &str,
) -> Sql {
    let aggregates: Vec<String> = aggregates.iter().map(|a| a.to_string()).collect();
    let column = format!("t.{column}");
    let over = Over {
        table: "tickets t",
        alias: "t",
        column: &column,
    };
    buckets::bucketed(ex, &aggregates, &over, kind, buckets, |sql| {
        filter(sql, f, ex);
        sql.push(extra);
    })
}

/// What a bucketed report counts: tickets by one column, or the four rates figures.
#[derive(Clone, Copy)]
enum Counted<'a> {
    By(&'a str),
    Rates,
}

impl Counted<'_> {
    /// The same from the daily counts, when they keep it.
    fn measures(self) -> Option<Vec<Measure>> {
        match self {
            Counted::By(column) => Measure::of_column(column).map(|m| vec![m]),
            Counted::Rates => Some(vec![
                Measure::Opened,
                Measure::Reassigned,
                Measure::Reopened,
                Measure::Moves,
            ]),
        }
    }

    fn width(self) -> usize {
        match self {
            Counted::By(_) => 1,
            Counted::Rates => RATES.len(),
        }
    }
}

/// `what` for each of `buckets`: the whole days from the daily counts when the filters
/// allow, the rest (the partial days at the edges, or everything) from the tickets.
async fn in_buckets(
    mut ex: Ex<'_>,
    kind: TicketKind,
    what: Counted<'_>,
    buckets: &[(i64, i64)],
    f: &Filters,
) -> Result<Vec<Vec<i64>>> {
    let Some(measures) = what.measures().filter(|_| report_days::serve(f)) else {
        return tickets_in_buckets(ex, kind, what, buckets, f).await;
    };
    let split = report_days::split(buckets);
    let mut out = report_days::sums(ex.by_ref(), kind, &measures, &split.whole, f.priority).await?;
    if !split.edges.is_empty() {
        let edges: Vec<(i64, i64)> = split.edges.iter().map(|&(_, a, b)| (a, b)).collect();
        let counted = tickets_in_buckets(ex, kind, what, &edges, f).await?;
        for (&(i, _, _), values) in split.edges.iter().zip(counted) {
            if let Some(slot) = out.get_mut(i) {
                for (sum, v) in slot.iter_mut().zip(values) {
                    *sum += v;
                }
            }
        }
    }
    Ok(out)
}

/// `what` for each of `buckets`, counted from the tickets in one statement.
async fn tickets_in_buckets(
    ex: Ex<'_>,
    kind: TicketKind,
    what: Counted<'_>,
    buckets: &[(i64, i64)],
    f: &Filters,
) -> Result<Vec<Vec<i64>>> {
    let width = what.width();
    let out = vec![vec![0; width]; buckets.len()];
    if buckets.is_empty() {
        return Ok(out);
    }
    let sql = match what {
        // Closed without a resolution (cancelled): counted once, by when it closed.
        Counted::By("closed_at") => bucketed(
            &ex,
            &["COUNT(*)"],
            kind,
            "closed_at",
            buckets,
            f,
            " AND t.resolved_at IS NULL",
        ),
        Counted::By(column) => bucketed(&ex, &["COUNT(*)"], kind, column, buckets, f, ""),
        Counted::Rates => bucketed(&ex, &RATES, kind, "opened_at", buckets, f, ""),
    };
    buckets::bucket_rows(ex, sql, out).await
}

/// [`count_in`] for each of `buckets` (`[from, to)` pairs).
pub async fn count_in_buckets(
    ex: Ex<'_>,
    kind: TicketKind,
    column: &str,
    buckets: &[(i64, i64)],
    f: &Filters,
) -> Result<Vec<i64>> {
    let rows = in_buckets(ex, kind, Counted::By(column), buckets, f).await?;
    Ok(rows.into_iter().map(|r| r[0]).collect())
}

/// Tickets open at instant `at`: opened before it and not yet resolved or closed.
pub async fn open_at(mut ex: Ex<'_>, kind: TicketKind, at: i64, f: &Filters) -> Result<i64> {
    if !report_days::serve(f) {
        return open_tickets_at(ex, kind, at, f).await;
    }
    // The daily counts up to the day `at` is in, then that day's part from the tickets:
    // those opened in it and still open at `at`, less those opened before it that ended in it.
    let day = report_days::floor_day(at);
    let mut n = report_days::open_before(ex.by_ref(), kind, day, f.priority).await?;
    if day < at {
        let sql = counts(
            &ex,
            kind,
            f,
            &[
                &|s: &mut Sql| {
                    s.push(" AND t.opened_at >= ")
                        .bind(day)
                        .push(" AND t.opened_at < ")
                        .bind(at);
                    s.push(" AND COALESCE(t.resolved_at, t.closed_at, ")
                        .bind(i64::MAX);
                    s.push(") >= ").bind(at);
                },
                &|s: &mut Sql| {
                    s.push(" AND t.resolved_at >= ")
                        .bind(day)
                        .push(" AND t.resolved_at < ")
                        .bind(at);
                    s.push(" AND t.opened_at < ").bind(day);
                },
                &|s: &mut Sql| {
                    s.push(" AND t.resolved_at IS NULL AND t.closed_at >= ")
                        .bind(day);
                    s.push(" AND t.closed_at < ")
                        .bind(at)
                        .push(" AND t.opened_at < ")
                        .bind(day);
                },
            ],
            "a.n - b.n - c.n",
        );
        n += scalar(ex, sql).await?;
    }
    Ok(n)
}

/// Tickets open at `at`, from the tickets: [`aging`]'s reading with one band.
async fn open_tickets_at(ex: Ex<'_>, kind: TicketKind, at: i64, f: &Filters) -> Result<i64> {
    Ok(aging(ex, kind, at, &[0], f)
        .await?
        .iter()
        .map(|r| r.2)
        .sum())
}

type Condition<'a> = &'a (dyn Fn(&mut Sql) + Sync);

/// `SELECT <combine>` over counts of tickets of `kind` under the filters and each condition,
/// each `n` of a subquery named a, b, c… in order.
fn counts(
    ex: &Ex<'_>,
    kind: TicketKind,
    f: &Filters,
    conditions: &[Condition<'_>],
    combine: &str,
) -> Sql {
    let mut sql = Sql::new("SELECT ");
    sql.push(combine).push(" FROM ");
    for (i, condition) in conditions.iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.push("(SELECT COUNT(*) AS n FROM tickets t WHERE t.kind = ")
            .bind(kind.as_str());
        condition(&mut sql);
        filter(&mut sql, f, ex);
        let name = char::from(b'a' + u8::try_from(i).unwrap_or(0));
        sql.push(&format!(") AS {name}"));
    }
    sql
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
///
/// The tickets are counted by the keys of their group (ids, and the import's source for
/// tickets without an SLA), read from the report index, with the verdicts as sums; only
/// those few groups are then labelled. Grouping the tickets by label and verdict made SQLite
/// sort each ticket's label. By SLA or by priority, without a filter the daily counts do not
/// keep, the whole days are read from them and only the partial days at the edges from the
/// tickets, all in one statement.
pub async fn compliance(
    ex: Ex<'_>,
    kind: TicketKind,
    from: i64,
    to: i64,
    f: &Filters,
    by: ComplianceBy,
) -> Result<Vec<ComplianceRow>> {
    let (key, source, day_key, day_source, label, lookup) = match by {
        ComplianceBy::Sla => (
            "t.sla_id",
            "t.import_source",
            Some("h.sla_id"),
            "h.source",
            "COALESCE(s.name, CASE WHEN g.source IS NOT NULL THEN 'Imported verdict (' || g.source || ')' END, 'No SLA')",
            " LEFT JOIN slas s ON s.id = g.key",
        ),
        ComplianceBy::Service => (
            "t.service_id",
            "NULL",
            None,
            "NULL",
            "COALESCE(sv.name, 'No service')",
            " LEFT JOIN services sv ON sv.id = g.key",
        ),
        ComplianceBy::Customer => (
            "t.organization_id",
            "NULL",
            None,
            "NULL",
            "COALESCE(o.name, 'No customer')",
            " LEFT JOIN organizations o ON o.id = g.key",
        ),
        ComplianceBy::Priority => (
            "t.priority",
            "NULL",
            Some("h.priority"),
            "NULL",
            "'P' || CAST(g.key AS TEXT)",
            "",
        ),
    };
    let verdicts = ["response", "resolution"].map(|clock| {
        ["met", "breached"].map(|verdict| {
            format!(
                "SUM(CASE WHEN t.{clock}_outcome = '{verdict}' THEN 1 ELSE 0 END) AS {clock}_{verdict}"
            )
        })
    });
    let mut sql = Sql::new(&format!(
        "SELECT {label}, CAST(SUM(g.n) AS BIGINT), CAST(SUM(g.response_met) AS BIGINT),
         CAST(SUM(g.response_breached) AS BIGINT), CAST(SUM(g.resolution_met) AS BIGINT),
         CAST(SUM(g.resolution_breached) AS BIGINT) FROM ("
    ));
    let (days, tickets) = match day_key.filter(|_| report_days::serve(f)) {
        Some(day_key) => {
            let split = report_days::split(&[(from, to)]);
            let (a, b) = split.whole.first().copied().unwrap_or((from, from));
            let edges: Vec<(i64, i64)> = split.edges.iter().map(|&(_, a, b)| (a, b)).collect();
            (Some((day_key, a, b)), edges)
        }
        None => (None, vec![(from, to)]),
    };
    if let Some((day_key, a, b)) = days {
        sql.push(&format!(
            "SELECT {day_key} AS key, {day_source} AS source, SUM(h.opened) AS n,
             SUM(h.response_met) AS response_met, SUM(h.response_breached) AS response_breached,
             SUM(h.resolution_met) AS resolution_met,
             SUM(h.resolution_breached) AS resolution_breached
             FROM report_days h WHERE h.kind = "
        ))
        .bind(kind.as_str())
        .push(" AND h.at >= ")
        .bind(a)
        .push(" AND h.at < ")
        .bind(b)
        .and_opt("h.priority =", f.priority)
        .push(" GROUP BY 1, 2");
    }
    for (i, &(a, b)) in tickets.iter().enumerate() {
        if days.is_some() || i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push(&format!(
            "SELECT {key} AS key, {source} AS source, COUNT(*) AS n, {} FROM tickets t",
            verdicts.concat().join(", ")
        ));
        scope(&mut sql, &ex, kind, "opened_at", a, b, f);
        sql.push(" GROUP BY 1, 2");
    }
    // A group's deltas can sum to nothing (its tickets moved to another SLA or priority);
    // counted from the tickets it would not be there.
    sql.push(&format!(
        ") AS g{lookup} GROUP BY 1 HAVING SUM(g.n) > 0 ORDER BY 1"
    ));
    type Counts = (String, i64, i64, i64, i64, i64);
    let rows: Vec<Counts> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(label, n, response_met, response_breached, resolution_met, resolution_breached)| {
                ComplianceRow {
                    label,
                    response_met,
                    response_breached,
                    response_open: n - response_met - response_breached,
                    resolution_met,
                    resolution_breached,
                    resolution_open: n - resolution_met - resolution_breached,
                }
            },
        )
        .collect())
}

/// The durations behind time-to-acknowledge, -resolve and -close, as the database lists
/// them: microseconds from opening to `end` for tickets without a calendar, and per
/// calendar the `start:end` pairs its business time is counted from.
///
/// A million rows fetched one by one cost seconds in the drivers, so each list is one
/// `string_agg` (PostgreSQL, and SQLite since 3.44), one per calendar by `FILTER`, in a
/// single pass over the report index without `GROUP BY` (SQLite sorted every row for it).
/// The lists are parsed by the caller with [`DurationLists::wall`] and
/// [`DurationLists::pairs`], off the async runtime.
#[derive(Debug, Default)]
pub struct DurationLists {
    pub count: i64,
    /// Durations of tickets whose SLA (if any) has no calendar.
    pub wall: String,
    /// Per calendar: the `start:end` pairs of its tickets.
    pub calendars: Vec<(i64, String)>,
}

impl DurationLists {
    /// The durations of tickets without a calendar.
    pub fn wall(&self) -> impl Iterator<Item = Result<i64>> + '_ {
        numbers(&self.wall)
    }

    /// `(start, end)` of the tickets on one calendar's list.
    pub fn pairs(list: &str) -> impl Iterator<Item = Result<(i64, i64)>> + '_ {
        list.split(',').filter(|i| !i.is_empty()).map(|item| {
            let (a, b) = item.split_once(':').ok_or_else(not_numbers)?;
            Ok((number(a)?, number(b)?))
        })
    }
}

fn not_numbers() -> crate::StoreError {
    crate::StoreError::Corrupt("durations: not a number list".into())
}

fn number(s: &str) -> Result<i64> {
    s.parse().map_err(|_| not_numbers())
}

fn numbers(list: &str) -> impl Iterator<Item = Result<i64>> + '_ {
    list.split(',').filter(|i| !i.is_empty()).map(number)
}

/// The tickets whose `end` column falls in the range, as [`DurationLists`].
pub async fn durations(
    mut ex: Ex<'_>,
    kind: TicketKind,
    end: &str,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<DurationLists> {
    // Only an SLA with a calendar makes a ticket's business time differ from its wall-clock
    // time; the SLA is the ticket's own column, in the report indexes.
    let slas: Vec<(i64, i64)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, calendar_id FROM slas WHERE calendar_id IS NOT NULL ORDER BY calendar_id, id")
        .fetch_all(c).await)?;
    let mut calendars: Vec<(i64, Vec<String>)> = Vec::new();
    for (sla, calendar) in slas {
        match calendars.last_mut() {
            Some((c, ids)) if *c == calendar => ids.push(sla.to_string()),
            _ => calendars.push((calendar, vec![sla.to_string()])),
        }
    }
    let on_calendar: Vec<&str> = calendars
        .iter()
        .flat_map(|(_, ids)| ids.iter().map(String::as_str))
        .collect();
    let mut text = format!("SELECT COUNT(*), string_agg(CAST(t.{end} - t.opened_at AS TEXT), ',')");
    if !on_calendar.is_empty() {
        text.push_str(&format!(
            " FILTER (WHERE t.sla_id IS NULL OR t.sla_id NOT IN ({}))",
            on_calendar.join(", ")
        ));
    }
    for (_, ids) in &calendars {
        text.push_str(&format!(
            ", string_agg(CAST(t.opened_at AS TEXT) || ':' || CAST(t.{end} AS TEXT), ',')
             FILTER (WHERE t.sla_id IN ({}))",
            ids.join(", ")
        ));
    }
    text.push_str(" FROM tickets t");
    let mut sql = Sql::new(&text);
    scope(&mut sql, &ex, kind, end, from, to, f);
    let columns = calendars.len() + 2;
    let (count, mut lists): (i64, Vec<Option<String>>) = on!(ex, c => {
        let row = bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .fetch_one(c)
            .await?;
        let lists = (1..columns)
            .map(|i| row.try_get::<Option<String>, _>(i))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        (row.try_get::<i64, _>(0)?, lists)
    });
    let wall = lists.remove(0).unwrap_or_default();
    Ok(DurationLists {
        count,
        wall,
        calendars: calendars
            .into_iter()
            .zip(lists)
            .map(|((calendar, _), list)| (calendar, list.unwrap_or_default()))
            .collect(),
    })
}

const RATES: [&str; 4] = [
    "COUNT(*)",
    "CAST(COALESCE(SUM(CASE WHEN t.reassignment_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT)",
    "CAST(COALESCE(SUM(CASE WHEN t.reopen_count > 0 THEN 1 ELSE 0 END), 0) AS BIGINT)",
    "CAST(COALESCE(SUM(t.reassignment_count), 0) AS BIGINT)",
];

/// Of the tickets opened in the range: how many, how many were reassigned at least once,
/// reopened at least once, and the sum of reassignments.
pub async fn rates(
    ex: Ex<'_>,
    kind: TicketKind,
    from: i64,
    to: i64,
    f: &Filters,
) -> Result<(i64, i64, i64, i64)> {
    let rows = rates_in_buckets(ex, kind, &[(from, to)], f).await?;
    Ok(rows.first().copied().unwrap_or_default())
}

/// [`rates`] for each of `buckets` (`[from, to)` pairs).
pub async fn rates_in_buckets(
    ex: Ex<'_>,
    kind: TicketKind,
    buckets: &[(i64, i64)],
    f: &Filters,
) -> Result<Vec<(i64, i64, i64, i64)>> {
    let rows = in_buckets(ex, kind, Counted::Rates, buckets, f).await?;
    Ok(rows.into_iter().map(|r| (r[0], r[1], r[2], r[3])).collect())
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
    // BIGINT: PostgreSQL types the bare CASE as INT4, which does not decode as i64.
    let mut band = String::from("CAST(CASE");
    for (i, lower) in ages.iter().enumerate().rev() {
        band.push_str(&format!(" WHEN {at} - o.opened_at >= {lower} THEN {i}"));
    }
    band.push_str(" ELSE 0 END AS BIGINT)");
    // Open at `at`: not ended, or ended at or after it; each part an index range of its own
    // (the unended index, the resolved and the closed report indexes) instead of every ticket
    // opened before `at`.
    let mut sql = Sql::new(&format!(
        "SELECT o.priority, {band} AS band, COUNT(*) FROM ("
    ));
    let parts: [Condition<'_>; 3] = [
        &|s: &mut Sql| {
            s.push(" AND t.resolved_at IS NULL AND t.closed_at IS NULL");
        },
        &|s: &mut Sql| {
            s.push(" AND t.resolved_at >= ").bind(at);
        },
        &|s: &mut Sql| {
            s.push(" AND t.resolved_at IS NULL AND t.closed_at >= ")
                .bind(at);
        },
    ];
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            sql.push(" UNION ALL ");
        }
        sql.push("SELECT t.priority, t.opened_at FROM tickets t WHERE t.kind = ")
            .bind(kind.as_str())
            .push(" AND t.opened_at < ")
            .bind(at);
        part(&mut sql);
        filter(&mut sql, f, &ex);
    }
    sql.push(") AS o GROUP BY 2, 1");
    let rows: Vec<(i64, i64, i64)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows)
}

/// When the first ticket of `kind` was opened: one seek in `tickets_kind_opened`.
pub async fn first_opened(ex: Ex<'_>, kind: TicketKind) -> Result<Option<i64>> {
    let first: Option<i64> = on!(ex, c => sqlx::query_scalar(
        "SELECT MIN(opened_at) FROM tickets WHERE kind = $1")
        .bind(kind.as_str()).fetch_one(c).await)?;
    Ok(first)
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
    scope(&mut sql, &ex, TicketKind::Problem, "opened_at", from, to, f);
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
    /// The event's JSON detail: the team an assignment or creation set (`team_id`,
    /// `to.team_id`) or an imported step's team by name (`team`).
    pub detail: Option<String>,
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
         e.to_status, e.actor, e.detail FROM ticket_events e JOIN tickets t ON t.id = e.ticket_id
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

/// Every team's id and name, for naming the team of each event in the event log.
pub async fn team_names(ex: Ex<'_>) -> Result<Vec<(i64, String)>> {
    let rows: Vec<(i64, String)> =
        on!(ex, c => sqlx::query_as("SELECT id, name FROM teams").fetch_all(c).await)?;
    Ok(rows)
}
