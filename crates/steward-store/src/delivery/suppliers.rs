//! Suppliers (8.3.4.1).
use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::delivery::supplier::{Supplier, SupplierDraft, SupplierStatus};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    contact_name: Option<String>,
    contact_email: Option<String>,
    owner_id: Option<i64>,
    status: String,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str =
    "id, name, description, contact_name, contact_email, owner_id, status, created_at, updated_at";

impl From<Row> for Supplier {
    fn from(r: Row) -> Self {
        Supplier {
            id: r.id,
            name: r.name,
            description: r.description,
            contact_name: r.contact_name,
            contact_email: r.contact_email,
            owner_id: r.owner_id,
            // The CHECK constraint admits only the two statuses.
            status: SupplierStatus::parse(&r.status).unwrap_or(SupplierStatus::Active),
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

pub async fn insert(ex: Ex<'_>, d: &SupplierDraft, now: i64) -> Result<Supplier> {
    let sql = format!(
        "INSERT INTO suppliers (name, description, contact_name, contact_email, owner_id, status,
         created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&d.name).bind(&d.description).bind(&d.contact_name).bind(&d.contact_email)
        .bind(d.owner_id).bind(d.status.as_str()).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn update(ex: Ex<'_>, id: i64, d: &SupplierDraft, now: i64) -> Result<Supplier> {
    let sql = format!(
        "UPDATE suppliers SET name = $2, description = $3, contact_name = $4, contact_email = $5,
         owner_id = $6, status = $7, updated_at = $8 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(&d.name).bind(&d.description).bind(&d.contact_name).bind(&d.contact_email)
        .bind(d.owner_id).bind(d.status.as_str()).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Supplier>> {
    let sql = format!("SELECT {COLUMNS} FROM suppliers WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

pub async fn id_by_name(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM suppliers WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?,
    )
}

/// How many agreements and disputes name the supplier.
pub async fn references(ex: Ex<'_>, id: i64) -> Result<(i64, i64)> {
    Ok(on!(ex, c => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM agreements WHERE supplier_id = $1),
                (SELECT COUNT(*) FROM complaints WHERE supplier_id = $1)")
        .bind(id).fetch_one(c).await)?)
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<()> {
    on!(ex, c => sqlx::query("DELETE FROM suppliers WHERE id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    Ok(())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<SupplierStatus>,
    pub owner: Option<i64>,
    pub q: Option<String>,
}

pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Supplier>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("status =", f.status.map(|s| s.as_str()));
    filter.and_opt("owner_id =", f.owner);
    filter.and_contains("name", f.q.as_deref());
    let select = format!("SELECT {COLUMNS} FROM suppliers");
    let listing = Listing::new(&select, "FROM suppliers", filter, "lower(name), id", page);
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}
