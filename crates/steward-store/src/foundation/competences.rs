//! Competence records of people.
use crate::{Ex, Result, StoreError, on};
use steward_domain::foundation::competence::{Competence, CompetenceLevel};
use steward_domain::foundation::page::rfc3339_micros;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    user_id: i64,
    skill: String,
    level: String,
    evidence: Option<String>,
    obtained_on: String,
    expires_on: Option<String>,
    verified_by: Option<i64>,
    created_at: i64,
    updated_at: i64,
}

const SELECT: &str = "SELECT k.id, k.user_id, k.skill, k.level, k.evidence, k.obtained_on,
    k.expires_on, k.verified_by, k.created_at, k.updated_at FROM competences k";

fn competence(r: Row) -> Result<Competence> {
    Ok(Competence {
        id: r.id,
        user_id: r.user_id,
        skill: r.skill,
        level: CompetenceLevel::parse(&r.level)
            .ok_or_else(|| StoreError::Corrupt(format!("competence {}: level", r.id)))?,
        evidence: r.evidence,
        obtained_on: r.obtained_on,
        expires_on: r.expires_on,
        verified_by: r.verified_by,
        expired: false,
        created_at: rfc3339_micros(r.created_at),
        updated_at: rfc3339_micros(r.updated_at),
    })
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Competence>> {
    let sql = format!("{SELECT} WHERE k.id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    row.map(competence).transpose()
}

/// Entries of one person, or of the members of one team, or all; by person then skill.
pub async fn list(ex: Ex<'_>, user: Option<i64>, team: Option<i64>) -> Result<Vec<Competence>> {
    let sql = format!(
        "{SELECT} WHERE ($1 IS NULL OR k.user_id = $1) AND ($2 IS NULL OR EXISTS
         (SELECT 1 FROM team_members m WHERE m.team_id = $2 AND m.user_id = k.user_id))
         ORDER BY k.user_id, k.skill, k.id"
    );
    let rows: Vec<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(user).bind(team).fetch_all(c).await)?;
    rows.into_iter().map(competence).collect()
}

pub async fn insert(mut ex: Ex<'_>, k: &Competence, now: i64) -> Result<Competence> {
    let id: i64 = on!(ex.by_ref(), c => sqlx::query_scalar(
        "INSERT INTO competences (user_id, skill, level, evidence, obtained_on, expires_on,
         verified_by, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) RETURNING id")
        .bind(k.user_id).bind(&k.skill).bind(k.level.as_str()).bind(&k.evidence)
        .bind(&k.obtained_on).bind(&k.expires_on).bind(k.verified_by).bind(now)
        .fetch_one(c).await)?;
    get(ex, id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("competence {id} vanished")))
}

pub async fn update(mut ex: Ex<'_>, k: &Competence, now: i64) -> Result<Competence> {
    on!(ex.by_ref(), c => sqlx::query(
        "UPDATE competences SET user_id = $2, skill = $3, level = $4, evidence = $5,
         obtained_on = $6, expires_on = $7, verified_by = $8, updated_at = $9 WHERE id = $1")
        .bind(k.id).bind(k.user_id).bind(&k.skill).bind(k.level.as_str()).bind(&k.evidence)
        .bind(&k.obtained_on).bind(&k.expires_on).bind(k.verified_by).bind(now)
        .execute(c).await.map(|r| r.rows_affected()))?;
    get(ex, k.id)
        .await?
        .ok_or_else(|| StoreError::Corrupt(format!("competence {} vanished", k.id)))
}

/// Whether this person already holds an entry for this skill (other than `except`).
pub async fn exists(ex: Ex<'_>, user: i64, skill: &str, except: i64) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT CAST(COUNT(*) AS BIGINT) FROM competences
         WHERE user_id = $1 AND lower(skill) = lower($2) AND id <> $3")
        .bind(user).bind(skill).bind(except).fetch_one(c).await)?;
    Ok(n > 0)
}
