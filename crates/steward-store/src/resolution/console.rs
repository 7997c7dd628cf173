//! The console's queues over open records, paged in the database, and agents' saved views.
use crate::sql::{Sql, bind_args};
use crate::{Ex, Result, on};
use steward_domain::foundation::page::rfc3339_micros;
use steward_domain::resolution::console::{
    COUNT_CAP, CappedCount, ConsoleFilter, ConsoleItem, ConsoleQuery, ConsoleSort, PAGE_SIZE,
    Queue, SavedView,
};
use steward_domain::resolution::ticket::TicketKind;
use steward_domain::resolution::workflow::Status;

/// Word for word the predicate of the open-record partial indexes (migration 0016).
const OPEN: &str = "status NOT IN ('resolved', 'closed', 'cancelled', 'rejected')";

/// Who is asking, for the queues that depend on it.
#[derive(Debug, Clone, Default)]
pub struct Asker {
    pub user: Option<i64>,
    pub teams: Vec<i64>,
    /// Microseconds; "breaching soon" is measured from here.
    pub now: i64,
    /// Staff limited to one organization see only its records.
    pub organization: Option<i64>,
}

fn where_clause(queue: Queue, f: &ConsoleFilter, who: &Asker) -> Sql {
    let mut sql = Sql::new(" WHERE ");
    sql.push(OPEN);
    match queue {
        Queue::Mine => match who.user {
            Some(me) => {
                sql.push(" AND assignee_id = ").bind(me);
            }
            None => {
                sql.push(" AND 1 = 0");
            }
        },
        Queue::Team if who.teams.is_empty() => {
            sql.push(" AND 1 = 0");
        }
        Queue::Team => {
            sql.push(" AND team_id IN ").in_list(&who.teams);
        }
        Queue::Unassigned => {
            sql.push(" AND assignee_id IS NULL");
        }
        Queue::Breaching => {
            sql.push(" AND sla_attention_at <= ").bind(who.now);
        }
        Queue::Major => {
            sql.push(" AND major = TRUE");
        }
        Queue::Problems => {
            sql.push(" AND kind = 'problem'");
        }
        Queue::All => {}
    }
    sql.and_opt("kind =", f.kind.map(|k| k.as_str()));
    sql.and_opt("status =", f.status.map(|s| s.as_str()));
    sql.and_opt("priority =", f.priority.map(i64::from));
    sql.and_opt("team_id =", f.team);
    sql.and_opt("assignee_id =", f.assignee);
    sql.and_opt("service_id =", f.service);
    sql.and_opt("organization_id =", who.organization);
    sql
}

fn order_by(sort: ConsoleSort) -> &'static str {
    match sort {
        ConsoleSort::Newest => "opened_at DESC, id DESC",
        ConsoleSort::Oldest => "opened_at, id",
        ConsoleSort::Priority => "priority, opened_at, id",
        // As in the index tickets_open_due: no due time sorts last.
        ConsoleSort::SlaDue => "COALESCE(sla_due_at, 9223372036854775807), id",
        ConsoleSort::Updated => "updated_at DESC, id DESC",
    }
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    i64,
    bool,
    Option<i64>,
    Option<i64>,
    Option<i64>,
    i64,
    i64,
    Option<i64>,
);

fn item(r: Row) -> ConsoleItem {
    let (
        id,
        kind,
        number,
        title,
        status,
        priority,
        major,
        team,
        assignee,
        service,
        opened,
        updated,
        due,
    ) = r;
    ConsoleItem {
        id,
        // CHECK constraints admit only known values.
        kind: TicketKind::parse(&kind).unwrap_or(TicketKind::Incident),
        number,
        title,
        status: Status::parse(&status).unwrap_or(Status::New),
        priority: u8::try_from(priority).unwrap_or(3),
        major,
        team_id: team,
        assignee_id: assignee,
        service_id: service,
        opened_at: rfc3339_micros(opened),
        updated_at: rfc3339_micros(updated),
        sla_due_at: due.map(rfc3339_micros),
    }
}

/// One page of a queue, and whether another page follows.
pub async fn page(ex: Ex<'_>, q: &ConsoleQuery, who: &Asker) -> Result<(Vec<ConsoleItem>, bool)> {
    let mut sql = Sql::new(
        "SELECT id, kind, number, title, status, priority, major, team_id, assignee_id, service_id,
                opened_at, updated_at, sla_due_at FROM tickets",
    );
    let filter = where_clause(q.queue, &q.filter, who);
    sql.push(&filter.text);
    sql.args = filter.args;
    sql.push(" ORDER BY ").push(order_by(q.sort));
    // One more than a page tells whether there is a next one without counting.
    sql.push(" LIMIT ").bind(i64::from(PAGE_SIZE) + 1);
    sql.push(" OFFSET ")
        .bind(i64::try_from(q.offset()).unwrap_or(i64::MAX));
    let rows: Vec<Row> = on!(ex, c => bind_args!(
        sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
    let more = rows.len() > PAGE_SIZE as usize;
    Ok((
        rows.into_iter()
            .take(PAGE_SIZE as usize)
            .map(item)
            .collect(),
        more,
    ))
}

/// How many records a queue holds under a filter, counted up to [`COUNT_CAP`].
pub async fn count(
    ex: Ex<'_>,
    queue: Queue,
    f: &ConsoleFilter,
    who: &Asker,
) -> Result<CappedCount> {
    let filter = where_clause(queue, f, who);
    let mut sql = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM tickets");
    sql.push(&filter.text);
    sql.args = filter.args;
    sql.push(" LIMIT ").bind(COUNT_CAP + 1).push(") AS capped");
    let n: i64 = on!(ex, c => bind_args!(
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_one(c).await)?;
    Ok(CappedCount::from_limited(n))
}

// ------------------------------------------------------------------ saved views

type ViewRow = (i64, String, String);

fn view((id, name, query): ViewRow) -> SavedView {
    SavedView { id, name, query }
}

pub async fn views(ex: Ex<'_>, user: i64) -> Result<Vec<SavedView>> {
    let rows: Vec<ViewRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, name, query FROM console_views WHERE user_id = $1 ORDER BY lower(name), id")
        .bind(user).fetch_all(c).await)?;
    Ok(rows.into_iter().map(view).collect())
}

/// Saves a view; saving under a name the user already has replaces that view's query.
pub async fn save_view(
    ex: Ex<'_>,
    user: i64,
    name: &str,
    query: &str,
    now: i64,
) -> Result<SavedView> {
    let row: ViewRow = on!(ex, c => sqlx::query_as(
        "INSERT INTO console_views (user_id, name, query, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (user_id, name) DO UPDATE SET query = excluded.query
         RETURNING id, name, query")
        .bind(user).bind(name).bind(query).bind(now).fetch_one(c).await)?;
    Ok(view(row))
}

/// Deletes one of the user's views; the view as it was, or none when the user has no such view.
pub async fn delete_view(ex: Ex<'_>, user: i64, id: i64) -> Result<Option<SavedView>> {
    let row: Option<ViewRow> = on!(ex, c => sqlx::query_as(
        "DELETE FROM console_views WHERE id = $1 AND user_id = $2 RETURNING id, name, query")
        .bind(id).bind(user).fetch_optional(c).await)?;
    Ok(row.map(view))
}
