//! Configuration items, their relations, history and audits.
use crate::sql::{Listing, Sql, bind_args, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::delivery::ci::{
    Ci, CiDraft, CiStatus, CiType, HistoryEntry, Reach, Relation, RelationKind,
};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    ci_type: String,
    status: String,
    owner_id: Option<i64>,
    description: Option<String>,
    attributes: String,
    service_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for Ci {
    fn from(r: Row) -> Self {
        Ci {
            id: r.id,
            name: r.name,
            // CHECK constraints admit only known values.
            ci_type: CiType::parse(&r.ci_type).unwrap_or(CiType::Application),
            status: CiStatus::parse(&r.status).unwrap_or(CiStatus::Active),
            owner_id: r.owner_id,
            description: r.description,
            attributes: serde_json::from_str(&r.attributes)
                .unwrap_or_else(|_| serde_json::json!({})),
            service_id: r.service_id,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

const SELECT: &str = "SELECT id, name, ci_type, status, owner_id, description, attributes, service_id, created_at, updated_at FROM cis";
const RETURNING: &str = " RETURNING id, name, ci_type, status, owner_id, description, attributes, service_id, created_at, updated_at";

pub async fn insert(ex: Ex<'_>, d: &CiDraft, now: i64) -> Result<Ci> {
    let sql = format!(
        "INSERT INTO cis (name, ci_type, status, owner_id, description, attributes, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7){RETURNING}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&d.name).bind(d.ci_type.as_str()).bind(d.status.as_str()).bind(d.owner_id)
        .bind(&d.description).bind(d.attributes.to_string()).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn update(ex: Ex<'_>, id: i64, d: &CiDraft, now: i64) -> Result<Ci> {
    let sql = format!(
        "UPDATE cis SET name = $2, status = $3, owner_id = $4, description = $5, attributes = $6, updated_at = $7
         WHERE id = $1{RETURNING}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(&d.name).bind(d.status.as_str()).bind(d.owner_id)
        .bind(&d.description).bind(d.attributes.to_string()).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Ci>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The CI of this type with this name (case-insensitive), if any.
pub async fn by_type_and_name(ex: Ex<'_>, ci_type: CiType, name: &str) -> Result<Option<Ci>> {
    let sql = format!("{SELECT} WHERE ci_type = $1 AND lower(name) = lower($2)");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ci_type.as_str()).bind(name).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// Every CI, for a configuration audit.
pub async fn all(ex: Ex<'_>) -> Result<Vec<Ci>> {
    let sql = format!("{SELECT} ORDER BY id");
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM cis WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub ci_type: Option<CiType>,
    pub status: Option<CiStatus>,
    pub owner: Option<i64>,
    pub q: Option<String>,
}

pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Ci>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("ci_type =", f.ci_type.map(|t| t.as_str()));
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("owner_id =", f.owner);
    filter.and_contains("name", f.q.as_deref());
    let listing = Listing::new(SELECT, "FROM cis", filter, "lower(name), id", page);
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

// ---------------------------------------------------------------- relations

#[derive(sqlx::FromRow)]
struct RelationRow {
    id: i64,
    source_id: i64,
    target_id: i64,
    kind: String,
    created_at: i64,
}

impl From<RelationRow> for Relation {
    fn from(r: RelationRow) -> Self {
        Relation {
            id: r.id,
            source_id: r.source_id,
            target_id: r.target_id,
            kind: RelationKind::parse(&r.kind).unwrap_or(RelationKind::DependsOn),
            created_at: rfc3339_micros(r.created_at),
        }
    }
}

/// Adds `source <kind> target`, recording which side a failure travels to.
pub async fn insert_relation(
    ex: Ex<'_>,
    source: i64,
    target: i64,
    kind: RelationKind,
    service_managed: bool,
    now: i64,
) -> Result<Relation> {
    let (dependent, dependency) = if kind.source_relies_on_target() {
        (source, target)
    } else {
        (target, source)
    };
    let row: RelationRow = on!(ex, c => sqlx::query_as(
        "INSERT INTO ci_relations (source_id, target_id, kind, dependent_id, dependency_id, service_managed, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, source_id, target_id, kind, created_at")
        .bind(source).bind(target).bind(kind.as_str()).bind(dependent).bind(dependency)
        .bind(service_managed).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn get_relation(ex: Ex<'_>, id: i64) -> Result<Option<(Relation, bool)>> {
    let row: Option<(i64, i64, i64, String, i64, bool)> = on!(ex, c => sqlx::query_as(
        "SELECT id, source_id, target_id, kind, created_at, service_managed FROM ci_relations WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(
        row.map(|(id, source_id, target_id, kind, created_at, managed)| {
            (
                RelationRow {
                    id,
                    source_id,
                    target_id,
                    kind,
                    created_at,
                }
                .into(),
                managed,
            )
        }),
    )
}

pub async fn delete_relation(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM ci_relations WHERE id = $1").bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Relations where the CI is the source, then those where it is the target.
pub async fn relations_of(ex: Ex<'_>, ci: i64) -> Result<(Vec<Relation>, Vec<Relation>)> {
    let rows: Vec<RelationRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, source_id, target_id, kind, created_at FROM ci_relations
         WHERE source_id = $1 OR target_id = $1 ORDER BY id")
        .bind(ci).fetch_all(c).await)?;
    let (out, inc): (Vec<Relation>, Vec<Relation>) = rows
        .into_iter()
        .map(Relation::from)
        .partition(|r| r.source_id == ci);
    Ok((out, inc))
}

pub async fn relation_count(ex: Ex<'_>, ci: i64) -> Result<i64> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT COUNT(*) FROM ci_relations WHERE source_id = $1 OR target_id = $1")
        .bind(ci).fetch_one(c).await)?,
    )
}

/// Makes the `depends_on` relations managed for a service CI exactly `targets` (other
/// service CIs), mirroring the service's own dependency list.
pub async fn set_service_dependencies(
    ex: Ex<'_>,
    service_ci: i64,
    targets: &[i64],
    now: i64,
) -> Result<()> {
    on!(ex, c => {
        let current: Vec<(i64, i64)> = sqlx::query_as(
            "SELECT id, target_id FROM ci_relations WHERE source_id = $1 AND service_managed")
            .bind(service_ci).fetch_all(&mut *c).await?;
        for (id, target) in &current {
            if !targets.contains(target) {
                sqlx::query("DELETE FROM ci_relations WHERE id = $1").bind(id).execute(&mut *c).await?;
            }
        }
        for target in targets.iter().filter(|t| !current.iter().any(|(_, ct)| ct == *t)) {
            sqlx::query(
                "INSERT INTO ci_relations (source_id, target_id, kind, dependent_id, dependency_id, service_managed, created_at)
                 VALUES ($1, $2, 'depends_on', $1, $2, TRUE, $3)
                 ON CONFLICT (source_id, target_id, kind) DO UPDATE SET service_managed = TRUE")
                .bind(service_ci).bind(target).bind(now).execute(&mut *c).await?;
        }
        Ok::<_, crate::StoreError>(())
    })
}

/// One row of the impact walk, with the reached CI's name and type.
pub struct ImpactRow {
    pub reach: Reach,
    pub name: String,
    pub ci_type: CiType,
    pub service_id: Option<i64>,
}

/// Everything that depends on `root`, transitively, in one recursive query (no query per
/// level): each CI with every (via, depth) it is reached at, up to `max_depth` relations.
pub async fn impact(ex: Ex<'_>, root: i64, max_depth: i64) -> Result<Vec<ImpactRow>> {
    let rows: Vec<(i64, i64, i64, String, String, Option<i64>)> = on!(ex, c => sqlx::query_as(
        "WITH RECURSIVE impact(ci_id, via, depth) AS (
             SELECT dependent_id, dependency_id, CAST(1 AS BIGINT) FROM ci_relations WHERE dependency_id = $1
             UNION
             SELECT r.dependent_id, r.dependency_id, i.depth + 1
             FROM impact i JOIN ci_relations r ON r.dependency_id = i.ci_id
             WHERE i.depth < $2 AND r.dependent_id <> $1
         )
         SELECT i.ci_id, i.via, i.depth, c.name, c.ci_type, c.service_id
         FROM impact i JOIN cis c ON c.id = i.ci_id")
        .bind(root).bind(max_depth).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(ci, via, depth, name, ci_type, service_id)| ImpactRow {
            reach: Reach { ci, via, depth },
            name,
            ci_type: CiType::parse(&ci_type).unwrap_or(CiType::Application),
            service_id,
        })
        .collect())
}

// ---------------------------------------------------------------- history and audits

/// Appends to a CI's history (who, when, before/after), in the caller's transaction.
#[allow(clippy::too_many_arguments)]
pub async fn record_history(
    ex: Ex<'_>,
    ci_id: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    action: &str,
    before: Option<&str>,
    after: Option<&str>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO ci_history (ci_id, at, actor_id, actor, action, before_json, after_json)
         VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(ci_id).bind(at).bind(actor_id).bind(actor).bind(action).bind(before).bind(after)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// A CI's history, oldest first.
pub async fn history(ex: Ex<'_>, ci_id: i64) -> Result<Vec<HistoryEntry>> {
    type HistoryRow = (
        i64,
        i64,
        Option<i64>,
        String,
        String,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<HistoryRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, at, actor_id, actor, action, before_json, after_json FROM ci_history WHERE ci_id = $1 ORDER BY id")
        .bind(ci_id).fetch_all(c).await)?;
    let json = |t: Option<String>| t.and_then(|t| serde_json::from_str(&t).ok());
    Ok(rows
        .into_iter()
        .map(
            |(id, at, actor_id, actor, action, before, after)| HistoryEntry {
                id,
                at: rfc3339_micros(at),
                actor_id,
                actor,
                action,
                before: json(before),
                after: json(after),
            },
        )
        .collect())
}

pub async fn record_audit_run(
    ex: Ex<'_>,
    at: i64,
    actor: &str,
    discovered: i64,
    discrepancies: &str,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO ci_audit_runs (at, actor, discovered, discrepancies) VALUES ($1, $2, $3, $4) RETURNING id")
        .bind(at).bind(actor).bind(discovered).bind(discrepancies).fetch_one(c).await)?)
}

/// The CI that stands for a service, if any.
pub async fn id_for_service(ex: Ex<'_>, service_id: i64) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM cis WHERE service_id = $1")
        .bind(service_id).fetch_optional(c).await)?,
    )
}

/// The CIs of these services, in the same order (services without a CI are skipped).
pub async fn ids_for_services(ex: Ex<'_>, services: &[i64]) -> Result<Vec<i64>> {
    if services.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id FROM cis WHERE service_id IN ");
    sql.in_list(services);
    Ok(
        on!(ex, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?,
    )
}

/// Creates or refreshes the `service` CI of a service: same name, owner and a status that
/// follows the service's lifecycle. Returns its id.
pub async fn upsert_service_ci(
    mut ex: Ex<'_>,
    service_id: i64,
    name: &str,
    status: &str,
    owner_id: Option<i64>,
    description: Option<&str>,
    now: i64,
) -> Result<i64> {
    match id_for_service(ex.by_ref(), service_id).await? {
        Some(id) => {
            on!(ex, c => sqlx::query(
                "UPDATE cis SET name = $2, status = $3, owner_id = $4, description = $5, updated_at = $6 WHERE id = $1")
                .bind(id).bind(name).bind(status).bind(owner_id).bind(description).bind(now)
                .execute(c).await.map(|_| ()))?;
            Ok(id)
        }
        None => Ok(on!(ex, c => sqlx::query_scalar(
            "INSERT INTO cis (name, ci_type, status, owner_id, description, attributes, service_id, created_at, updated_at)
             VALUES ($1, 'service', $2, $3, $4, '{}', $5, $6, $6) RETURNING id")
            .bind(name).bind(status).bind(owner_id).bind(description).bind(service_id).bind(now)
            .fetch_one(c).await)?),
    }
}

/// Whether a service's CI takes part in any relation it does not manage itself.
pub async fn service_ci_in_use(ex: Ex<'_>, service_id: i64) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM ci_relations r JOIN cis c ON c.id = r.source_id OR c.id = r.target_id
         WHERE c.service_id = $1 AND NOT r.service_managed")
        .bind(service_id).fetch_one(c).await)?;
    Ok(n > 0)
}
