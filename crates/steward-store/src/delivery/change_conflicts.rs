//! What change conflict detection reads (8.5.1.3): the changes planned in a period with the
//! CIs they work on, the CI relations around them, and the services' maintenance windows.
//! Each is a fixed number of queries, whatever the number of changes.
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, on};
use std::collections::{BTreeSet, HashMap};
use steward_domain::delivery::change::ChangeStatus;
use steward_domain::delivery::change_conflict::{Maintenance, Planned, Window};

/// The statuses whose changes are checked or occupy their window (see `change_conflict`).
const LIVE: &str = "('draft', 'assessment', 'authorized', 'scheduled', 'implementing')";

type Row = (i64, String, String, i64, i64, String);

fn planned(r: Row, cis: Vec<i64>) -> Planned {
    let (id, number, status, start, end, impacted) = r;
    let mut services: Vec<i64> = serde_json::from_str(&impacted).unwrap_or_default();
    services.sort_unstable();
    services.dedup();
    Planned {
        id,
        number,
        // The app writes only known statuses.
        status: ChangeStatus::parse(&status).unwrap_or(ChangeStatus::Draft),
        window: Window { start, end },
        cis,
        services,
    }
}

/// One change with its window and CIs (its affected CIs and its services' CIs); none when it
/// does not exist or has no planned window.
pub async fn one(mut ex: Ex<'_>, id: i64) -> Result<Option<Planned>> {
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, number, status, planned_start, planned_end, impacted_services FROM changes
         WHERE id = $1 AND planned_start IS NOT NULL AND planned_end IS NOT NULL")
        .bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let cis: Vec<i64> = on!(ex, c => sqlx::query_scalar(
        "SELECT ci_id FROM change_cis WHERE change_id = $1
         UNION
         SELECT ci.id FROM change_services cs JOIN cis ci ON ci.service_id = cs.service_id
         WHERE cs.change_id = $1
         ORDER BY 1")
        .bind(id).fetch_all(c).await)?;
    Ok(Some(planned(row, cis)))
}

/// The changes from draft to implementing whose windows overlap `[from, to)`, each with its
/// CIs: two queries.
pub async fn between(mut ex: Ex<'_>, from: i64, to: i64) -> Result<Vec<Planned>> {
    let sql = format!(
        "SELECT id, number, status, planned_start, planned_end, impacted_services FROM changes
         WHERE planned_start < $2 AND planned_end > $1 AND status IN {LIVE}
         ORDER BY id"
    );
    let rows: Vec<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(from).bind(to).fetch_all(c).await)?;
    let sql = format!(
        "SELECT cc.change_id, cc.ci_id FROM change_cis cc JOIN changes c ON c.id = cc.change_id
         WHERE c.planned_start < $2 AND c.planned_end > $1 AND c.status IN {LIVE}
         UNION
         SELECT cs.change_id, ci.id FROM change_services cs
         JOIN changes c ON c.id = cs.change_id
         JOIN cis ci ON ci.service_id = cs.service_id
         WHERE c.planned_start < $2 AND c.planned_end > $1 AND c.status IN {LIVE}"
    );
    let links: Vec<(i64, i64)> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(from).bind(to).fetch_all(c).await)?;
    let mut by: HashMap<i64, Vec<i64>> = HashMap::new();
    for (change, ci) in links {
        by.entry(change).or_default().push(ci);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let mut cis = by.remove(&r.0).unwrap_or_default();
            cis.sort_unstable();
            cis.dedup();
            planned(r, cis)
        })
        .collect())
}

/// Every CI relation as (dependent, dependency): one query, for checking many changes.
pub async fn all_relations(ex: Ex<'_>) -> Result<Vec<(i64, i64)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT dependent_id, dependency_id FROM ci_relations")
        .fetch_all(c).await)?)
}

/// The relations reachable from `roots` by following dependence either way (what they
/// depend on, and what depends on them), as (dependent, dependency): one recursive query,
/// for checking one change. Walking these finds the same chains as walking all relations.
pub async fn relations_around(ex: Ex<'_>, roots: &[i64]) -> Result<Vec<(i64, i64)>> {
    if roots.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("WITH RECURSIVE down(ci) AS (SELECT id FROM cis WHERE id IN ");
    sql.in_list(roots);
    sql.push(
        " UNION SELECT r.dependency_id FROM down d JOIN ci_relations r ON r.dependent_id = d.ci),
         up(ci) AS (SELECT id FROM cis WHERE id IN ",
    );
    sql.in_list(roots);
    sql.push(
        " UNION SELECT r.dependent_id FROM up u JOIN ci_relations r ON r.dependency_id = u.ci)
         SELECT dependent_id, dependency_id FROM ci_relations
         WHERE dependent_id IN (SELECT ci FROM down)
         UNION
         SELECT dependent_id, dependency_id FROM ci_relations
         WHERE dependency_id IN (SELECT ci FROM up)",
    );
    Ok(
        on!(ex, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .fetch_all(c).await)?,
    )
}

/// The maintenance windows (planned outages) overlapping `[from, to)` of the services given
/// (none: every service), and which of them have any maintenance window at all: two queries.
pub async fn maintenance(
    mut ex: Ex<'_>,
    services: Option<&[i64]>,
    from: i64,
    to: i64,
) -> Result<Maintenance> {
    if services.is_some_and(|s| s.is_empty()) {
        return Ok(Maintenance::default());
    }
    let only = |sql: &mut Sql| {
        if let Some(s) = services {
            sql.push(" AND service_id IN ");
            sql.in_list(s);
        }
    };
    // The planned outages a change opened for itself (change_outages) are its own downtime,
    // not an agreed maintenance window, so they neither define nor widen the windows.
    let mut defined = Sql::new(
        "SELECT DISTINCT service_id FROM outages WHERE kind = 'planned' \
         AND id NOT IN (SELECT outage_id FROM change_outages)",
    );
    only(&mut defined);
    let ids: Vec<i64> = on!(ex.by_ref(), c => bind_args!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(defined.text)), &defined.args)
        .fetch_all(c).await)?;
    let mut m = Maintenance::default();
    if ids.is_empty() {
        return Ok(m);
    }
    for s in ids {
        m.windows.insert(s, Vec::new());
    }
    let mut near = Sql::new(
        "SELECT service_id, start_at, end_at FROM outages WHERE kind = 'planned' \
         AND id NOT IN (SELECT outage_id FROM change_outages) AND start_at < ",
    );
    near.bind(to);
    near.push(" AND (end_at IS NULL OR end_at > ");
    near.bind(from);
    near.push(")");
    only(&mut near);
    let rows: Vec<(i64, i64, Option<i64>)> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(near.text)), &near.args)
        .fetch_all(c).await)?;
    for (s, start, end) in rows {
        m.windows.entry(s).or_default().push((start, end));
    }
    Ok(m)
}

/// Names of the CIs given (one query).
pub async fn ci_names(ex: Ex<'_>, ids: &BTreeSet<i64>) -> Result<HashMap<i64, String>> {
    names(ex, "cis", ids).await
}

/// Names of the services given (one query).
pub async fn service_names(ex: Ex<'_>, ids: &BTreeSet<i64>) -> Result<HashMap<i64, String>> {
    names(ex, "services", ids).await
}

async fn names(ex: Ex<'_>, table: &str, ids: &BTreeSet<i64>) -> Result<HashMap<i64, String>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let ids: Vec<i64> = ids.iter().copied().collect();
    let mut out = HashMap::new();
    // In slices, well under either backend's limit on bound parameters.
    let mut ex = ex;
    for part in ids.chunks(1000) {
        let mut sql = Sql::new(&format!("SELECT id, name FROM {table} WHERE id IN "));
        sql.in_list(part);
        let rows: Vec<(i64, String)> = on!(ex.by_ref(), c => bind_args!(
            sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .fetch_all(c).await)?;
        out.extend(rows);
    }
    Ok(out)
}
