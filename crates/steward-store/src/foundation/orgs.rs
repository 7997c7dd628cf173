use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::foundation::people::{NewOrganization, NewOrganizationState, Organization};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    email_domain: Option<String>,
    active: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for Organization {
    fn from(r: Row) -> Self {
        Organization {
            id: r.id,
            name: r.name,
            description: r.description,
            email_domain: r.email_domain,
            active: r.active,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

const COLUMNS: &str =
    "SELECT id, name, description, email_domain, active, created_at, updated_at FROM organizations";

pub async fn insert(ex: Ex<'_>, org: &NewOrganization, now: i64) -> Result<Organization> {
    let row: Row = on!(ex, c => sqlx::query_as(
        "INSERT INTO organizations (name, description, email_domain, active, created_at, updated_at)
         VALUES ($1, $2, $4, TRUE, $3, $3)
         RETURNING id, name, description, email_domain, active, created_at, updated_at")
        .bind(&org.name).bind(&org.description).bind(now).bind(&org.email_domain)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn update(
    ex: Ex<'_>,
    id: i64,
    org: &NewOrganizationState,
    now: i64,
) -> Result<Organization> {
    let row: Row = on!(ex, c => sqlx::query_as(
        "UPDATE organizations SET name = $2, description = $3, active = $4, updated_at = $5,
            email_domain = $6
         WHERE id = $1
         RETURNING id, name, description, email_domain, active, created_at, updated_at")
        .bind(id).bind(&org.name).bind(&org.description).bind(org.active).bind(now)
        .bind(&org.email_domain)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Organization>> {
    let sql = format!("{COLUMNS} WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The id of the organization with this name (case-insensitive), if any.
pub async fn id_by_name(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM organizations WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?)
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<bool> {
    let done = on!(ex, c => sqlx::query("DELETE FROM organizations WHERE id = $1")
        .bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(done > 0)
}

/// Whether any user still belongs to the organization (then it can only be deactivated).
pub async fn has_users(ex: Ex<'_>, id: i64) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM users WHERE organization_id = $1")
        .bind(id).fetch_one(c).await)?;
    Ok(n > 0)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Restricts to one organization (a customer's scope).
    pub only: Option<i64>,
    pub active: Option<bool>,
    /// Case-insensitive substring of the name.
    pub q: Option<String>,
}

pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Organization>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("id =", f.only);
    filter.and_opt("active =", f.active);
    filter.and_contains("name", f.q.as_deref());
    let listing = Listing::new(
        COLUMNS,
        "FROM organizations",
        filter,
        "lower(name), id",
        page,
    );
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// Which of `ids` are existing organizations.
pub async fn existing(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id FROM organizations WHERE id IN ");
    sql.in_list(ids);
    Ok(
        on!(ex, c => crate::sql::bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?,
    )
}
