//! Tickets (incidents first; requests and problems share the table), their numbers and their
//! timeline.
use crate::resolution::search::{document_terms, insert_doc_terms, insert_search_doc};
use crate::sql::{Arg, Listing, Sql, bind_args, fetch_listing};
use crate::{Ex, Result, on};
use sqlx::Row as _;
use steward_domain::foundation::page::{LIST_COUNT_CAP, PageRequest, rfc3339_micros};
use steward_domain::resolution::record::Ticket;
use steward_domain::resolution::search::scope_term;
use steward_domain::resolution::ticket::{
    Channel, Level, Priority, SortKey, TicketDraft, TicketEvent, TicketKind, TicketSort,
};
use steward_domain::resolution::workflow::{Lifecycle, PendingReason, Status};

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    kind: String,
    number: String,
    title: String,
    description: Option<String>,
    status: String,
    impact: String,
    urgency: String,
    priority: i64,
    category: Option<String>,
    channel: String,
    requester_id: Option<i64>,
    organization_id: Option<i64>,
    service_id: Option<i64>,
    ci_id: Option<i64>,
    team_id: Option<i64>,
    assignee_id: Option<i64>,
    pending_reason: Option<String>,
    resolution_code: Option<String>,
    resolution_notes: Option<String>,
    reassignment_count: i64,
    reopen_count: i64,
    opened_at: i64,
    updated_at: i64,
    resolved_at: Option<i64>,
    closed_at: Option<i64>,
    major: bool,
    major_owner_id: Option<i64>,
    parent_id: Option<i64>,
    problem_id: Option<i64>,
    root_cause: Option<String>,
    workaround: Option<String>,
    known_error_number: Option<String>,
    catalogue_item_id: Option<i64>,
    answers: Option<String>,
    post_incident_review: Option<String>,
}

impl From<Row> for Ticket {
    fn from(r: Row) -> Self {
        // CHECK constraints and the domain admit only known values.
        Ticket {
            id: r.id,
            kind: TicketKind::parse(&r.kind).unwrap_or(TicketKind::Incident),
            number: r.number,
            title: r.title,
            description: r.description,
            status: Status::parse(&r.status).unwrap_or(Status::New),
            impact: Level::parse(&r.impact).unwrap_or(Level::Medium),
            urgency: Level::parse(&r.urgency).unwrap_or(Level::Medium),
            priority: u8::try_from(r.priority)
                .ok()
                .and_then(Priority::new)
                .unwrap_or(Priority::MIDDLE),
            category: r.category,
            channel: Channel::parse(&r.channel).unwrap_or(Channel::Api),
            requester_id: r.requester_id,
            organization_id: r.organization_id,
            service_id: r.service_id,
            ci_id: r.ci_id,
            team_id: r.team_id,
            assignee_id: r.assignee_id,
            pending_reason: r.pending_reason.as_deref().and_then(PendingReason::parse),
            resolution_code: r.resolution_code,
            resolution_notes: r.resolution_notes,
            reassignment_count: r.reassignment_count,
            reopen_count: r.reopen_count,
            opened_at: rfc3339_micros(r.opened_at),
            updated_at: rfc3339_micros(r.updated_at),
            resolved_at: r.resolved_at.map(rfc3339_micros),
            closed_at: r.closed_at.map(rfc3339_micros),
            major: r.major,
            major_owner_id: r.major_owner_id,
            parent_id: r.parent_id,
            problem_id: r.problem_id,
            root_cause: r.root_cause,
            workaround: r.workaround,
            known_error_number: r.known_error_number,
            catalogue_item_id: r.catalogue_item_id,
            answers: r.answers.and_then(|a| serde_json::from_str(&a).ok()),
            post_incident_review: r
                .post_incident_review
                .and_then(|a| serde_json::from_str(&a).ok()),
            timeline: None,
            linked: None,
            sla: None,
            agreements: None,
            supplier: None,
            approvals: None,
            caused_by_change: None,
        }
    }
}

/// The columns of [`Row`], shared by reads and by `insert`'s `RETURNING`, so that a ticket
/// returned by an insert is exactly what reading it back would give.
macro_rules! columns {
    () => {
        "id, kind, number, title, description, status, impact, urgency, priority, category,
    channel, requester_id, organization_id, service_id, ci_id, team_id, assignee_id, pending_reason,
    resolution_code, resolution_notes, reassignment_count, reopen_count, opened_at, updated_at, resolved_at,
    closed_at, major, major_owner_id, parent_id, problem_id, root_cause, workaround, known_error_number,
    catalogue_item_id, answers, post_incident_review"
    };
}

const SELECT: &str = concat!("SELECT ", columns!(), " FROM tickets");

/// Gives ticket `id` the next number of its kind and counts it in its status. The counter
/// row stays locked until the transaction ends, so concurrent writers (several nodes on
/// PostgreSQL) get consecutive numbers, and a rolled-back transaction gives its number back:
/// no gaps. Both rows are hot, locked by every create of the kind until it commits, so a
/// create takes them last, in one statement (PostgreSQL) or one query text (SQLite), with the
/// number formatted in SQL as `TicketKind::number` formats it (at least six digits).
///
/// Numbering in the insert instead would write the row and its indexes once rather than twice
/// (on PostgreSQL the update is not HOT: `number` is indexed), but holds the counter through
/// the whole create: measured slower from 16 clients on (bench/README.md, 2026-12-07).
pub async fn number_ticket(
    ex: Ex<'_>,
    id: i64,
    kind: TicketKind,
    status: Status,
) -> Result<String> {
    let (last, number): (i64, String) = match ex {
        Ex::Postgres(c) => {
            sqlx::query_as(
                "WITH counted AS (
                     INSERT INTO ticket_status_counts (kind, status, n) VALUES ($1, $2, 1)
                     ON CONFLICT (kind, status) DO UPDATE SET n = ticket_status_counts.n + 1),
                 taken AS (UPDATE ticket_counters SET last = last + 1 WHERE kind = $1 RETURNING last)
                 UPDATE tickets
                 SET number = $3 || '-' || lpad(taken.last::text, greatest(6, length(taken.last::text)), '0')
                 FROM taken WHERE tickets.id = $4
                 RETURNING taken.last, tickets.number",
            )
            .bind(kind.as_str())
            .bind(status.as_str())
            .bind(kind.prefix())
            .bind(id)
            .fetch_one(c)
            .await?
        }
        // The statement that returns the row comes last: the ones before it run to completion.
        Ex::Sqlite(c) => {
            sqlx::query_as(
                "INSERT INTO ticket_status_counts (kind, status, n) VALUES ($1, $2, 1)
                 ON CONFLICT (kind, status) DO UPDATE SET n = ticket_status_counts.n + 1;
                 UPDATE ticket_counters SET last = last + 1 WHERE kind = $1;
                 UPDATE tickets
                 SET number = printf('%s-%06d', $3, (SELECT last FROM ticket_counters WHERE kind = $1))
                 WHERE id = $4
                 RETURNING (SELECT last FROM ticket_counters WHERE kind = $1), number",
            )
            .bind(kind.as_str())
            .bind(status.as_str())
            .bind(kind.prefix())
            .bind(id)
            .fetch_one(c)
            .await?
        }
    };
    debug_assert_eq!(
        number,
        kind.number(last),
        "SQL and TicketKind::number disagree"
    );
    Ok(number)
}

/// What a new ticket starts with besides its draft.
#[derive(Debug, Clone, Default)]
pub struct Opening {
    pub status: Option<Status>,
    pub team_id: Option<i64>,
    pub major: bool,
    pub catalogue_item_id: Option<i64>,
    pub answers: Option<serde_json::Value>,
}

/// The start of every insert of a timeline entry, so its columns are listed once (a ticket's
/// create writes its "created" entry in the same statement as the ticket).
macro_rules! insert_event {
    () => {
        "INSERT INTO ticket_events (ticket_id, at, actor_id, actor, event, from_status, to_status, detail)"
    };
}

/// When and by whom a ticket is opened: its opening instant, and the author and detail of its
/// "created" timeline entry.
#[derive(Debug, Clone, Copy)]
pub struct Creation<'a> {
    pub at: i64,
    pub actor_id: Option<i64>,
    pub actor: &'a str,
    pub detail: &'a serde_json::Value,
}

/// Inserts a ticket under a unique placeholder `number`, with its "created" timeline entry
/// and its public search document (title and description), and returns it as stored. The
/// three rows go in one statement (PostgreSQL) or one query text (SQLite): a create crosses to
/// the database once for them instead of three times.
pub async fn insert(
    ex: Ex<'_>,
    kind: TicketKind,
    number: &str,
    d: &TicketDraft,
    priority: Priority,
    opening: &Opening,
    creation: Creation<'_>,
) -> Result<Ticket> {
    let now = creation.at;
    let status = opening.status.unwrap_or(Status::New);
    let scope = scope_term(true, d.organization_id);
    // The row comes back from the insert itself (defaults included) rather than from a
    // second read. The timeline entry and the document find the new id by the placeholder
    // (unique) on SQLite, from the inserted row on PostgreSQL. Parameters: $1-$19 the
    // ticket, $20-$22 the entry, $23 the document's scope, $24 its words (PostgreSQL).
    macro_rules! bind_all {
        ($q:expr) => {
            $q.bind(kind.as_str())
                .bind(number)
                .bind(&d.title)
                .bind(&d.description)
                .bind(status.as_str())
                .bind(d.impact.as_str())
                .bind(d.urgency.as_str())
                .bind(i64::from(priority.level()))
                .bind(&d.category)
                .bind(d.channel.as_str())
                .bind(d.requester_id)
                .bind(d.organization_id)
                .bind(d.service_id)
                .bind(d.ci_id)
                .bind(now)
                .bind(opening.team_id)
                .bind(opening.major)
                .bind(opening.catalogue_item_id)
                .bind(opening.answers.as_ref().map(|a| a.to_string()))
                .bind(creation.actor_id)
                .bind(creation.actor)
                .bind(creation.detail.to_string())
                .bind(&scope)
        };
    }
    macro_rules! insert_ticket {
        () => { concat!(
        "INSERT INTO tickets (kind, number, title, description, status, impact, urgency, priority, category,
         channel, requester_id, organization_id, service_id, ci_id, opened_at, updated_at, team_id, major,
         catalogue_item_id, answers)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $18, $19)
         RETURNING ",
        columns!()
        ) };
    }
    let row: Row = match ex {
        Ex::Postgres(c) => {
            let terms = document_terms(&d.title, d.description.as_deref().unwrap_or(""), &scope);
            bind_all!(sqlx::query_as(concat!(
                "WITH t AS (",
                insert_ticket!(),
                "),
                 e AS (",
                insert_event!(),
                " SELECT id, $15, $20, $21, 'created', NULL, $5, $22 FROM t),
                 doc AS (",
                insert_search_doc!(),
                " SELECT id, 'ticket', TRUE, $23, $3, coalesce($4, '') FROM t RETURNING id),
                 terms AS (",
                insert_doc_terms!("$24"),
                ")
                 SELECT * FROM t"
            )))
            .bind(terms)
            .fetch_one(c)
            .await?
        }
        Ex::Sqlite(c) => {
            // `fetch_all`, not `fetch_one`: the first statement returns the row, and stopping
            // at it would skip the two after it.
            let mut rows: Vec<Row> = bind_all!(sqlx::query_as(concat!(
                insert_ticket!(), "; ",
                insert_event!(), " SELECT id, $15, $20, $21, 'created', NULL, $5, $22 FROM tickets WHERE number = $2; ",
                insert_search_doc!(), " SELECT id, 'ticket', TRUE, $23, $3, coalesce($4, '') FROM tickets WHERE number = $2"
            )))
            .fetch_all(c)
            .await?;
            rows.pop().ok_or(sqlx::Error::RowNotFound)?
        }
    };
    Ok(row.into())
}

/// Which of the records a new ticket refers to exist, and its service's criticality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct References {
    /// The service's criticality: `None` when it does not exist (or none was given).
    pub service_criticality: Option<i64>,
    pub organization: bool,
    pub requester: bool,
    pub ci: bool,
}

/// Looks up every reference of a new ticket in one statement: a create crosses to the
/// database once for them instead of once each. A reference not given reads as absent.
pub async fn references(
    ex: Ex<'_>,
    service: Option<i64>,
    organization: Option<i64>,
    requester: Option<i64>,
    ci: Option<i64>,
) -> Result<References> {
    let (found, []) = references_and_settings(ex, service, organization, requester, ci, []).await?;
    Ok(found)
}

/// [`references`] and the settings under `keys` (`None` where unset), in the same statement:
/// a create that needs both crosses to the database once for them.
pub async fn references_and_settings<const N: usize>(
    ex: Ex<'_>,
    service: Option<i64>,
    organization: Option<i64>,
    requester: Option<i64>,
    ci: Option<i64>,
    keys: [&str; N],
) -> Result<(References, [Option<String>; N])> {
    let mut sql = String::from(
        "SELECT (SELECT criticality FROM services WHERE id = $1),
                EXISTS (SELECT 1 FROM organizations WHERE id = $2),
                EXISTS (SELECT 1 FROM users WHERE id = $3),
                EXISTS (SELECT 1 FROM cis WHERE id = $4)",
    );
    for i in 0..N {
        sql.push_str(&format!(
            ", (SELECT value FROM settings WHERE key = ${})",
            i + 5
        ));
    }
    let row = on!(ex, c => {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(service).bind(organization).bind(requester).bind(ci);
        for k in keys {
            q = q.bind(k);
        }
        q.fetch_one(c).await.and_then(|row| {
            let found = References {
                service_criticality: row.try_get(0)?,
                organization: row.try_get(1)?,
                requester: row.try_get(2)?,
                ci: row.try_get(3)?,
            };
            let mut settings = [const { None }; N];
            for (i, value) in settings.iter_mut().enumerate() {
                *value = row.try_get(i + 4)?;
            }
            Ok((found, settings))
        })
    })?;
    Ok(row)
}

/// Moves the per-status counts of a kind, in one statement. The rows are upserted in the
/// order of their status, so that two commands moving tickets in opposite directions lock
/// them in the same order (on PostgreSQL they would otherwise deadlock each other).
pub(crate) async fn count_statuses(
    ex: Ex<'_>,
    kind: TicketKind,
    deltas: &[(Status, i64)],
) -> Result<()> {
    let mut merged = std::collections::BTreeMap::new();
    for (status, delta) in deltas {
        *merged.entry(status.as_str()).or_insert(0) += delta;
    }
    merged.retain(|_, delta| *delta != 0);
    if merged.is_empty() {
        return Ok(());
    }
    let mut sql = Sql::new("INSERT INTO ticket_status_counts (kind, status, n) VALUES ");
    for (i, (status, delta)) in merged.into_iter().enumerate() {
        if i > 0 {
            sql.push(", ");
        }
        sql.row([kind.as_str().into(), status.into(), delta.into()]);
    }
    sql.push(" ON CONFLICT (kind, status) DO UPDATE SET n = ticket_status_counts.n + excluded.n");
    on!(ex, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text.clone())), &sql.args)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Any kind of ticket by id alone (attachments and links name tickets of every kind).
pub async fn get_any(ex: Ex<'_>, id: i64) -> Result<Option<Ticket>> {
    let sql = format!("{SELECT} WHERE id = $1");
    let row: Option<Row> = on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id).fetch_optional(c).await)?;
    Ok(row.map(Into::into))
}

pub async fn get(ex: Ex<'_>, kind: TicketKind, id: i64) -> Result<Option<Ticket>> {
    // By primary key alone, the kind checked after: a planner without statistics (PostgreSQL
    // before its first ANALYZE) once chose the (kind, status) index for `id AND kind` and
    // scanned every incident.
    Ok(get_any(ex, id).await?.filter(|t| t.kind == kind))
}

/// Writes a new lifecycle state, stamping when it was resolved or closed.
pub async fn update_lifecycle(
    mut ex: Ex<'_>,
    id: i64,
    from: Status,
    l: &Lifecycle,
    reassigned: bool,
    now: i64,
) -> Result<()> {
    if from != l.status {
        count_statuses(ex.by_ref(), l.kind, &[(from, -1), (l.status, 1)]).await?;
    }
    let resolved_at = l.status.has_resolution().then_some(now);
    let closed_at = l.status.is_final().then_some(now);
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET status = $2, pending_reason = $3, resolution_code = $4, resolution_notes = $5,
         team_id = $6, assignee_id = $7, reopen_count = $8, root_cause = $13, workaround = $14,
         reassignment_count = reassignment_count + $9,
         resolved_at = CASE WHEN $10 IS NULL THEN NULL ELSE COALESCE(resolved_at, $10) END,
         closed_at = COALESCE(closed_at, $11), updated_at = $12 WHERE id = $1")
        .bind(id).bind(l.status.as_str()).bind(l.pending_reason.map(|r| r.as_str())).bind(&l.resolution_code)
        .bind(&l.resolution_notes).bind(l.team_id).bind(l.assignee_id).bind(l.reopen_count)
        .bind(i64::from(reassigned)).bind(resolved_at).bind(closed_at).bind(now)
        .bind(&l.root_cause).bind(&l.workaround)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// What an edit writes: the fields a person can change after opening, and the priority
/// they give.
pub struct Fields<'a> {
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub impact: Level,
    pub urgency: Level,
    pub priority: Priority,
    pub service_id: Option<i64>,
    pub category: Option<&'a str>,
    pub ci_id: Option<i64>,
}

pub async fn update_fields(ex: Ex<'_>, id: i64, f: &Fields<'_>, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query(
        "UPDATE tickets SET title = $2, description = $3, impact = $4, urgency = $5, priority = $6,
         service_id = $7, category = $8, ci_id = $9, updated_at = $10 WHERE id = $1")
        .bind(id).bind(f.title).bind(f.description).bind(f.impact.as_str()).bind(f.urgency.as_str())
        .bind(i64::from(f.priority.level())).bind(f.service_id).bind(f.category).bind(f.ci_id)
        .bind(now)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// The tickets whose number, or known-error number, is one of `numbers`, in one query (each
/// column has a unique index).
pub async fn by_numbers(ex: Ex<'_>, numbers: &[String]) -> Result<Vec<Ticket>> {
    if numbers.is_empty() {
        return Ok(Vec::new());
    }
    let list = || numbers.iter().map(|n| Arg::from(n.clone()));
    let mut sql = Sql::new(&format!("{SELECT} WHERE number IN "));
    sql.row(list())
        .push(" OR known_error_number IN ")
        .row(list())
        .push(" ORDER BY id");
    let rows: Vec<Row> = on!(ex, c => bind_args!(sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args)
        .fetch_all(c).await)?;
    Ok(rows.into_iter().map(Into::into).collect())
}

#[allow(clippy::too_many_arguments)]
pub async fn add_event(
    ex: Ex<'_>,
    ticket: i64,
    at: i64,
    actor_id: Option<i64>,
    actor: &str,
    event: &str,
    from: Option<&str>,
    to: Option<&str>,
    detail: Option<&serde_json::Value>,
) -> Result<()> {
    on!(ex, c => sqlx::query(concat!(insert_event!(), " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"))
        .bind(ticket).bind(at).bind(actor_id).bind(actor).bind(event).bind(from).bind(to)
        .bind(detail.map(|d| d.to_string()))
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

pub async fn timeline(ex: Ex<'_>, ticket: i64) -> Result<Vec<TicketEvent>> {
    type EventRow = (
        i64,
        Option<i64>,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    );
    let rows: Vec<EventRow> = on!(ex, c => sqlx::query_as(
        "SELECT at, actor_id, actor, event, from_status, to_status, detail FROM ticket_events
         WHERE ticket_id = $1 ORDER BY id")
        .bind(ticket).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(at, actor_id, actor, event, from_status, to_status, detail)| TicketEvent {
                at: rfc3339_micros(at),
                actor_id,
                actor,
                event,
                from_status,
                to_status,
                detail: detail.and_then(|d| serde_json::from_str(&d).ok()),
            },
        )
        .collect())
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub status: Option<String>,
    pub priority: Option<i64>,
    pub organization: Option<i64>,
    pub team: Option<i64>,
    pub assignee: Option<i64>,
    pub service: Option<i64>,
    /// Microseconds, inclusive / exclusive.
    pub opened_from: Option<i64>,
    pub opened_to: Option<i64>,
}

/// The ORDER BY of a sort, ending in the id so that pages are stable.
fn order_by(sort: TicketSort) -> &'static str {
    match (sort.key, sort.descending) {
        (SortKey::OpenedAt, false) => "opened_at, id",
        (SortKey::OpenedAt, true) => "opened_at DESC, id DESC",
        (SortKey::Priority, false) => "priority, opened_at, id",
        (SortKey::Priority, true) => "priority DESC, opened_at, id",
        (SortKey::UpdatedAt, false) => "updated_at, id",
        (SortKey::UpdatedAt, true) => "updated_at DESC, id DESC",
        (SortKey::Number, false) => "id",
        (SortKey::Number, true) => "id DESC",
    }
}

pub async fn list(
    ex: Ex<'_>,
    kind: TicketKind,
    f: &Filter,
    sort: TicketSort,
    page: PageRequest,
) -> Result<Listed> {
    let mut filter = Sql::new(" WHERE kind = ");
    filter.bind(kind.as_str());
    filter.and_opt("status =", f.status.clone());
    filter.and_opt("priority =", f.priority);
    filter.and_opt("organization_id =", f.organization);
    filter.and_opt("team_id =", f.team);
    filter.and_opt("assignee_id =", f.assignee);
    filter.and_opt("service_id =", f.service);
    filter.and_opt("opened_at >=", f.opened_from);
    filter.and_opt("opened_at <", f.opened_to);
    let only_status = Filter {
        status: None,
        ..f.clone()
    };
    let by_kind_and_status = only_status.priority.is_none()
        && only_status.organization.is_none()
        && only_status.team.is_none()
        && only_status.assignee.is_none()
        && only_status.service.is_none()
        && only_status.opened_from.is_none()
        && only_status.opened_to.is_none();
    let mut count = Sql::new("SELECT COUNT(*) FROM (SELECT 1 FROM tickets");
    count.push(&filter.text);
    count.args = filter.args.clone();
    let mut listing = Listing::new(SELECT, "FROM tickets", filter, order_by(sort), page);
    if by_kind_and_status {
        // The kept per-status counts answer without counting rows.
        let mut count = Sql::new(
            "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ticket_status_counts WHERE kind = ",
        );
        count.bind(kind.as_str());
        count.and_opt("status =", f.status.clone());
        listing.count = count;
    } else {
        // Counting every match grows with the matches; past the cap "at least" is said.
        count
            .push(" LIMIT ")
            .bind(LIST_COUNT_CAP + 1)
            .push(") AS matches");
        listing.count = count;
    }
    let (rows, total) = fetch_listing!(ex, listing, Row)?;
    let capped = !by_kind_and_status && total > LIST_COUNT_CAP;
    Ok(Listed {
        items: rows.into_iter().map(Into::into).collect(),
        total: if capped { LIST_COUNT_CAP } else { total },
        capped,
    })
}

/// A page of tickets and how many match (at least, when `capped`).
pub struct Listed {
    pub items: Vec<Ticket>,
    pub total: i64,
    pub capped: bool,
}

pub async fn add_comment(
    ex: Ex<'_>,
    ticket: i64,
    at: i64,
    author_id: Option<i64>,
    author: &str,
    c: &steward_domain::resolution::ticket::CommentDraft,
) -> Result<i64> {
    Ok(on!(ex, conn => sqlx::query_scalar(
        "INSERT INTO ticket_comments (ticket_id, at, author_id, author, public, body, time_spent_minutes)
         VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
        .bind(ticket).bind(at).bind(author_id).bind(author).bind(c.public).bind(&c.body).bind(c.time_spent_minutes)
        .fetch_one(conn).await)?)
}

/// The work log, oldest first; internal notes only when `internal` is true.
pub async fn comments(
    ex: Ex<'_>,
    ticket: i64,
    internal: bool,
) -> Result<Vec<steward_domain::resolution::ticket::Comment>> {
    type CommentRow = (i64, i64, Option<i64>, String, bool, String, i64);
    let rows: Vec<CommentRow> = on!(ex, c => sqlx::query_as(
        "SELECT id, at, author_id, author, public, body, time_spent_minutes FROM ticket_comments
         WHERE ticket_id = $1 AND (public OR $2) ORDER BY id")
        .bind(ticket).bind(internal).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(
            |(id, at, author_id, author, public, body, time_spent_minutes)| {
                steward_domain::resolution::ticket::Comment {
                    id,
                    at: rfc3339_micros(at),
                    author_id,
                    author,
                    public,
                    body,
                    time_spent_minutes,
                }
            },
        )
        .collect())
}

/// Resolved incidents whose resolution is older than `before` (microseconds).
pub async fn resolved_before(ex: Ex<'_>, before: i64, limit: i64) -> Result<Vec<i64>> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT id FROM tickets WHERE kind IN ('incident', 'request') AND status = 'resolved' AND resolved_at < $1
         ORDER BY resolved_at LIMIT $2")
        .bind(before).bind(limit).fetch_all(c).await)?)
}

/// Groups of incidents opened since `since` that share a service, a CI or a category, with at
/// least `min` incidents each — candidates for a problem record. `dimension` is one of the
/// three columns named in code, never input.
pub async fn incident_clusters(
    ex: Ex<'_>,
    dimension: &'static str,
    since: i64,
    min: i64,
) -> Result<Vec<(String, i64, i64)>> {
    let column = match dimension {
        "service" => "CAST(service_id AS TEXT)",
        "ci" => "CAST(ci_id AS TEXT)",
        _ => "category",
    };
    let sql = format!(
        "SELECT {column}, COUNT(*), MAX(opened_at) FROM tickets
         WHERE kind = 'incident' AND opened_at >= $1 AND {column} IS NOT NULL
         GROUP BY {column} HAVING COUNT(*) >= $2 ORDER BY COUNT(*) DESC, {column}"
    );
    Ok(
        on!(ex, c => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(since).bind(min).fetch_all(c).await)?,
    )
}

/// Tickets of a service and organization opened since `since` (a month's workload).
pub async fn count_opened(ex: Ex<'_>, service: i64, organization: i64, since: i64) -> Result<i64> {
    Ok(on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM tickets WHERE service_id = $1 AND organization_id = $2 AND opened_at >= $3")
        .bind(service).bind(organization).bind(since).fetch_one(c).await)?)
}

pub async fn set_priority(ex: Ex<'_>, id: i64, priority: Priority, now: i64) -> Result<()> {
    on!(ex, c => sqlx::query("UPDATE tickets SET priority = $2, updated_at = $3 WHERE id = $1")
        .bind(id).bind(i64::from(priority.level())).bind(now).execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Whether a major incident raised against the service is still open.
pub async fn open_major_on_service(ex: Ex<'_>, service: i64) -> Result<bool> {
    let n: i64 = on!(ex, c => sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT 1 FROM tickets WHERE service_id = $1 AND kind = 'incident'
           AND major = TRUE AND status NOT IN ('resolved', 'closed', 'cancelled', 'rejected') LIMIT 1) AS m")
        .bind(service).fetch_one(c).await)?;
    Ok(n > 0)
}
