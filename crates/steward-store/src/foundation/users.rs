use crate::sql::{Listing, Sql, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::Role;
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::foundation::people::{NewUser, User, UserState};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    username: String,
    display_name: String,
    email: Option<String>,
    role: String,
    organization_id: Option<i64>,
    active: bool,
    has_password: bool,
    created_at: i64,
    updated_at: i64,
}

impl From<Row> for User {
    fn from(r: Row) -> Self {
        User {
            id: r.id,
            username: r.username,
            display_name: r.display_name,
            email: r.email,
            // The CHECK constraint admits only valid role names.
            role: r.role.parse().unwrap_or(Role::Customer),
            organization_id: r.organization_id,
            active: r.active,
            has_password: r.has_password,
            created_at: rfc3339_micros(r.created_at),
            updated_at: rfc3339_micros(r.updated_at),
        }
    }
}

const SELECT: &str = "SELECT id, username, display_name, email, role, organization_id, active,
    (password_hash IS NOT NULL) AS has_password, created_at, updated_at FROM users";
const RETURNING: &str =
    " RETURNING id, username, display_name, email, role, organization_id, active,
    (password_hash IS NOT NULL) AS has_password, created_at, updated_at";

pub async fn insert(
    ex: Ex<'_>,
    u: &NewUser,
    password_hash: Option<&str>,
    now: i64,
) -> Result<User> {
    let sql = format!(
        "INSERT INTO users (username, display_name, email, role, organization_id, password_hash, active, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, TRUE, $7, $7){RETURNING}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&u.username).bind(&u.display_name).bind(&u.email).bind(u.role.as_str())
        .bind(u.organization_id).bind(password_hash).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

/// Writes a user's new state; the password hash changes only when `password_hash` is given.
pub async fn update(
    ex: Ex<'_>,
    id: i64,
    u: &UserState,
    password_hash: Option<&str>,
    now: i64,
) -> Result<User> {
    let sql = format!(
        "UPDATE users SET display_name = $2, email = $3, role = $4, organization_id = $5, active = $6,
         password_hash = COALESCE($7, password_hash), updated_at = $8 WHERE id = $1{RETURNING}"
    );
    let row: Row = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(&u.display_name).bind(&u.email).bind(u.role.as_str())
        .bind(u.organization_id).bind(u.active).bind(password_hash).bind(now)
        .fetch_one(c).await)?;
    Ok(row.into())
}

pub async fn get(ex: Ex<'_>, id: i64) -> Result<Option<User>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The user of a usable API token (not revoked, its user active), with the token's id and
/// when it was last used: what authenticating a request needs, in one statement.
pub async fn by_live_token(
    ex: Ex<'_>,
    token_hash: &str,
) -> Result<Option<(i64, Option<i64>, User)>> {
    #[derive(sqlx::FromRow)]
    struct TokenRow {
        token_id: i64,
        last_used_at: Option<i64>,
        #[sqlx(flatten)]
        user: Row,
    }
    // The user's columns are those of every user read ([`SELECT`] as a derived table, which
    // both backends flatten into the join).
    let sql = format!(
        "SELECT t.id AS token_id, t.last_used_at, u.*
         FROM api_tokens t JOIN ({SELECT}) u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active"
    );
    let row: Option<TokenRow> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(token_hash).fetch_optional(c).await)?;
    Ok(row.map(|r| (r.token_id, r.last_used_at, r.user.into())))
}

pub async fn by_username(ex: Ex<'_>, username: &str) -> Result<Option<User>> {
    let sql = format!("{SELECT} WHERE username = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(username).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

/// The user and its password hash, for checking a login.
pub async fn credentials(ex: Ex<'_>, username: &str) -> Result<Option<(User, Option<String>)>> {
    let sql = format!("{SELECT} WHERE username = $1");
    on!(ex, c => {
        let row: Option<Row> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(username).fetch_optional(&mut *c).await?;
        let Some(row) = row else { return Ok(None) };
        let hash: Option<String> = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
            .bind(row.id).fetch_one(&mut *c).await?;
        Ok(Some((row.into(), hash)))
    })
}

pub async fn count(ex: Ex<'_>) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar("SELECT COUNT(*) FROM users").fetch_one(c).await)?)
}

/// Which of `ids` name existing staff users (not customers), for team membership checks.
pub async fn staff_among(ex: Ex<'_>, ids: &[i64]) -> Result<Vec<i64>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new("SELECT id FROM users WHERE role <> 'customer' AND id IN ");
    sql.in_list(ids);
    Ok(on!(ex, c => crate::sql::bind_args!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?)
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub organization_id: Option<i64>,
    pub role: Option<Role>,
    pub active: Option<bool>,
    /// Case-insensitive substring of username or display name.
    pub q: Option<String>,
}

pub async fn list(ex: Ex<'_>, f: &Filter, page: PageRequest) -> Result<(Vec<User>, i64)> {
    let mut filter = Sql::new(" WHERE 1=1");
    filter.and_opt("organization_id =", f.organization_id);
    filter.and_opt("role =", f.role.map(|r| r.as_str()));
    filter.and_opt("active =", f.active);
    filter.and_contains("username || ' ' || display_name", f.q.as_deref());
    let listing = Listing::new(SELECT, "FROM users", filter, "username, id", page);
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    Ok((rows.into_iter().map(Into::into).collect(), total))
}

/// A person's own time zone, if set.
pub async fn time_zone(ex: Ex<'_>, id: i64) -> Result<Option<String>> {
    let zone: Option<Option<String>> = on!(ex, c => sqlx::query_scalar(
        "SELECT time_zone FROM users WHERE id = $1")
        .bind(id).fetch_optional(c).await)?;
    Ok(zone.flatten())
}

/// Sets (or with none clears) a person's time zone; false when there is no such user.
pub async fn set_time_zone(ex: Ex<'_>, id: i64, zone: Option<&str>, now: i64) -> Result<bool> {
    let n = on!(ex, c => sqlx::query(
        "UPDATE users SET time_zone = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(zone).bind(now).execute(c).await.map(|r| r.rows_affected()))?;
    Ok(n > 0)
}
