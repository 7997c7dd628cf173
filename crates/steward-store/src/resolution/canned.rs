//! Canned replies.
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::canned::{CannedReply, CannedReplyInput};

type Row = (i64, String, String, Option<i64>, i64, i64);

fn reply((id, title, body, team_id, created, updated): Row) -> CannedReply {
    CannedReply {
        id,
        title,
        body,
        team_id,
        created_at: rfc3339_micros(created),
        updated_at: rfc3339_micros(updated),
    }
}

const SELECT: &str = "SELECT id, title, body, team_id, created_at, updated_at FROM canned_replies";

pub async fn insert(ex: Ex<'_>, r: &CannedReplyInput, now: i64) -> Result<CannedReply> {
    let row: Row = on!(ex, c => sqlx::query_as(
        "INSERT INTO canned_replies (title, body, team_id, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4) RETURNING id, title, body, team_id, created_at, updated_at")
        .bind(&r.title).bind(&r.body).bind(r.team_id).bind(now).fetch_one(c).await)?;
    Ok(reply(row))
}

pub async fn update(
    ex: Ex<'_>,
    id: i64,
    r: &CannedReplyInput,
    now: i64,
) -> Result<Option<CannedReply>> {
    let row: Option<Row> = on!(ex, c => sqlx::query_as(
        "UPDATE canned_replies SET title = $2, body = $3, team_id = $4, updated_at = $5 WHERE id = $1
         RETURNING id, title, body, team_id, created_at, updated_at")
        .bind(id).bind(&r.title).bind(&r.body).bind(r.team_id).bind(now).fetch_optional(c).await)?;
    Ok(row.map(reply))
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<CannedReply>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(reply))
}

/// Every canned reply (`member`: none), or those a member of teams may use: their teams'
/// and everyone's; by title.
pub async fn list(ex: Ex<'_>, member: Option<i64>) -> Result<Vec<CannedReply>> {
    let sql = format!(
        "{SELECT} WHERE $1 IS NULL OR team_id IS NULL
            OR team_id IN (SELECT team_id FROM team_members WHERE user_id = $1)
         ORDER BY lower(title), id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(member).fetch_all(c).await)?;
    Ok(rows.into_iter().map(reply).collect())
}
