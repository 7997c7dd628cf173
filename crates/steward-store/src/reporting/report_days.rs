//! The daily counts behind the volume, rate and compliance reports (migration 0049): per
//! kind, priority, SLA and UTC day (reports bucket by UTC days), kept by triggers on `tickets`
//! as delta rows that [`compact`] folds. A report reads the whole days of its buckets here
//! and only the partial days at their edges from the tickets, so a year costs 365 rows per
//! priority and SLA however many tickets it holds.
use super::buckets::{Over, bucket_rows, bucketed};
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, on};
use steward_domain::reporting::report::Filters;
use steward_domain::resolution::ticket::TicketKind;

pub const DAY: i64 = 86_400_000_000;

/// What the days count, by the column a report counts by.
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

    /// The measure a ticket column counts by, when the days keep one.
    pub fn of_column(column: &str) -> Option<Measure> {
        match column {
            "opened_at" => Some(Measure::Opened),
            "resolved_at" => Some(Measure::Resolved),
            "closed_at" => Some(Measure::Cancelled),
            _ => None,
        }
    }
}

/// Whether the days answer a report with these filters: they are kept by kind, priority and
/// SLA, so a report for one service, customer or team counts the tickets.
pub fn serve(f: &Filters) -> bool {
    f.service_id.is_none() && f.organization_id.is_none() && f.team_id.is_none()
}

pub fn floor_day(at: i64) -> i64 {
    at - at.rem_euclid(DAY)
}

fn ceil_day(at: i64) -> i64 {
    let floor = floor_day(at);
    if floor == at {
        at
    } else {
        floor.saturating_add(DAY)
    }
}

/// A bucket `[from, to)` split into the whole days the days table answers, and the partial
/// days at its edges, which the tickets answer.
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
        let (a, b) = (ceil_day(from), floor_day(to));
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

/// The sums of `measures` over the whole days `[from, to)` of each bucket (day-aligned
/// bounds), one row per bucket, in one statement.
pub async fn sums(
    ex: Ex<'_>,
    kind: TicketKind,
    measures: &[Measure],
    days: &[(i64, i64)],
    priority: Option<i64>,
) -> Result<Vec<Vec<i64>>> {
    let out = vec![vec![0; measures.len()]; days.len()];
    if days.is_empty() || measures.is_empty() {
        return Ok(out);
    }
    let sums: Vec<String> = measures
        .iter()
        .map(|m| format!("CAST(COALESCE(SUM(h.{}), 0) AS BIGINT)", m.column()))
        .collect();
    let over = Over {
        table: "report_days h",
        alias: "h",
        column: "h.at",
    };
    let sql = bucketed(&ex, &sums, &over, kind, days, |sql| {
        sql.and_opt("h.priority =", priority);
    });
    bucket_rows(ex, sql, out).await
}

/// Tickets opened before the day-aligned instant `day` minus those that ended before it:
/// the backlog at that instant.
pub async fn open_before(
    ex: Ex<'_>,
    kind: TicketKind,
    day: i64,
    priority: Option<i64>,
) -> Result<i64> {
    let mut sql = Sql::new(
        "SELECT CAST(COALESCE(SUM(h.opened - h.ended), 0) AS BIGINT) FROM report_days h
         WHERE h.kind = ",
    );
    sql.bind(kind.as_str())
        .push(" AND h.at < ")
        .bind(day)
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

/// Days with deltas folded per run of [`compact`]'s statement.
const COMPACT_BATCH: i64 = 2_000;

/// What one run of [`compact`]'s statement did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Folded {
    /// Day rows written.
    pub days: u64,
    /// Rows they replaced.
    pub deleted: u64,
    /// Whether no delta is left.
    pub done: bool,
}

/// Folds the deltas of up to [`COMPACT_BATCH`] days into one row each.
///
/// On PostgreSQL one statement deletes the days' rows and inserts their sums, so a delta
/// another transaction commits meanwhile is either in the sums or still there, never lost.
/// SQLite has one writer, so the same in two statements cannot miss one.
pub async fn compact(ex: Ex<'_>) -> Result<Folded> {
    let day = format!("(at - ((at % {DAY}) + {DAY}) % {DAY})");
    let sums = MEASURES.map(|m| format!("SUM({m})")).join(", ");
    let measures = MEASURES.join(", ");
    let r_measures = MEASURES.map(|m| format!("r.{m}")).join(", ");
    let days = format!(
        "SELECT DISTINCT kind, priority, sla_id, source, {day} AS day_at FROM report_days
         WHERE fresh LIMIT {COMPACT_BATCH}"
    );
    // A delta belongs to a day row of the same key (the SLA and source may be NULL).
    let same = |r: &str, h: &str| {
        format!(
            "{r}.kind = {h}.kind AND {r}.priority = {h}.priority AND {r}.sla_id IS {h}.sla_id
             AND {r}.source IS {h}.source AND {r}.at >= {h}.day_at
             AND {r}.at < {h}.day_at + {DAY}"
        )
    };
    // PostgreSQL: the same key in equalities it can merge or hash on. With `IS NOT DISTINCT
    // FROM` and the day as a range it joined on kind and priority alone and filtered the rest:
    // after a bulk load (3,000,000 incidents, 2.7 million deltas) one fold took 266 s.
    let same_pg = |r: &str, h: &str| {
        format!(
            "{r}.kind = {h}.kind AND {r}.priority = {h}.priority
             AND COALESCE({r}.sla_id, 0) = COALESCE({h}.sla_id, 0)
             AND ({r}.sla_id IS NULL) = ({h}.sla_id IS NULL)
             AND COALESCE({r}.source, '') = COALESCE({h}.source, '')
             AND ({r}.source IS NULL) = ({h}.source IS NULL)
             AND ({r}.at - (({r}.at % {DAY}) + {DAY}) % {DAY}) = {h}.day_at"
        )
    };
    match ex {
        Ex::Postgres(c) => {
            let (days, deleted): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "WITH days AS ({days}),
                 gone AS (DELETE FROM report_days r USING days h
                          WHERE {}
                          RETURNING h.kind, h.priority, h.sla_id, h.source, h.day_at AS at,
                                    {r_measures}),
                 written AS (
                     INSERT INTO report_days (kind, priority, sla_id, source, at, {measures}, fresh)
                     SELECT kind, priority, sla_id, source, at, {sums}, FALSE FROM gone
                     GROUP BY kind, priority, sla_id, source, at RETURNING 1)
                 SELECT (SELECT COUNT(*) FROM written), (SELECT COUNT(*) FROM gone)",
                same_pg("r", "h")
            )))
            .fetch_one(&mut *c)
            .await?;
            // Counts are never negative.
            Ok(folded(days.max(0) as u64, deleted.max(0) as u64))
        }
        Ex::Sqlite(c) => {
            let last: Option<i64> = sqlx::query_scalar("SELECT MAX(rowid) FROM report_days")
                .fetch_one(&mut *c)
                .await?;
            let Some(last) = last else {
                return Ok(folded(0, 0));
            };
            let r_sums = MEASURES.map(|m| format!("SUM(r.{m})")).join(", ");
            let days = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO report_days (kind, priority, sla_id, source, at, {measures}, fresh)
                 SELECT h.kind, h.priority, h.sla_id, h.source, h.day_at, {r_sums}, FALSE
                 FROM ({days}) AS h JOIN report_days r ON {}
                 GROUP BY h.kind, h.priority, h.sla_id, h.source, h.day_at",
                same("r", "h")
            )))
            .execute(&mut *c)
            .await?
            .rows_affected();
            // The rows just inserted are the only ones after `last` (one writer): what they
            // replace is every earlier row of their days.
            let deleted = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DELETE FROM report_days WHERE rowid IN (
                     SELECT r.rowid FROM (SELECT kind, priority, sla_id, source, at AS day_at
                                          FROM report_days WHERE rowid > {last}) AS n
                     JOIN report_days r ON {} WHERE r.rowid <= {last})",
                same("r", "n")
            )))
            .execute(&mut *c)
            .await?
            .rows_affected();
            Ok(folded(days, deleted))
        }
    }
}

/// A run that folded fewer days than a batch found no more.
fn folded(days: u64, deleted: u64) -> Folded {
    Folded {
        days,
        deleted,
        done: days < COMPACT_BATCH as u64,
    }
}

/// Gives back the space a fold of many deltas left (a bulk load's). PostgreSQL keeps the
/// emptied pages, and once the statistics say a year matches the whole table it scans them
/// all: after 4 million deltas of a 3M-incident load, 85,108 pages for 2,920 rows, and the
/// year's compliance took 153 ms instead of 3. `VACUUM FULL` rewrites the few live rows
/// (0.7 s there) under a lock that holds ticket writes meanwhile, so it runs only after a
/// big fold. SQLite reuses freed pages and reads through the index: nothing to do.
pub async fn reclaim(ex: Ex<'_>) -> Result<()> {
    if let Ex::Postgres(c) = ex {
        sqlx::query("VACUUM FULL report_days")
            .execute(&mut *c)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_splits_into_whole_days_and_its_edges() {
        let (d, h) = (DAY, DAY / 24);
        let s = split(&[(0, 7 * d), (7 * d, 8 * d + 90 * h / 60), (-h, h)]);
        assert_eq!(s.whole, vec![(0, 7 * d), (7 * d, 8 * d), (0, 0)]);
        assert_eq!(s.edges, vec![(1, 8 * d, 8 * d + 90 * h / 60), (2, -h, h)]);
        // A bucket inside one day is an edge alone.
        let s = split(&[(d + 1, d + 5)]);
        assert_eq!(s.whole, vec![(2 * d, 2 * d)]);
        assert_eq!(s.edges, vec![(0, d + 1, d + 5)]);
        assert_eq!(floor_day(-1), -d);
        assert_eq!(ceil_day(-1), 0);
    }
}
