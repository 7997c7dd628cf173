//! Catalogue entries, their items and the versions of both.
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, on};
use std::collections::HashMap;
use steward_domain::delivery::catalogue::{
    CatalogueEntry, CatalogueItem, CatalogueVersion, EntryDraft, ItemDraft,
};
use steward_domain::foundation::page::rfc3339_micros;

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    service_id: i64,
    title: String,
    summary: Option<String>,
    published: bool,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

#[derive(sqlx::FromRow)]
struct ItemRow {
    id: i64,
    entry_id: i64,
    name: String,
    description: Option<String>,
    form: String,
    fulfilment_instructions: Option<String>,
    approval: Option<String>,
    fulfilment_team_id: Option<i64>,
    active: bool,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl From<ItemRow> for CatalogueItem {
    fn from(r: ItemRow) -> Self {
        CatalogueItem {
            id: r.id,
            entry_id: r.entry_id,
            name: r.name,
            description: r.description,
            // Written by this module from validated values.
            form: serde_json::from_str(&r.form).unwrap_or_default(),
            fulfilment_instructions: r.fulfilment_instructions,
            approval: r.approval.and_then(|a| serde_json::from_str(&a).ok()),
            fulfilment_team_id: r.fulfilment_team_id,
            active: r.active,
            version: r.version,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

const ENTRY: &str = "SELECT e.id, e.service_id, e.title, e.summary, e.published, e.version, e.created_at, e.updated_at
    FROM catalogue_entries e";
const ITEM: &str =
    "SELECT id, entry_id, name, description, form, fulfilment_instructions, approval,
    fulfilment_team_id, active, version, created_at, updated_at FROM catalogue_items";

/// Who is looking: everything, or only what an organization's customers may see (published
/// entries over live services delivered to it, and their active items).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    Customer(i64),
}

fn restrict(sql: &mut Sql, visibility: Visibility) {
    if let Visibility::Customer(org) = visibility {
        sql.push(
            " AND e.published AND EXISTS (SELECT 1 FROM services s WHERE s.id = e.service_id AND s.status = 'live')
              AND EXISTS (SELECT 1 FROM service_customers sc WHERE sc.service_id = e.service_id AND sc.organization_id = ",
        )
        .bind(org)
        .push(")");
    }
}

async fn attach_items(
    ex: Ex<'_>,
    rows: Vec<EntryRow>,
    visibility: Visibility,
) -> Result<Vec<CatalogueEntry>> {
    let mut items: HashMap<i64, Vec<CatalogueItem>> = HashMap::new();
    if !rows.is_empty() {
        let mut sql = Sql::new(ITEM);
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        sql.push(" WHERE entry_id IN ").in_list(&ids);
        if visibility != Visibility::All {
            sql.push(" AND active");
        }
        sql.push(" ORDER BY lower(name), id");
        let found: Vec<ItemRow> = on!(ex, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
        for item in found {
            items.entry(item.entry_id).or_default().push(item.into());
        }
    }
    Ok(rows
        .into_iter()
        .map(|r| CatalogueEntry {
            id: r.id,
            service_id: r.service_id,
            title: r.title,
            summary: r.summary,
            published: r.published,
            version: r.version,
            items: items.remove(&r.id).unwrap_or_default(),
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        })
        .collect())
}

pub async fn list(
    mut ex: Ex<'_>,
    visibility: Visibility,
    q: Option<&str>,
    service: Option<i64>,
) -> Result<Vec<CatalogueEntry>> {
    let mut sql = Sql::new(ENTRY);
    sql.push(" WHERE 1=1");
    restrict(&mut sql, visibility);
    sql.and_opt("e.service_id =", service);
    sql.and_contains("e.title", q);
    sql.push(" ORDER BY lower(e.title), e.id");
    let rows: Vec<EntryRow> = on!(ex.by_ref(), c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    attach_items(ex, rows, visibility).await
}

pub async fn get(
    mut ex: Ex<'_>,
    id: i64,
    visibility: Visibility,
) -> Result<Option<CatalogueEntry>> {
    let mut sql = Sql::new(ENTRY);
    sql.push(" WHERE e.id = ").bind(id);
    restrict(&mut sql, visibility);
    let rows: Vec<EntryRow> = on!(ex.by_ref(), c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(attach_items(ex, rows, visibility).await?.pop())
}

pub async fn entry_for_service(ex: Ex<'_>, service_id: i64) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM catalogue_entries WHERE service_id = $1")
        .bind(service_id).fetch_optional(c).await)?,
    )
}

/// The service a catalogue entry offers.
pub async fn service_of_entry(ex: Ex<'_>, entry: i64) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT service_id FROM catalogue_entries WHERE id = $1")
        .bind(entry).fetch_optional(c).await)?,
    )
}

pub async fn insert_entry(ex: Ex<'_>, d: &EntryDraft, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO catalogue_entries (service_id, title, summary, published, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 1, $5, $5) RETURNING id")
        .bind(d.service_id).bind(&d.title).bind(&d.summary).bind(d.published).bind(now)
        .fetch_one(c).await)?)
}

pub async fn update_entry(ex: Ex<'_>, id: i64, d: &EntryDraft, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE catalogue_entries SET title = $2, summary = $3, published = $4, version = version + 1, updated_at = $5
         WHERE id = $1")
        .bind(id).bind(&d.title).bind(&d.summary).bind(d.published).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get_item(ex: Ex<'_>, id: i64) -> Result<Option<CatalogueItem>> {
    let sql = format!("{ITEM} WHERE id = $1");
    let row: Option<ItemRow> =
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

pub async fn item_id_by_name(ex: Ex<'_>, entry: i64, name: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM catalogue_items WHERE entry_id = $1 AND lower(name) = lower($2)")
        .bind(entry).bind(name).fetch_optional(c).await)?)
}

fn json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

pub async fn insert_item(ex: Ex<'_>, entry: i64, d: &ItemDraft, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO catalogue_items (entry_id, name, description, form, fulfilment_instructions, approval,
         fulfilment_team_id, active, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $9) RETURNING id")
        .bind(entry).bind(&d.name).bind(&d.description).bind(json(&d.form)).bind(&d.fulfilment_instructions)
        .bind(d.approval.as_ref().map(json)).bind(d.fulfilment_team_id).bind(d.active).bind(now)
        .fetch_one(c).await)?)
}

pub async fn update_item(ex: Ex<'_>, id: i64, d: &ItemDraft, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE catalogue_items SET name = $2, description = $3, form = $4, fulfilment_instructions = $5,
         approval = $6, fulfilment_team_id = $7, active = $8, version = version + 1, updated_at = $9 WHERE id = $1")
        .bind(id).bind(&d.name).bind(&d.description).bind(json(&d.form)).bind(&d.fulfilment_instructions)
        .bind(d.approval.as_ref().map(json)).bind(d.fulfilment_team_id).bind(d.active).bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Keeps a version of an entry or item (`record_type` is `entry` or `item`).
pub async fn record_version(
    ex: Ex<'_>,
    record_type: &str,
    id: i64,
    version: i64,
    at: i64,
    actor: &str,
    snapshot: &str,
) -> Result<()> {
    on!(ex, c => sqlx::query(
        "INSERT INTO catalogue_versions (record_type, record_id, version, at, actor, snapshot) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(record_type).bind(id).bind(version).bind(at).bind(actor).bind(snapshot)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn versions(ex: Ex<'_>, record_type: &str, id: i64) -> Result<Vec<CatalogueVersion>> {
    let rows: Vec<(i64, i64, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT version, at, actor, snapshot FROM catalogue_versions WHERE record_type = $1 AND record_id = $2 ORDER BY version")
        .bind(record_type).bind(id).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(version, at, actor, snapshot)| CatalogueVersion {
            version,
            at: rfc3339_micros(at),
            actor,
            snapshot: serde_json::from_str(&snapshot).unwrap_or_default(),
        })
        .collect())
}
