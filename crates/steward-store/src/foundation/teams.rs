use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use std::collections::HashMap;
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::foundation::people::{NewTeam, Team};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    name: String,
    description: Option<String>,
    email: Option<String>,
    created_at: i64,
    updated_at: i64,
}

impl Row {
    fn into_team(self, member_ids: Vec<i64>) -> Team {
        Team {
            id: self.id,
            name: self.name,
            description: self.description,
            email: self.email,
            member_ids,
            created_at: rfc3339_micros(self.created_at),
            updated_at: rfc3339_micros(self.updated_at),
        }
    }
}

const SELECT: &str = "SELECT id, name, description, email, created_at, updated_at FROM teams";

pub async fn insert(mut ex: Ex<'_>, t: &NewTeam, now: i64) -> Result<Team> {
    let row: Row = on!(ex.by_ref(), c => sqlx::query_as(
        "INSERT INTO teams (name, description, email, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $4)
         RETURNING id, name, description, email, created_at, updated_at")
        .bind(&t.name).bind(&t.description).bind(&t.email).bind(now)
        .fetch_one(c).await)?;
    set_members(ex, row.id, &t.member_ids, now).await?;
    Ok(row.into_team(t.member_ids.clone()))
}

pub async fn update(mut ex: Ex<'_>, id: i64, t: &NewTeam, now: i64) -> Result<Team> {
    let row: Row = on!(ex.by_ref(), c => sqlx::query_as(
        "UPDATE teams SET name = $2, description = $3, email = $4, updated_at = $5 WHERE id = $1
         RETURNING id, name, description, email, created_at, updated_at")
        .bind(id).bind(&t.name).bind(&t.description).bind(&t.email).bind(now)
        .fetch_one(c).await)?;
    set_members(ex, id, &t.member_ids, now).await?;
    Ok(row.into_team(t.member_ids.clone()))
}

/// Makes the member list exactly `ids`, keeping the join date of members who stay.
async fn set_members(ex: Ex<'_>, team: i64, ids: &[i64], now: i64) -> Result<()> {
    on!(ex, c => {
        let current: Vec<i64> = sqlx::query_scalar("SELECT user_id FROM team_members WHERE team_id = $1")
            .bind(team).fetch_all(&mut *c).await?;
        for gone in current.iter().filter(|id| !ids.contains(id)) {
            sqlx::query("DELETE FROM team_members WHERE team_id = $1 AND user_id = $2")
                .bind(team).bind(gone).execute(&mut *c).await?;
        }
        for new in ids.iter().filter(|id| !current.contains(id)) {
            sqlx::query("INSERT INTO team_members (team_id, user_id, added_at) VALUES ($1, $2, $3)")
                .bind(team).bind(new).bind(now).execute(&mut *c).await?;
        }
        Ok(())
    })
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<Team>> {
    let sql = format!("{SELECT} WHERE id = $1");
    on!(ex, c => {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(&mut *c).await?;
        let Some(row) = row else { return Ok(None) };
        let members: Vec<i64> = sqlx::query_scalar(
            "SELECT user_id FROM team_members WHERE team_id = $1 ORDER BY user_id")
            .bind(id).fetch_all(&mut *c).await?;
        Ok(Some(row.into_team(members)))
    })
}

pub async fn delete(ex: Ex<'_>, id: i64) -> Result<bool> {
    on!(ex, c => {
        sqlx::query("DELETE FROM team_members WHERE team_id = $1").bind(id).execute(&mut *c).await?;
        let n = sqlx::query("DELETE FROM teams WHERE id = $1").bind(id).execute(&mut *c).await?.rows_affected();
        Ok(n > 0)
    })
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Teams this user belongs to.
    pub member: Option<i64>,
    pub q: Option<String>,
}

pub async fn list(mut ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<Team>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt(
        "id IN (SELECT team_id FROM team_members WHERE user_id =",
        f.member,
    );
    if f.member.is_some() {
        filter.push(")");
    }
    filter.and_contains("name", f.q.as_deref());
    let listing = Listing::new(SELECT, "FROM teams", filter, "lower(name), id", page);
    let (rows, total) = fetch_listing!(ex.by_ref(), listing, Row)?;
    // One query for the members of the whole page, not one per team.
    let mut members: HashMap<i64, Vec<i64>> = HashMap::new();
    if !rows.is_empty() {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut sql = Sql::new("SELECT team_id, user_id FROM team_members WHERE team_id IN ");
        sql.in_list(&ids).push(" ORDER BY user_id");
        let pairs: Vec<(i64, i64)> = on!(ex, c => crate::sql::bind_args!(
            sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
        for (team, user) in pairs {
            members.entry(team).or_default().push(user);
        }
    }
    let teams = rows
        .into_iter()
        .map(|r| {
            let m = members.remove(&r.id).unwrap_or_default();
            r.into_team(m)
        })
        .collect();
    Ok((teams, total))
}

/// The id of the team with this name (case-insensitive), if any.
pub async fn id_by_name(ex: Ex<'_>, name: &str) -> Result<Option<i64>> {
    Ok(
        on!(ex, c => sqlx::query_scalar("SELECT id FROM teams WHERE lower(name) = lower($1)")
        .bind(name).fetch_optional(c).await)?,
    )
}

/// The ids of the teams a user belongs to.
pub async fn of_member(ex: Ex<'_>, user: i64) -> Result<Vec<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT team_id FROM team_members WHERE user_id = $1 ORDER BY team_id")
        .bind(user).fetch_all(c).await)?)
}
