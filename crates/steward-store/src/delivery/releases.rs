//! Releases (8.5.3) with the changes they group, their acceptance criteria, the environments
//! and one deployment per environment.
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::delivery::release::{
    ChangeRef, Criterion, Deployment, DeploymentFields, DeploymentResult, Environment, Release,
    ReleaseDraft, ReleaseStatus, ReleaseType, number,
};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    number: String,
    title: String,
    description: Option<String>,
    release_type: String,
    planned_date: Option<String>,
    status: String,
    created_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
    closed_at: Option<i64>,
}

const COLUMNS: &str = "id, number, title, description, release_type, planned_date, status,
    created_by, created_at, updated_at, closed_at";

/// Takes the next REL number from the shared counter table (locked until the transaction
/// ends, so numbers are gap-free across nodes).
pub async fn next_number(ex: Ex<'_>) -> Result<String> {
    let seq: i64 = on!(ex, c => sqlx::query_scalar(
        "UPDATE ticket_counters SET last = last + 1 WHERE kind = 'release' RETURNING last")
        .fetch_one(c).await)?;
    Ok(number(seq))
}

pub async fn insert(
    ex: Ex<'_>,
    number: &str,
    d: &ReleaseDraft,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO releases (number, title, description, release_type, planned_date, status,
           created_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'planning', $6, $7, $7) RETURNING id")
        .bind(number).bind(&d.title).bind(&d.description).bind(d.release_type.as_str())
        .bind(&d.planned_date).bind(by).bind(now)
        .fetch_one(c).await)?)
}

pub async fn update(ex: Ex<'_>, id: i64, d: &ReleaseDraft, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE releases SET title = $2, description = $3, release_type = $4, planned_date = $5,
           updated_at = $6 WHERE id = $1")
        .bind(id).bind(&d.title).bind(&d.description).bind(d.release_type.as_str())
        .bind(&d.planned_date).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn set_status(ex: Ex<'_>, id: i64, status: ReleaseStatus, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE releases SET status = $2, updated_at = $3,
           closed_at = CASE WHEN $2 IN ('closed', 'cancelled') THEN $3 ELSE closed_at END
         WHERE id = $1")
        .bind(id).bind(status.as_str()).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn touch(ex: Ex<'_>, id: i64, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE releases SET updated_at = $2 WHERE id = $1")
        .bind(id).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn add_change(ex: Ex<'_>, release: i64, change: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO release_changes (release_id, change_id) VALUES ($1, $2)
         ON CONFLICT (release_id, change_id) DO NOTHING")
        .bind(release).bind(change).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Removes a change from a release; whether it was there.
pub async fn remove_change(ex: Ex<'_>, release: i64, change: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "DELETE FROM release_changes WHERE release_id = $1 AND change_id = $2")
        .bind(release).bind(change).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

/// The other releases, not cancelled, that hold this change: (id, number).
pub async fn releases_of_change(ex: Ex<'_>, change: i64) -> Result<Vec<(i64, String)>> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT r.id, r.number FROM release_changes rc JOIN releases r ON r.id = rc.release_id
         WHERE rc.change_id = $1 AND r.status <> 'cancelled' ORDER BY r.id")
        .bind(change).fetch_all(c).await)?)
}

pub async fn add_criterion(ex: Ex<'_>, release: i64, text: &str) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO release_criteria (release_id, text, met) VALUES ($1, $2, FALSE) RETURNING id")
        .bind(release).bind(text).fetch_one(c).await)?)
}

/// Sets a criterion's text and verdict; the verdict's author and time change only when the
/// verdict does.
pub async fn set_criterion(
    ex: Ex<'_>,
    release: i64,
    id: i64,
    text: &str,
    met: bool,
    by: Option<i64>,
    now: i64,
) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE release_criteria SET text = $3,
           decided_by = CASE WHEN met = $4 THEN decided_by ELSE $5 END,
           decided_at = CASE WHEN met = $4 THEN decided_at ELSE $6 END,
           met = $4
         WHERE id = $2 AND release_id = $1")
        .bind(release).bind(id).bind(text).bind(met).bind(by).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

pub async fn environments(ex: Ex<'_>) -> Result<Vec<Environment>> {
    let rows: Vec<(i64, String, bool, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT id, name, production, position FROM release_environments ORDER BY position, id")
        .fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(id, name, production, position)| Environment {
            id,
            name,
            production,
            position,
        })
        .collect())
}

pub async fn environment(ex: Ex<'_>, id: i64) -> Result<Option<Environment>> {
    let row: Option<(i64, String, bool, i64)> = on!(ex, c => sqlx::query_as(
        "SELECT id, name, production, position FROM release_environments WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(|(id, name, production, position)| Environment {
        id,
        name,
        production,
        position,
    }))
}

/// Renames, reorders or (un)marks an environment as production; `position` absent keeps it.
pub async fn update_environment(
    ex: Ex<'_>,
    id: i64,
    name: &str,
    production: bool,
    position: Option<i64>,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE release_environments SET name = $2, production = $3,
         position = COALESCE($4, position) WHERE id = $1")
        .bind(id).bind(name).bind(production).bind(position)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn environment_named(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM release_environments WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?)
}

pub async fn insert_environment(
    ex: Ex<'_>,
    name: &str,
    production: bool,
    position: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO release_environments (name, production, position, created_at)
         VALUES ($1, $2, COALESCE($3, (SELECT COALESCE(MAX(position), 0) + 1
                                       FROM release_environments)), $4)
         RETURNING id")
        .bind(name).bind(production).bind(position).bind(now)
        .fetch_one(c).await)?)
}

pub async fn insert_deployment(
    ex: Ex<'_>,
    release: i64,
    environment: i64,
    d: &DeploymentFields,
    by: Option<i64>,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO deployments (release_id, environment_id, planned_at, notes, created_by,
           created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id")
        .bind(release).bind(environment).bind(d.planned_at).bind(&d.notes).bind(by).bind(now)
        .fetch_one(c).await)?)
}

pub async fn deployment_of_environment(
    ex: Ex<'_>,
    release: i64,
    environment: i64,
) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM deployments WHERE release_id = $1 AND environment_id = $2")
        .bind(release).bind(environment).fetch_optional(c).await)?)
}

pub async fn update_deployment(ex: Ex<'_>, id: i64, d: &DeploymentFields, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE deployments SET planned_at = $2, actual_at = $3, result = $4, notes = $5,
           updated_at = $6 WHERE id = $1")
        .bind(id).bind(d.planned_at).bind(d.actual_at).bind(d.result.map(|r| r.as_str()))
        .bind(&d.notes).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn approve_deployment(ex: Ex<'_>, id: i64, by: Option<i64>, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE deployments SET approved_by = $2, approved_at = $3, updated_at = $3 WHERE id = $1")
        .bind(id).bind(by).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

impl Row {
    fn into_release(self, p: Parts) -> Release {
        // The CHECK constraints admit only known values.
        let status = ReleaseStatus::parse(&self.status).unwrap_or(ReleaseStatus::Planning);
        Release {
            id: self.id,
            number: self.number,
            title: self.title,
            description: self.description,
            release_type: ReleaseType::parse(&self.release_type).unwrap_or(ReleaseType::Minor),
            planned_date: self.planned_date,
            status,
            allowed_next: status.allowed_next().to_vec(),
            changes: p.changes,
            acceptance_criteria: p.criteria,
            deployments: p.deployments,
            created_by: self.created_by,
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
            closed_at: self.closed_at.map(rfc3339_micros),
        }
    }
}

struct Parts {
    changes: Vec<ChangeRef>,
    criteria: Vec<Criterion>,
    deployments: Vec<Deployment>,
}

type CriterionRow = (i64, String, bool, Option<i64>, Option<i64>);

/// planned_at, actual_at, result, notes, production, approved_at.
type FieldsRow = (
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<String>,
    bool,
    Option<i64>,
);

type DeploymentRow = (
    i64,
    i64,
    String,
    bool,
    Option<i64>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
    Option<String>,
    i64,
);

async fn parts(mut ex: Ex<'_>, id: i64) -> Result<Parts> {
    let changes: Vec<(i64, String, String, String)> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT ch.id, ch.number, ch.title, ch.status FROM release_changes rc
         JOIN changes ch ON ch.id = rc.change_id WHERE rc.release_id = $1 ORDER BY ch.id")
        .bind(id).fetch_all(c).await)?;
    let criteria: Vec<CriterionRow> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, text, met, decided_by, decided_at FROM release_criteria
         WHERE release_id = $1 ORDER BY id")
        .bind(id).fetch_all(c).await)?;
    let deployments: Vec<DeploymentRow> = on!(ex, c => sqlx::query_as(
        "SELECT d.id, d.environment_id, e.name, e.production, d.planned_at, d.actual_at,
           d.result, d.approved_by, d.approved_at, d.notes, d.updated_at
         FROM deployments d JOIN release_environments e ON e.id = d.environment_id
         WHERE d.release_id = $1 ORDER BY e.position, e.id")
        .bind(id).fetch_all(c).await)?;
    Ok(Parts {
        changes: changes
            .into_iter()
            .map(|(id, number, title, status)| ChangeRef {
                id,
                number,
                title,
                status,
            })
            .collect(),
        criteria: criteria
            .into_iter()
            .map(|(id, text, met, decided_by, decided_at)| Criterion {
                id,
                text,
                met,
                decided_by,
                decided_at: decided_at.map(rfc3339_micros),
            })
            .collect(),
        deployments: deployments
            .into_iter()
            .map(|r| Deployment {
                id: r.0,
                environment_id: r.1,
                environment: r.2,
                production: r.3,
                planned_at: r.4.map(rfc3339_micros),
                actual_at: r.5.map(rfc3339_micros),
                result: r.6.as_deref().and_then(DeploymentResult::parse),
                approved_by: r.7,
                approved_at: r.8.map(rfc3339_micros),
                notes: r.9,
                updated_at: rfc3339_micros(r.10),
            })
            .collect(),
    })
}

/// A deployment's fields as stored, for a patch to apply to.
pub async fn deployment_fields(
    ex: Ex<'_>,
    release: i64,
    id: i64,
) -> Result<Option<(DeploymentFields, bool, bool)>> {
    let row: Option<FieldsRow> = on!(ex, c => sqlx::query_as(
        "SELECT d.planned_at, d.actual_at, d.result, d.notes, e.production, d.approved_at
         FROM deployments d JOIN release_environments e ON e.id = d.environment_id
         WHERE d.id = $1 AND d.release_id = $2")
        .bind(id).bind(release).fetch_optional(c).await)?;
    Ok(row.map(
        |(planned_at, actual_at, result, notes, production, approved)| {
            (
                DeploymentFields {
                    planned_at,
                    actual_at,
                    result: result.as_deref().and_then(DeploymentResult::parse),
                    notes,
                },
                production,
                approved.is_some(),
            )
        },
    ))
}

pub async fn get(mut ex: Ex<'_>, id: i64) -> Result<Option<Release>> {
    let sql = format!("SELECT {COLUMNS} FROM releases WHERE id = $1");
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let parts = parts(ex, id).await?;
    Ok(Some(row.into_release(parts)))
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<ReleaseStatus>,
    pub release_type: Option<ReleaseType>,
    /// Releases grouping this change.
    pub change: Option<i64>,
    pub q: Option<String>,
}

/// A page of releases, newest first, each read with its parts.
pub async fn list(mut ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Release>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("release_type =", f.release_type.map(|s| s.as_str()));
    filter.and_opt(
        "id IN (SELECT release_id FROM release_changes WHERE change_id =",
        f.change,
    );
    if f.change.is_some() {
        filter.push(")");
    }
    filter.and_contains("title", f.q.as_deref());
    let select = format!("SELECT {COLUMNS} FROM releases");
    let listing = Listing::new(&select, "FROM releases", filter, "id DESC", page);
    let (rows, total) = fetch_listing!(ex.by_ref(), listing, Row)?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let p = parts(ex.by_ref(), row.id).await?;
        out.push(row.into_release(p));
    }
    Ok((out, total))
}
