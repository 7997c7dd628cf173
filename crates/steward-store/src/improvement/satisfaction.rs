//! Satisfaction surveys: offered once per resolved record, answered once, read for the record,
//! the public link, the managers' list and the satisfaction report.
use crate::sql::{Listing, Sql, bind_args, fetch_listing};
use crate::{Ex, Result, on};
use steward_domain::foundation::page::{PageRequest, rfc3339_micros};
use steward_domain::improvement::satisfaction::{AnsweredSurvey, AnsweredVia, Survey};
use steward_domain::resolution::ticket::TicketKind;

/// The settings key of the server's key for survey links (random, made on first use).
const LINK_KEY: &str = "survey_link_key";

type Row = (
    i64,
    i64,
    i64,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<String>,
    bool,
);

const COLUMNS: &str = "id, ticket_id, requester_id, offered_at, expires_at, answered_at,
    answered_via, rating, comment, low";

fn survey(r: Row) -> Survey {
    let (
        id,
        ticket_id,
        requester_id,
        offered_at,
        expires_at,
        answered_at,
        via,
        rating,
        comment,
        low,
    ) = r;
    Survey {
        id,
        ticket_id,
        requester_id,
        offered_at,
        expires_at,
        answered_at,
        answered_via: via.as_deref().and_then(AnsweredVia::parse),
        rating,
        comment,
        low,
    }
}

/// Offers a survey for a record; `None` when the record already has one (once per record,
/// also when it is resolved again after a reopen).
pub async fn offer(
    ex: Ex<'_>,
    ticket: i64,
    requester: i64,
    token_hash: &str,
    offered_at: i64,
    expires_at: i64,
) -> Result<Option<Survey>> {
    let sql = format!(
        "INSERT INTO satisfaction_surveys
           (ticket_id, requester_id, token_hash, offered_at, expires_at, low)
         VALUES ($1, $2, $3, $4, $5, FALSE)
         ON CONFLICT (ticket_id) DO NOTHING RETURNING {COLUMNS}"
    );
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ticket).bind(requester).bind(token_hash).bind(offered_at).bind(expires_at)
        .fetch_optional(c).await)?;
    Ok(row.map(survey))
}

pub async fn for_ticket(ex: Ex<'_>, ticket: i64) -> Result<Option<Survey>> {
    let sql = format!("SELECT {COLUMNS} FROM satisfaction_surveys WHERE ticket_id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(ticket).fetch_optional(c).await)?;
    Ok(row.map(survey))
}

pub async fn by_token_hash(ex: Ex<'_>, hash: &str) -> Result<Option<Survey>> {
    let sql = format!("SELECT {COLUMNS} FROM satisfaction_surveys WHERE token_hash = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(hash).fetch_optional(c).await)?;
    Ok(row.map(survey))
}

/// Records the answer unless one was recorded first (then `None`: answered once).
pub async fn answer(
    ex: Ex<'_>,
    id: i64,
    rating: i64,
    comment: Option<&str>,
    low: bool,
    via: AnsweredVia,
    now: i64,
) -> Result<Option<Survey>> {
    let sql = format!(
        "UPDATE satisfaction_surveys SET rating = $2, comment = $3, low = $4, answered_via = $5,
           answered_at = $6
         WHERE id = $1 AND answered_at IS NULL RETURNING {COLUMNS}"
    );
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).bind(rating).bind(comment).bind(low).bind(via.as_str()).bind(now)
        .fetch_optional(c).await)?;
    Ok(row.map(survey))
}

/// The key survey links are derived with, made (random, by the caller) on first use; with
/// several nodes the first one written wins and every node reads it back.
pub async fn link_key(ex: Ex<'_>, fresh: &str, now: i64) -> Result<String> {
    let mut ex = ex;
    on!(ex.by_ref(), c => sqlx::query(
        "INSERT INTO settings (key, value, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (key) DO NOTHING")
        .bind(LINK_KEY).bind(serde_json::Value::from(fresh).to_string()).bind(now)
        .execute(c).await.map(|_| ()))?;
    let stored: String = on!(ex, c => sqlx::query_scalar(
        "SELECT value FROM settings WHERE key = $1").bind(LINK_KEY).fetch_one(c).await)?;
    Ok(serde_json::from_str::<String>(&stored).unwrap_or(stored))
}

/// Filter of the managers' list.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub low_only: bool,
    pub organization: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct AnsweredRow {
    id: i64,
    ticket_id: i64,
    kind: String,
    number: String,
    title: String,
    requester: String,
    organization: Option<String>,
    rating: i64,
    comment: Option<String>,
    low: bool,
    answered_at: i64,
    answered_via: Option<String>,
}

const ANSWERED_FROM: &str = "FROM satisfaction_surveys v
    JOIN tickets t ON t.id = v.ticket_id
    JOIN users u ON u.id = v.requester_id
    LEFT JOIN organizations o ON o.id = t.organization_id";

/// Answered surveys, newest answer first.
pub async fn answered(
    ex: Ex<'_>,
    f: &Filter,
    page: PageRequest,
) -> Result<(Vec<AnsweredSurvey>, i64)> {
    let mut filter = Sql::new(" WHERE v.answered_at IS NOT NULL");
    if f.low_only {
        filter.push(" AND v.low = ").bind(true);
    }
    filter.and_opt("t.organization_id =", f.organization);
    let select = format!(
        "SELECT v.id, v.ticket_id, t.kind, t.number, t.title, u.display_name AS requester,
           o.name AS organization, v.rating, v.comment, v.low, v.answered_at, v.answered_via
         {ANSWERED_FROM}"
    );
    let listing = Listing::new(
        &select,
        ANSWERED_FROM,
        filter,
        "v.answered_at DESC, v.id DESC",
        page,
    );
    let (rows, total) = fetch_listing!(ex, listing, AnsweredRow)?;
    Ok((
        rows.into_iter()
            .map(|r| AnsweredSurvey {
                id: r.id,
                ticket_id: r.ticket_id,
                kind: TicketKind::parse(&r.kind).unwrap_or(TicketKind::Incident),
                number: r.number,
                title: r.title,
                requester: r.requester,
                organization: r.organization,
                rating: r.rating,
                comment: r.comment,
                low: r.low,
                answered_at: rfc3339_micros(r.answered_at),
                answered_via: r.answered_via.as_deref().and_then(AnsweredVia::parse),
            })
            .collect(),
        total,
    ))
}

/// One offered survey with what the report groups it by.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow {
    pub offered_at: i64,
    pub answered_at: Option<i64>,
    pub rating: Option<i64>,
    pub service: Option<String>,
    pub team: Option<String>,
    pub customer: Option<String>,
    pub agent: Option<String>,
}

/// Filters of the report's read.
#[derive(Debug, Clone, Default)]
pub struct ReportFilter {
    /// Incidents and requests when none.
    pub kind: Option<TicketKind>,
    pub service: Option<i64>,
    pub organization: Option<i64>,
    pub team: Option<i64>,
    pub priority: Option<i64>,
}

/// Surveys offered in `[from, to)` with their answers.
pub async fn offered_in(
    ex: Ex<'_>,
    from: i64,
    to: i64,
    f: &ReportFilter,
) -> Result<Vec<ReportRow>> {
    let mut sql = Sql::new(
        "SELECT v.offered_at, v.answered_at, v.rating, s.name AS service, tm.name AS team,
           o.name AS customer, a.display_name AS agent
         FROM satisfaction_surveys v
         JOIN tickets t ON t.id = v.ticket_id
         LEFT JOIN services s ON s.id = t.service_id
         LEFT JOIN teams tm ON tm.id = t.team_id
         LEFT JOIN organizations o ON o.id = t.organization_id
         LEFT JOIN users a ON a.id = t.assignee_id
         WHERE v.offered_at >= ",
    );
    sql.bind(from).push(" AND v.offered_at < ").bind(to);
    sql.and_opt("t.kind =", f.kind.map(|k| k.as_str()));
    sql.and_opt("t.service_id =", f.service);
    sql.and_opt("t.organization_id =", f.organization);
    sql.and_opt("t.team_id =", f.team);
    sql.and_opt("t.priority =", f.priority);
    sql.push(" ORDER BY v.offered_at, v.id");
    let rows: Vec<ReportRow> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    Ok(rows)
}

/// The kind of the record a survey is about.
pub async fn ticket_kind(ex: Ex<'_>, ticket: i64) -> Result<Option<TicketKind>> {
    let kind: Option<String> = on!(ex, c => sqlx::query_scalar(
        "SELECT kind FROM tickets WHERE id = $1").bind(ticket).fetch_optional(c).await)?;
    Ok(kind.as_deref().and_then(TicketKind::parse))
}
