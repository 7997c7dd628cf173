use crate::sql::{Listing, Sql, bind_args, fetch_listing};
use crate::{Ex, Result, on};
use std::collections::HashMap;
use steward_domain::delivery::service::{
    Requirement, RequirementDraft, Service, ServiceDraft, ServiceStatus,
};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    intended_outcome: Option<String>,
    owner_id: Option<i64>,
    status: String,
    criticality: i64,
    service_hours_calendar_id: Option<i64>,
    availability_target_percent: Option<f64>,
    on_status_page: bool,
    created_at: i64,
    updated_at: i64,
}

const SELECT: &str =
    "SELECT id, name, description, intended_outcome, owner_id, status, criticality,
    service_hours_calendar_id, availability_target_percent, on_status_page, created_at, updated_at FROM services";
const RETURNING: &str =
    " RETURNING id, name, description, intended_outcome, owner_id, status, criticality,
    service_hours_calendar_id, availability_target_percent, on_status_page, created_at, updated_at";

/// The lists that hang off a service, loaded for a set of services at once.
#[derive(Default)]
struct Related {
    customers: HashMap<i64, Vec<i64>>,
    depends_on: HashMap<i64, Vec<i64>>,
    dependents: HashMap<i64, Vec<i64>>,
    requirements: HashMap<i64, Vec<Requirement>>,
    cis: HashMap<i64, i64>,
}

impl Row {
    fn into_service(self, r: &mut Related) -> Service {
        Service {
            id: self.id,
            name: self.name,
            description: self.description,
            intended_outcome: self.intended_outcome,
            owner_id: self.owner_id,
            // The CHECK constraint admits only the three statuses.
            status: ServiceStatus::parse(&self.status).unwrap_or(ServiceStatus::Pipeline),
            criticality: self.criticality,
            customer_ids: r.customers.remove(&self.id).unwrap_or_default(),
            service_hours_calendar_id: self.service_hours_calendar_id,
            availability_target_percent: self.availability_target_percent,
            on_status_page: self.on_status_page,
            depends_on: r.depends_on.remove(&self.id).unwrap_or_default(),
            dependents: r.dependents.remove(&self.id).unwrap_or_default(),
            requirements: r.requirements.remove(&self.id).unwrap_or_default(),
            ci_id: r.cis.remove(&self.id),
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
        }
    }
}

async fn related(ex: Ex<'_>, ids: &[i64]) -> Result<Related> {
    let mut r = Related::default();
    if ids.is_empty() {
        return Ok(r);
    }
    let pairs = |head: &str, tail: &str| {
        let mut sql = Sql::new(head);
        sql.in_list(ids);
        sql.push(tail);
        sql
    };
    let customers = pairs(
        "SELECT service_id, organization_id FROM service_customers WHERE service_id IN ",
        " ORDER BY organization_id",
    );
    let deps = pairs(
        "SELECT service_id, depends_on_id FROM service_dependencies WHERE service_id IN ",
        " ORDER BY depends_on_id",
    );
    let dependents = pairs(
        "SELECT depends_on_id, service_id FROM service_dependencies WHERE depends_on_id IN ",
        " ORDER BY service_id",
    );
    let reqs = pairs(
        "SELECT id, service_id, text, source, stated_on, created_at FROM service_requirements WHERE service_id IN ",
        " ORDER BY stated_on, id",
    );
    let cis = pairs("SELECT service_id, id FROM cis WHERE service_id IN ", "");
    on!(ex, c => {
        for (s, o) in bind_args!(sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(customers.text)), &customers.args).fetch_all(&mut *c).await? {
            r.customers.entry(s).or_default().push(o);
        }
        for (s, d) in bind_args!(sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(deps.text)), &deps.args).fetch_all(&mut *c).await? {
            r.depends_on.entry(s).or_default().push(d);
        }
        for (d, s) in bind_args!(sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(dependents.text)), &dependents.args).fetch_all(&mut *c).await? {
            r.dependents.entry(d).or_default().push(s);
        }
        let rows: Vec<(i64, i64, String, String, String, i64)> =
            bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(reqs.text)), &reqs.args).fetch_all(&mut *c).await?;
        for (id, s, text, source, stated_on, created_at) in rows {
            r.requirements.entry(s).or_default().push(Requirement {
                id,
                text,
                source,
                stated_on,
                created_at: rfc3339_micros(created_at),
            });
        }
        for (s, ci) in bind_args!(sqlx::query_as::<_, (i64, i64)>(sqlx::AssertSqlSafe(cis.text)), &cis.args).fetch_all(&mut *c).await? {
            r.cis.insert(s, ci);
        }
        Ok::<_, crate::StoreError>(())
    })?;
    Ok(r)
}

pub async fn insert(mut ex: Ex<'_>, d: &ServiceDraft, now: i64) -> Result<i64> {
    let sql = format!(
        "INSERT INTO services (name, description, intended_outcome, owner_id, status, criticality,
         service_hours_calendar_id, availability_target_percent, on_status_page, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $9, $9){RETURNING}"
    );
    let row: Row = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&d.name).bind(&d.description).bind(&d.intended_outcome).bind(d.owner_id)
        .bind(d.status.as_str()).bind(d.criticality).bind(d.service_hours_calendar_id)
        .bind(d.availability_target_percent).bind(now).bind(d.on_status_page)
        .fetch_one(c).await)?;
    set_lists(ex, row.id, d).await?;
    Ok(row.id)
}

pub async fn update(mut ex: Ex<'_>, id: i64, d: &ServiceDraft, now: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE services SET name = $2, description = $3, intended_outcome = $4, owner_id = $5, status = $6,
         criticality = $7, service_hours_calendar_id = $8, availability_target_percent = $9, updated_at = $10,
         on_status_page = $11 WHERE id = $1")
        .bind(id).bind(&d.name).bind(&d.description).bind(&d.intended_outcome).bind(d.owner_id)
        .bind(d.status.as_str()).bind(d.criticality).bind(d.service_hours_calendar_id)
        .bind(d.availability_target_percent).bind(now).bind(d.on_status_page)
        .execute(c).await.map(|_| ()))?;
    set_lists(ex, id, d).await
}

async fn set_lists(ex: Ex<'_>, id: i64, d: &ServiceDraft) -> Result<()> {
    on!(ex, c => {
        sqlx::query("DELETE FROM service_customers WHERE service_id = $1").bind(id).execute(&mut *c).await?;
        for org in &d.customer_ids {
            sqlx::query("INSERT INTO service_customers (service_id, organization_id) VALUES ($1, $2)")
                .bind(id).bind(org).execute(&mut *c).await?;
        }
        sqlx::query("DELETE FROM service_dependencies WHERE service_id = $1").bind(id).execute(&mut *c).await?;
        for dep in &d.depends_on {
            sqlx::query("INSERT INTO service_dependencies (service_id, depends_on_id) VALUES ($1, $2)")
                .bind(id).bind(dep).execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn get(mut ex: Ex<'_>, id: i64) -> Result<Option<Service>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> = on!(ex.by_ref(), c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    let Some(row) = row else { return Ok(None) };
    let mut r = related(ex, &[id]).await?;
    Ok(Some(row.into_service(&mut r)))
}

pub async fn id_by_name(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM services WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?,
    )
}

/// Which of `ids` are existing services.
pub async fn existing(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id FROM services WHERE id IN ");
    sql.in_list(ids);
    Ok(
        on!(ex, c => bind_args!(sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?,
    )
}

/// Every dependency edge `(service, depends_on)`, for cycle checks.
pub async fn dependency_edges(ex: Ex<'_>) -> Result<Vec<(i64, i64)>> {
    Ok(
        on!(ex, c => sqlx::query_as("SELECT service_id, depends_on_id FROM service_dependencies")
        .fetch_all(c).await)?,
    )
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => {
        sqlx::query("DELETE FROM service_requirements WHERE service_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM service_customers WHERE service_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM service_dependencies WHERE service_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM services WHERE id = $1").bind(id).execute(&mut *c).await?;
        Ok(())
    })
}

pub async fn add_requirement(
    ex: Ex<'_>,
    service: i64,
    d: &RequirementDraft,
    now: i64,
) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO service_requirements (service_id, text, source, stated_on, created_at)
         VALUES ($1, $2, $3, $4, $5) RETURNING id")
        .bind(service).bind(&d.text).bind(&d.source).bind(d.stated_on.to_string()).bind(now)
        .fetch_one(c).await)?)
}

pub async fn delete_requirement(ex: Ex<'_>, service: i64, id: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query("DELETE FROM service_requirements WHERE service_id = $1 AND id = $2")
        .bind(service).bind(id).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<ServiceStatus>,
    /// Services delivered to this organization.
    pub customer: Option<i64>,
    pub owner: Option<i64>,
    pub criticality: Option<i64>,
    pub q: Option<String>,
}

pub async fn list(mut ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Service>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("owner_id =", f.owner);
    filter.and_opt("criticality =", f.criticality);
    if let Some(org) = f.customer {
        filter
            .push(" AND id IN (SELECT service_id FROM service_customers WHERE organization_id = ")
            .bind(org)
            .push(")");
    }
    filter.and_contains("name", f.q.as_deref());
    let listing = Listing::new(SELECT, "FROM services", filter, "lower(name), id", page);
    let (rows, total) = fetch_listing!(ex.by_ref(), listing, Row)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut r = related(ex, &ids).await?;
    Ok((
        rows.into_iter()
            .map(|row| row.into_service(&mut r))
            .collect(),
        total,
    ))
}

/// A service's criticality (1 is the most critical), if the service exists.
pub async fn criticality(ex: Ex<'_>, id: i64) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT criticality FROM services WHERE id = $1")
        .bind(id).fetch_optional(c).await)?,
    )
}
