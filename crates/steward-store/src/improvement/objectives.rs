//! Service management objectives.
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::improvement::objective::{Direction, Objective, ObjectiveStatus, SystemFigure};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    description: Option<String>,
    owner_id: Option<i64>,
    measure: Option<String>,
    target_value: Option<f64>,
    target_unit: Option<String>,
    direction: Option<String>,
    target_date: Option<String>,
    status: String,
    figure: Option<String>,
    service_id: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const COLUMNS: &str = "id, title, description, owner_id, measure, target_value, target_unit,
    direction, target_date, status, figure, service_id, created_at, updated_at";

fn objective(r: Row) -> Result<Objective> {
    let id = r.id;
    let corrupt = |what: &str| StoreError::Corrupt(format!("objective {id}: {what}"));
    Ok(Objective {
        id,
        number: format!("OBJ-{id:04}"),
        title: r.title,
        description: r.description,
        owner_id: r.owner_id,
        measure: r.measure,
        target_value: r.target_value,
        target_unit: r.target_unit,
        direction: r
            .direction
            .map(|d| Direction::parse(&d).ok_or_else(|| corrupt("direction")))
            .transpose()?,
        target_date: r.target_date,
        status: ObjectiveStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
        figure: r
            .figure
            .map(|f| SystemFigure::parse(&f).ok_or_else(|| corrupt("figure")))
            .transpose()?,
        service_id: r.service_id,
        current: None,
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
    })
}

pub async fn insert(ex: Ex<'_>, o: &Objective, now: i64) -> Result<Objective> {
    let sql = format!(
        "INSERT INTO objectives (title, description, owner_id, measure, target_value,
         target_unit, direction, target_date, status, figure, service_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12) RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&o.title).bind(&o.description).bind(o.owner_id).bind(&o.measure)
        .bind(o.target_value).bind(&o.target_unit).bind(o.direction.map(|d| d.as_str()))
        .bind(&o.target_date).bind(o.status.as_str()).bind(o.figure.map(|f| f.as_str()))
        .bind(o.service_id).bind(now).fetch_one(c).await)?;
    objective(row)
}

pub async fn update(ex: Ex<'_>, o: &Objective, now: i64) -> Result<Objective> {
    let sql = format!(
        "UPDATE objectives SET title = $2, description = $3, owner_id = $4, measure = $5,
         target_value = $6, target_unit = $7, direction = $8, target_date = $9, status = $10,
         figure = $11, service_id = $12, updated_at = $13 WHERE id = $1 RETURNING {COLUMNS}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(o.id).bind(&o.title).bind(&o.description).bind(o.owner_id).bind(&o.measure)
        .bind(o.target_value).bind(&o.target_unit).bind(o.direction.map(|d| d.as_str()))
        .bind(&o.target_date).bind(o.status.as_str()).bind(o.figure.map(|f| f.as_str()))
        .bind(o.service_id).bind(now).fetch_one(c).await)?;
    objective(row)
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Objective>> {
    let sql = format!("SELECT {COLUMNS} FROM objectives WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(objective).transpose()
}

/// Every objective, optionally of one status, by target date (undated last), then number.
pub async fn list(ex: Ex<'_>, status: Option<ObjectiveStatus>) -> Result<Vec<Objective>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM objectives WHERE ($1 IS NULL OR status = $1)
         ORDER BY CASE WHEN target_date IS NULL THEN 1 ELSE 0 END, target_date, id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(status.map(|s| s.as_str())).fetch_all(c).await)?;
    rows.into_iter().map(objective).collect()
}
