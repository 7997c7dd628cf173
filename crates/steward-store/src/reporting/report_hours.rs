//! The hourly counts behind the volume and rate reports (migration 0049): per kind, priority
//! and UTC hour, kept by triggers on `tickets` as delta rows that [`compact`] folds. A report
//! reads the whole hours of its buckets here and only the partial hours at their edges from
//! the tickets, so a year costs 8,760 rows per priority however many tickets it holds.
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, on};
use steward_domain::reporting::report::Filters;
use steward_domain::resolution::ticket::TicketKind;

pub const HOUR: i64 = 3_600_000_000;

/// What the hours count, by the column a report counts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Measure {
    /// By `opened_at`.
    Opened,
    /// By `resolved_at`.
    Resolved,
    /// By `closed_at`, of tickets closed without a resolution.
    Cancelled,
    /// Of the tickets opened: reassigned at least once (by `opened_at`).
    Reassigned,
    /// Of the tickets opened: reopened at least once.
    Reopened,
    /// Of the tickets opened: their reassignments.
    Moves,
}

impl Measure {
    fn column(self) -> &'static str {
        match self {
            Measure::Opened => "opened",
            Measure::Resolved => "resolved",
            Measure::Cancelled => "cancelled",
            Measure::Reassigned => "reassigned",
            Measure::Reopened => "reopened",
            Measure::Moves => "moves",
        }
    }

    /// The measure a ticket column counts by, when the hours keep one.
    pub fn of_column(column: &str) -> Option<Measure> {
        match column {
            "opened_at" => Some(Measure::Opened),
            "resolved_at" => Some(Measure::Resolved),
            "closed_at" => Some(Measure::Cancelled),
            _ => None,
        }
    }
}

/// Whether the hours answer a report with these filters: they are kept by kind and priority
/// only, so a report for one service, customer or team counts the tickets.
pub fn serve(f: &Filters) -> bool {
    f.service_id.is_none() && f.organization_id.is_none() && f.team_id.is_none()
}

pub fn floor_hour(at: i64) -> i64 {
    at - at.rem_euclid(HOUR)
}

fn ceil_hour(at: i64) -> i64 {
    let floor = floor_hour(at);
    if floor == at {
        at
    } else {
        floor.saturating_add(HOUR)
    }
}

/// A bucket `[from, to)` split into the whole hours the hours table answers, and the partial
/// hours at its edges, which the tickets answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub whole: Vec<(i64, i64)>,
    /// `(bucket index, from, to)` of each edge.
    pub edges: Vec<(usize, i64, i64)>,
}

pub fn split(buckets: &[(i64, i64)]) -> Split {
    let mut s = Split {
        whole: Vec::with_capacity(buckets.len()),
        edges: Vec::new(),
    };
    for (i, &(from, to)) in buckets.iter().enumerate() {
        let (a, b) = (ceil_hour(from), floor_hour(to));
        if a >= b {
            s.whole.push((a, a));
            if from < to {
                s.edges.push((i, from, to));
            }
            continue;
        }
        s.whole.push((a, b));
        if from < a {
            s.edges.push((i, from, a));
        }
        if b < to {
            s.edges.push((i, b, to));
        }
    }
    s
}

/// The sums of `measures` over the whole hours `[from, to)` of each bucket (hour-aligned
/// bounds), one row per bucket, in one statement.
pub async fn sums(
    ex: Ex<'_>,
    kind: TicketKind,
    measures: &[Measure],
    hours: &[(i64, i64)],
    priority: Option<i64>,
) -> Result<Vec<Vec<i64>>> {
    let mut out = vec![vec![0; measures.len()]; hours.len()];
    if hours.is_empty() || measures.is_empty() {
        return Ok(out);
    }
    let values: Vec<String> = hours
        .iter()
        .enumerate()
        .map(|(i, (a, b))| format!("({i}, {a}, {b})"))
        .collect();
    let sums: Vec<String> = measures
        .iter()
        .map(|m| format!("CAST(COALESCE(SUM(h.{}), 0) AS BIGINT)", m.column()))
        .collect();
    let (values, sums) = (values.join(", "), sums.join(", "));
    // As in the ticket reports: SQLite joins bucket by bucket, each an index range;
    // PostgreSQL is given one lateral range per bucket, which it would not find from a join.
    let mut sql = if matches!(ex, Ex::Sqlite(_)) {
        Sql::new(&format!(
            "SELECT CAST(b.column1 AS BIGINT), {sums} FROM (VALUES {values}) AS b
             JOIN report_hours h ON h.kind = "
        ))
    } else {
        Sql::new(&format!(
            "SELECT CAST(b.column1 AS BIGINT), x.* FROM (VALUES {values}) AS b
             CROSS JOIN LATERAL (SELECT {sums} FROM report_hours h WHERE h.kind = "
        ))
    };
    sql.bind(kind.as_str())
        .push(" AND h.at >= b.column2 AND h.at < b.column3")
        .and_opt("h.priority =", priority);
    sql.push(if matches!(ex, Ex::Sqlite(_)) {
        " GROUP BY b.column1"
    } else {
        ") AS x"
    });
    let rows = on!(ex, c => {
        use sqlx::Row;
        let rows = bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .fetch_all(c)
            .await?;
        rows.iter()
            .map(|r| {
                (0..=measures.len())
                    .map(|i| r.try_get::<i64, _>(i))
                    .collect::<std::result::Result<Vec<i64>, _>>()
            })
            .collect::<std::result::Result<Vec<_>, _>>()?
    });
    for row in rows {
        let Some((i, values)) = row.split_first() else {
            continue;
        };
        if let Some(slot) = usize::try_from(*i).ok().and_then(|i| out.get_mut(i)) {
            slot.copy_from_slice(values);
        }
    }
    Ok(out)
}

/// Tickets opened before the hour-aligned instant `hour` minus those that ended before it:
/// the backlog at that instant.
pub async fn open_before(
    ex: Ex<'_>,
    kind: TicketKind,
    hour: i64,
    priority: Option<i64>,
) -> Result<i64> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(h.opened - h.ended), 0) AS BIGINT) FROM report_hours h
         WHERE h.kind = ",
    );
    sql.bind(kind.as_str())
        .push(" AND h.at < ")
        .bind(hour)
        .and_opt("h.priority =", priority);
    let n: i64 = on!(ex, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args)
        .fetch_one(c).await)?;
    Ok(n)
}

/// The counted columns, each summed when deltas are folded.
const MEASURES: [&str; 11] = [
    "opened",
    "resolved",
    "cancelled",
    "ended",
    "reassigned",
    "reopened",
    "moves",
    "response_met",
    "response_breached",
    "resolution_met",
    "resolution_breached",
];

/// Hours with deltas folded per run of [`compact`]'s statement.
const COMPACT_BATCH: i64 = 2_000;

/// Folds the deltas of up to [`COMPACT_BATCH`] hours into one row each; returns how many
/// hours it folded and whether that was all of them.
///
/// On PostgreSQL one statement deletes the hours' rows and inserts their sums, so a delta
/// another transaction commits meanwhile is either in the sums or still there, never lost.
/// SQLite has one writer, so the same in two statements cannot miss one.
pub async fn compact(ex: Ex<'_>) -> Result<(u64, bool)> {
    let hour = format!("(at - ((at % {HOUR}) + {HOUR}) % {HOUR})");
    let sums = MEASURES.map(|m| format!("SUM({m})")).join(", ");
    let measures = MEASURES.join(", ");
    let r_measures = MEASURES.map(|m| format!("r.{m}")).join(", ");
    let hours = format!(
        "SELECT DISTINCT kind, priority, sla_id, source, {hour} AS hour_at FROM report_hours
         WHERE fresh LIMIT {COMPACT_BATCH}"
    );
    // A delta belongs to an hour row of the same key (the SLA and source may be NULL).
    let same = |r: &str, h: &str, same_as: &str| {
        format!(
            "{r}.kind = {h}.kind AND {r}.priority = {h}.priority AND {r}.sla_id {same_as} {h}.sla_id
             AND {r}.source {same_as} {h}.source AND {r}.at >= {h}.hour_at
             AND {r}.at < {h}.hour_at + {HOUR}"
        )
    };
    match ex {
        Ex::Postgres(c) => {
            let folded = sqlx::query(sqlx::AssertSqlSafe(format!(
                "WITH hours AS ({hours}),
                 gone AS (DELETE FROM report_hours r USING hours h
                          WHERE {}
                          RETURNING h.kind, h.priority, h.sla_id, h.source, h.hour_at AS at,
                                    {r_measures})
                 INSERT INTO report_hours (kind, priority, sla_id, source, at, {measures}, fresh)
                 SELECT kind, priority, sla_id, source, at, {sums}, FALSE FROM gone
                 GROUP BY kind, priority, sla_id, source, at",
                same("r", "h", "IS NOT DISTINCT FROM")
            )))
            .execute(&mut *c)
            .await?
            .rows_affected();
            Ok((folded, folded < COMPACT_BATCH as u64))
        }
        Ex::Sqlite(c) => {
            let last: Option<i64> = sqlx::query_scalar("SELECT MAX(rowid) FROM report_hours")
                .fetch_one(&mut *c)
                .await?;
            let Some(last) = last else {
                return Ok((0, true));
            };
            let r_sums = MEASURES.map(|m| format!("SUM(r.{m})")).join(", ");
            let folded = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO report_hours (kind, priority, sla_id, source, at, {measures}, fresh)
                 SELECT h.kind, h.priority, h.sla_id, h.source, h.hour_at, {r_sums}, FALSE
                 FROM ({hours}) AS h JOIN report_hours r ON {}
                 GROUP BY h.kind, h.priority, h.sla_id, h.source, h.hour_at",
                same("r", "h", "IS")
            )))
            .execute(&mut *c)
            .await?
            .rows_affected();
            // The rows just inserted are the only ones after `last` (one writer): what they
            // replace is every earlier row of their hours.
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM report_hours WHERE rowid IN (
                     SELECT r.rowid FROM (SELECT kind, priority, sla_id, source, at AS hour_at
                                          FROM report_hours WHERE rowid > {last}) AS n
                     JOIN report_hours r ON {} WHERE r.rowid <= {last})",
                same("r", "n", "IS")
            )))
            .execute(&mut *c)
            .await?;
            Ok((folded, folded < COMPACT_BATCH as u64))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_splits_into_whole_hours_and_its_edges() {
        let h = HOUR;
        let s = split(&[
            (0, 24 * h),
            (24 * h, 24 * h + 90 * 60_000_000),
            (-h / 2, h / 2),
        ]);
        assert_eq!(s.whole, vec![(0, 24 * h), (24 * h, 25 * h), (0, 0)]);
        assert_eq!(
            s.edges,
            vec![(1, 25 * h, 24 * h + 90 * 60_000_000), (2, -h / 2, h / 2)]
        );
        // A bucket inside one hour is an edge alone.
        let s = split(&[(h + 1, h + 5)]);
        assert_eq!(s.whole, vec![(2 * h, 2 * h)]);
        assert_eq!(s.edges, vec![(0, h + 1, h + 5)]);
        assert_eq!(floor_hour(-1), -h);
        assert_eq!(ceil_hour(-1), 0);
    }
}
