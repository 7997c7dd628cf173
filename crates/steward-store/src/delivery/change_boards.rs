//! Change advisory boards with their members, and standard-change templates (8.5.1.3).
use crate::{Ex, Result, on};
use steward_domain::delivery::change_board::{Board, BoardDraft, Template, TemplateDraft};
use steward_domain::foundation::page::rfc3339_micros;

// ---------------------------------------------------------------- boards

type BoardRow = (i64, String, bool, i64, i64);

async fn board_of(ex: Ex<'_>, r: BoardRow) -> Result<Board> {
    let member_ids = members(ex, r.0).await?;
    Ok(Board {
        id: r.0,
        name: r.1,
        emergency: r.2,
        member_ids,
        created_at: rfc3339_micros(r.3),
        updated_at: rfc3339_micros(r.4),
    })
}

pub async fn members(ex: Ex<'_>, board: i64) -> Result<Vec<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT user_id FROM change_board_members WHERE board_id = $1 ORDER BY user_id")
        .bind(board).fetch_all(c).await)?)
}

pub async fn insert_board(mut ex: Ex<'_>, d: &BoardDraft, now: i64) -> Result<i64> {
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO change_boards (name, emergency, created_at, updated_at)
         VALUES ($1, $2, $3, $3) RETURNING id")
        .bind(&d.name).bind(d.emergency).bind(now).fetch_one(c).await)?;
    set_members(ex, id, &d.member_ids).await?;
    Ok(id)
}

pub async fn update_board(mut ex: Ex<'_>, id: i64, d: &BoardDraft, now: i64) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE change_boards SET name = $2, emergency = $3, updated_at = $4 WHERE id = $1")
        .bind(id).bind(&d.name).bind(d.emergency).bind(now).execute(c).await.map(|_| ()))?;
    set_members(ex, id, &d.member_ids).await
}

async fn set_members(mut ex: Ex<'_>, id: i64, members: &[i64]) -> Result<()> {
    on!(ex.by_ref(), c => sqlx::query("DELETE FROM change_board_members WHERE board_id = $1")
        .bind(id).execute(c).await.map(|_| ()))?;
    for m in members {
        on!(ex.by_ref(), c => sqlx::query(
            "INSERT INTO change_board_members (board_id, user_id) VALUES ($1, $2)")
            .bind(id).bind(*m).execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

pub async fn get_board(mut ex: Ex<'_>, id: i64) -> Result<Option<Board>> {
    let row: Option<BoardRow> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, name, emergency, created_at, updated_at FROM change_boards WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    match row {
        Some(r) => Ok(Some(board_of(ex, r).await?)),
        None => Ok(None),
    }
}

pub async fn boards(mut ex: Ex<'_>) -> Result<Vec<Board>> {
    let rows: Vec<BoardRow> = on!(ex.by_ref(), c => sqlx::query_as(
        "SELECT id, name, emergency, created_at, updated_at FROM change_boards
         ORDER BY lower(name), id")
        .fetch_all(c).await)?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(board_of(ex.by_ref(), r).await?);
    }
    Ok(out)
}

pub async fn board_id_by_name(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM change_boards WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?)
}

/// The board flagged for emergency changes, if any (the app keeps it to one).
pub async fn emergency_board(ex: Ex<'_>) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM change_boards WHERE emergency ORDER BY id LIMIT 1")
        .fetch_optional(c).await)?)
}

// ---------------------------------------------------------------- templates

type TemplateRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    bool,
    i64,
    i64,
);

const TEMPLATE_COLUMNS: &str = "id, name, category, description, implementation_plan, test_plan,
    backout_plan, active, created_at, updated_at";

fn template_of(r: TemplateRow) -> Template {
    Template {
        id: r.0,
        name: r.1,
        category: r.2,
        description: r.3,
        implementation_plan: r.4,
        test_plan: r.5,
        backout_plan: r.6,
        active: r.7,
        created_at: rfc3339_micros(r.8),
        updated_at: rfc3339_micros(r.9),
    }
}

pub async fn insert_template(ex: Ex<'_>, d: &TemplateDraft, now: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "INSERT INTO change_templates (name, category, description, implementation_plan,
           test_plan, backout_plan, active, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
        .bind(&d.name).bind(&d.category).bind(&d.description).bind(&d.implementation_plan)
        .bind(&d.test_plan).bind(&d.backout_plan).bind(d.active).bind(now)
        .fetch_one(c).await)?)
}

pub async fn update_template(ex: Ex<'_>, id: i64, d: &TemplateDraft, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE change_templates SET name = $2, category = $3, description = $4,
           implementation_plan = $5, test_plan = $6, backout_plan = $7, active = $8,
           updated_at = $9 WHERE id = $1")
        .bind(id).bind(&d.name).bind(&d.category).bind(&d.description)
        .bind(&d.implementation_plan).bind(&d.test_plan).bind(&d.backout_plan).bind(d.active)
        .bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn get_template(ex: Ex<'_>, id: i64) -> Result<Option<Template>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM change_templates WHERE id = $1");
    let row: Option<TemplateRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(template_of))
}

pub async fn templates(ex: Ex<'_>) -> Result<Vec<Template>> {
    let sql = format!("SELECT {TEMPLATE_COLUMNS} FROM change_templates ORDER BY lower(name), id");
    let rows: Vec<TemplateRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .fetch_all(c).await)?;
    Ok(rows.into_iter().map(template_of).collect())
}

pub async fn template_id_by_name(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM change_templates WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?)
}
