//! Writing imported history: tickets, their timelines, search documents and where each came
//! from, in multi-row statements so tens of thousands of records go in within seconds — or,
//! on PostgreSQL and when asked ([`Load::Copy`]), streamed with `COPY … FROM STDIN`: the same
//! tables, columns and values, built by the same code, only sent another way.
use crate::sql::{Arg, Sql, bind_args};
use crate::{Ex, Result, on};
use sqlx::PgConnection;
use std::collections::HashMap;
use std::fmt::Write as _;
use steward_domain::reporting::history::ImportedRecord;
use steward_domain::resolution::search::scope_term;
use steward_domain::resolution::ticket::{Priority, TicketKind};
use steward_domain::resolution::workflow::Status;

/// Rows per statement: well under both backends' limits on bound values.
const BATCH: usize = 400;

/// Bound values per statement on SQLite. The inserts bind anonymous `?` placeholders
/// ([`Sql::anonymous`]): with numbered ones every bind looked the parameter's name up in a
/// list, so binding grew with the square of the count (a third of the UCI import's database
/// time at 240 values). Without names, fewer and larger statements cost less per row.
const SQLITE_VALUES: usize = 2_000;

/// A statement built from bound values only: on SQLite with anonymous placeholders.
fn statement(ex: &Ex<'_>, text: &str) -> Sql {
    let mut sql = Sql::new(text);
    sql.anonymous = matches!(ex, Ex::Sqlite(_));
    sql
}

/// Rows of `columns` bound values each to write per statement on this backend.
fn rows_per_statement(ex: &Ex<'_>, rows: usize, columns: usize) -> usize {
    match ex {
        Ex::Sqlite(_) => (SQLITE_VALUES / columns).clamp(1, rows),
        Ex::Postgres(_) => rows,
    }
}

/// How an import sends the rows of the records it creates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Load {
    /// Multi-row `INSERT` statements, on both backends.
    #[default]
    Insert,
    /// `COPY … FROM STDIN` in PostgreSQL's text format: the same rows, without parsing and
    /// planning a statement per few hundred rows. PostgreSQL only; on SQLite it means
    /// [`Load::Insert`] (the use case refuses it there before anything is written).
    Copy,
}

/// Writes `rows` (each a value per column of `columns`) into `table`: multi-row inserts with
/// `tail` after the values (an `ON CONFLICT` clause, say), or COPY. COPY cannot resolve a
/// conflict, so a caller passes [`Load::Copy`] only for rows that cannot conflict.
async fn write_rows(
    ex: Ex<'_>,
    load: Load,
    table: &str,
    columns: &[&str],
    tail: &str,
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    match (load, ex) {
        (Load::Copy, Ex::Postgres(c)) => copy_rows(c, table, columns, &rows).await,
        (_, ex) => {
            let head = format!("INSERT INTO {table} ({}) VALUES ", columns.join(", "));
            insert_rows(ex, &head, tail, columns.len(), rows).await
        }
    }
}

/// Bytes of COPY data sent per message group: big enough that sends are few, small enough
/// that a batch's buffer stays a few megabytes.
const COPY_CHUNK: usize = 1 << 20;

/// Streams `rows` into `table` with `COPY … FROM STDIN` (text format).
async fn copy_rows(
    c: &mut PgConnection,
    table: &str,
    columns: &[&str],
    rows: &[Vec<Arg>],
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let statement = format!("COPY {table} ({}) FROM STDIN", columns.join(", "));
    let mut copy = c.copy_in_raw(&statement).await?;
    let mut buf = String::with_capacity(COPY_CHUNK + 4096);
    for row in rows {
        copy_line(&mut buf, row);
        if buf.len() >= COPY_CHUNK {
            let sent = copy.send(buf.as_bytes()).await.map(|_| ());
            if let Err(e) = sent {
                let _ = copy.abort("sending failed").await;
                return Err(e.into());
            }
            buf.clear();
        }
    }
    if !buf.is_empty() {
        let sent = copy.send(buf.as_bytes()).await.map(|_| ());
        if let Err(e) = sent {
            let _ = copy.abort("sending failed").await;
            return Err(e.into());
        }
    }
    copy.finish().await?;
    Ok(())
}

/// One row in COPY's text format: values separated by tabs, `\N` for NULL, and backslash,
/// tab, newline and carriage return escaped.
fn copy_line(buf: &mut String, row: &[Arg]) {
    for (i, v) in row.iter().enumerate() {
        if i > 0 {
            buf.push('\t');
        }
        match v {
            Arg::I64(n) | Arg::OptI64(Some(n)) => {
                let _ = write!(buf, "{n}");
            }
            Arg::Bool(b) => buf.push(if *b { 't' } else { 'f' }),
            Arg::Text(s) | Arg::OptText(Some(s)) => {
                for ch in s.chars() {
                    match ch {
                        '\\' => buf.push_str("\\\\"),
                        '\t' => buf.push_str("\\t"),
                        '\n' => buf.push_str("\\n"),
                        '\r' => buf.push_str("\\r"),
                        ch => buf.push(ch),
                    }
                }
            }
            Arg::OptI64(None) | Arg::OptText(None) => buf.push_str("\\N"),
        }
    }
    buf.push('\n');
}

/// An imported ticket already in the database.
#[derive(Debug, Clone)]
pub struct Existing {
    pub ticket_id: i64,
    pub digest: String,
    pub status: Status,
}

/// Every ticket imported earlier from `source`, by its external key.
pub async fn existing(ex: Ex<'_>, source: &str) -> Result<HashMap<String, Existing>> {
    let rows: Vec<(String, i64, String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT i.external_key, i.ticket_id, i.digest, t.status FROM ticket_imports i
         JOIN tickets t ON t.id = i.ticket_id WHERE i.source = $1")
        .bind(source).fetch_all(c).await)?;
    Ok(rows
        .into_iter()
        .map(|(key, ticket_id, digest, status)| {
            let status = Status::parse(&status).unwrap_or(Status::New);
            (
                key,
                Existing {
                    ticket_id,
                    digest,
                    status,
                },
            )
        })
        .collect())
}

/// Refreshes PostgreSQL's statistics of the tables an import's batches look records up in
/// (SQLite: nothing; its planner does not need them for these lookups). The rows an import
/// wrote are in its own transaction, where autovacuum cannot see them, so without this the
/// lookups of a large import were planned for the tables as they were before it, a few pages:
/// at 70,000 imported incidents each batch's lookup scanned every row written so far, and a
/// million took hours. `ANALYZE` in the importing transaction samples its own rows.
pub async fn refresh_statistics(ex: Ex<'_>) -> Result<()> {
    if let Ex::Postgres(c) = ex {
        sqlx::query("ANALYZE tickets, ticket_imports")
            .execute(c)
            .await?;
    }
    Ok(())
}

/// The tickets imported earlier from `source` under these keys: looked up a batch at a
/// time, so a re-import holds the keys of the records in flight, not of the whole source.
pub async fn existing_keys(
    ex: Ex<'_>,
    source: &str,
    keys: &[&str],
) -> Result<HashMap<String, Existing>> {
    let mut found = HashMap::with_capacity(keys.len());
    let mut ex = ex;
    let per = rows_per_statement(&ex, BATCH, 1);
    for chunk in keys.chunks(per) {
        let mut sql = statement(
            &ex,
            "SELECT i.external_key, i.ticket_id, i.digest, t.status FROM ticket_imports i
             JOIN tickets t ON t.id = i.ticket_id WHERE i.source = ",
        );
        sql.bind(source).push(" AND i.external_key IN (");
        for (i, k) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(*k);
        }
        sql.push(")");
        let rows: Vec<(String, i64, String, String)> = on!(ex.by_ref(), c => bind_args!(
            sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
        for (key, ticket_id, digest, status) in rows {
            let status = Status::parse(&status).unwrap_or(Status::New);
            found.insert(
                key,
                Existing {
                    ticket_id,
                    digest,
                    status,
                },
            );
        }
    }
    Ok(found)
}

/// Numbers already taken by tickets that were not imported from this source.
pub async fn numbers_taken(ex: Ex<'_>, source: &str, numbers: &[String]) -> Result<Vec<String>> {
    let mut taken = Vec::new();
    let mut ex = ex;
    let per = rows_per_statement(&ex, BATCH, 1);
    for chunk in numbers.chunks(per) {
        let mut sql = statement(
            &ex,
            "SELECT t.number FROM tickets t LEFT JOIN ticket_imports i ON i.ticket_id = t.id
             WHERE (i.source IS NULL OR i.source <> ",
        );
        sql.bind(source).push(") AND t.number IN (");
        for (i, n) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.bind(n.as_str());
        }
        sql.push(")");
        let found: Vec<String> = on!(ex.by_ref(), c => bind_args!(
            sqlx::query_scalar(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
        taken.extend(found);
    }
    Ok(taken)
}

/// One record to write, with its references resolved.
pub struct ImportRow<'a> {
    pub record: &'a ImportedRecord,
    pub kind: TicketKind,
    pub priority: Priority,
    pub team_id: Option<i64>,
    pub service_id: Option<i64>,
    pub organization_id: Option<i64>,
    pub responded_at: Option<i64>,
    /// `met` / `breached` from the source's own SLA verdict.
    pub resolution_outcome: Option<&'static str>,
    /// The system the record came from, kept on the ticket for reports.
    pub source: &'a str,
}

const TICKET_COLUMNS: [&str; 26] = [
    "kind",
    "number",
    "title",
    "description",
    "status",
    "impact",
    "urgency",
    "priority",
    "category",
    "channel",
    "organization_id",
    "service_id",
    "team_id",
    "pending_reason",
    "resolution_code",
    "resolution_notes",
    "reassignment_count",
    "reopen_count",
    "opened_at",
    "updated_at",
    "resolved_at",
    "closed_at",
    "responded_at",
    "resolution_outcome",
    "import_source",
    "major",
];

fn ticket_values(r: &ImportRow<'_>) -> [Arg; 26] {
    let d = r.record;
    [
        r.kind.as_str().into(),
        d.number.as_str().into(),
        d.title.as_str().into(),
        d.description.clone().into(),
        d.status.as_str().into(),
        d.impact.as_str().into(),
        d.urgency.as_str().into(),
        i64::from(r.priority.level()).into(),
        d.category.clone().into(),
        d.channel.as_str().into(),
        r.organization_id.into(),
        r.service_id.into(),
        r.team_id.into(),
        d.pending_reason.map(|p| p.as_str()).into(),
        d.resolution_code.clone().into(),
        d.resolution_notes.clone().into(),
        d.reassignment_count.into(),
        d.reopen_count.into(),
        d.opened_at.into(),
        d.updated_at.into(),
        d.resolved_at.into(),
        d.closed_at.into(),
        r.responded_at.into(),
        r.resolution_outcome.into(),
        r.source.into(),
        d.major.into(),
    ]
}

/// Writes `rows` of `columns` values each with multi-row inserts: `head` is the statement up
/// to `VALUES `, `tail` what follows the values (an `ON CONFLICT` clause, say).
async fn insert_rows(
    mut ex: Ex<'_>,
    head: &str,
    tail: &str,
    columns: usize,
    rows: Vec<Vec<Arg>>,
) -> Result<()> {
    let per = rows_per_statement(&ex, BATCH, columns);
    debug_assert!(
        !head.contains('$') && !tail.contains('$'),
        "numbered placeholders"
    );
    for chunk in rows.chunks(per) {
        let mut sql = statement(&ex, head);
        for (i, row) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.row(row.iter().cloned());
        }
        sql.push(tail);
        on!(ex.by_ref(), c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// Inserts new tickets; returns their ids by number. With [`Load::Copy`] the ids are taken
/// from the table's sequence first, in the rows' order (as the inserts would take them), and
/// written with the rows.
pub async fn insert_tickets(
    mut ex: Ex<'_>,
    load: Load,
    rows: &[ImportRow<'_>],
) -> Result<HashMap<String, i64>> {
    let mut ids = HashMap::with_capacity(rows.len());
    if let (Load::Copy, Ex::Postgres(c)) = (load, ex.by_ref()) {
        if rows.is_empty() {
            return Ok(ids);
        }
        let mut taken: Vec<i64> = sqlx::query_scalar(
            "SELECT nextval(pg_get_serial_sequence('tickets', 'id')) FROM generate_series(1, $1)",
        )
        .bind(i64::try_from(rows.len()).unwrap_or(i64::MAX))
        .fetch_all(&mut *c)
        .await?;
        taken.sort_unstable();
        let mut columns = vec!["id"];
        columns.extend(TICKET_COLUMNS);
        let values: Vec<Vec<Arg>> = rows
            .iter()
            .zip(&taken)
            .map(|(r, id)| {
                let mut row = Vec::with_capacity(columns.len());
                row.push(Arg::I64(*id));
                row.extend(ticket_values(r));
                row
            })
            .collect();
        copy_rows(c, "tickets", &columns, &values).await?;
        ids.extend(
            rows.iter()
                .zip(taken)
                .map(|(r, id)| (r.record.number.clone(), id)),
        );
        return Ok(ids);
    }
    let per = rows_per_statement(&ex, BATCH / 2, 26);
    for chunk in rows.chunks(per) {
        let mut sql = statement(&ex, "INSERT INTO tickets (");
        sql.push(&TICKET_COLUMNS.join(", ")).push(") VALUES ");
        for (i, r) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(", ");
            }
            sql.row(ticket_values(r));
        }
        sql.push(" RETURNING id, number");
        let got: Vec<(i64, String)> = on!(ex.by_ref(), c => bind_args!(
            sqlx::query_as(sqlx::AssertSqlSafe(sql.text)), &sql.args).fetch_all(c).await)?;
        ids.extend(got.into_iter().map(|(id, n)| (n, id)));
    }
    Ok(ids)
}

/// Rewrites an imported ticket with its record's latest state.
pub async fn update_ticket(ex: Ex<'_>, id: i64, r: &ImportRow<'_>) -> Result<()> {
    let mut sql = statement(&ex, "UPDATE tickets SET (");
    sql.push(&TICKET_COLUMNS.join(", ")).push(") = ");
    sql.row(ticket_values(r));
    sql.push(" WHERE id = ").bind(id);
    on!(ex, c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Removes what an earlier import wrote for these tickets, before it is written again.
pub async fn clear_history(mut ex: Ex<'_>, ids: &[i64]) -> Result<()> {
    let per = rows_per_statement(&ex, BATCH, 1);
    for chunk in ids.chunks(per) {
        if let Ex::Postgres(c) = &mut ex {
            // Their words first, while the documents still say which words they hold.
            crate::resolution::search::ticket_terms(c, chunk, false).await?;
        }
        for table in ["ticket_events", "search_docs"] {
            let mut sql = statement(&ex, &format!("DELETE FROM {table} WHERE ticket_id IN "));
            sql.in_list(chunk);
            if table == "search_docs" {
                sql.push(" AND source = 'ticket'");
            }
            on!(ex.by_ref(), c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
                .execute(c).await.map(|_| ()))?;
        }
        let mut sql = statement(&ex, "UPDATE tickets SET sla_id = NULL WHERE id IN ");
        sql.in_list(chunk);
        on!(ex.by_ref(), c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}

/// A timeline entry of an imported ticket.
pub struct EventRow {
    pub ticket_id: i64,
    pub at: i64,
    pub actor: String,
    pub event: &'static str,
    pub from: Option<String>,
    pub to: Option<String>,
    pub detail: Option<String>,
}

pub async fn insert_events(ex: Ex<'_>, load: Load, rows: &[EventRow]) -> Result<()> {
    let values = rows
        .iter()
        .map(|e| {
            vec![
                e.ticket_id.into(),
                e.at.into(),
                e.actor.as_str().into(),
                e.event.into(),
                e.from.clone().into(),
                e.to.clone().into(),
                e.detail.clone().into(),
            ]
        })
        .collect();
    write_rows(
        ex,
        load,
        "ticket_events",
        &[
            "ticket_id",
            "at",
            "actor",
            "event",
            "from_status",
            "to_status",
            "detail",
        ],
        "",
        values,
    )
    .await
}

/// The search document of each ticket: `(ticket, organization, title, body)`.
pub async fn insert_search_docs(
    mut ex: Ex<'_>,
    load: Load,
    rows: &[(i64, Option<i64>, &str, &str)],
) -> Result<()> {
    let values = rows
        .iter()
        .map(|(ticket, organization, title, body)| {
            vec![
                (*ticket).into(),
                "ticket".into(),
                true.into(),
                scope_term(true, *organization).into(),
                (*title).into(),
                (*body).into(),
            ]
        })
        .collect();
    write_rows(
        ex.by_ref(),
        load,
        "search_docs",
        &["ticket_id", "source", "public", "scope", "title", "body"],
        "",
        values,
    )
    .await?;
    if let Ex::Postgres(c) = ex {
        let tickets: Vec<i64> = rows.iter().map(|(t, ..)| *t).collect();
        crate::resolution::search::ticket_terms(c, &tickets, true).await?;
    }
    Ok(())
}

/// Where an imported ticket came from.
pub struct Provenance<'a> {
    pub ticket_id: i64,
    pub key: &'a str,
    pub attributes: String,
    pub digest: &'a str,
    pub first_line: i64,
}

/// Writes where each ticket came from, replacing what an earlier import wrote for it. Pass
/// [`Load::Copy`] only for tickets this import created (COPY cannot replace a row).
pub async fn upsert_provenance(
    ex: Ex<'_>,
    load: Load,
    source: &str,
    rows: &[Provenance<'_>],
    now: i64,
) -> Result<()> {
    let values = rows
        .iter()
        .map(|p| {
            vec![
                p.ticket_id.into(),
                source.into(),
                p.key.into(),
                p.attributes.as_str().into(),
                p.digest.into(),
                p.first_line.into(),
                now.into(),
            ]
        })
        .collect();
    write_rows(
        ex,
        load,
        "ticket_imports",
        &[
            "ticket_id",
            "source",
            "external_key",
            "attributes",
            "digest",
            "first_line",
            "imported_at",
        ],
        " ON CONFLICT (ticket_id) DO UPDATE SET attributes = excluded.attributes,
          digest = excluded.digest, first_line = excluded.first_line,
          imported_at = excluded.imported_at",
        values,
    )
    .await
}

/// Moves the per-status counts by the imported tickets' changes, in one statement.
pub async fn count_statuses(
    ex: Ex<'_>,
    kind: TicketKind,
    deltas: &HashMap<Status, i64>,
) -> Result<()> {
    let deltas: Vec<(Status, i64)> = deltas.iter().map(|(s, d)| (*s, *d)).collect();
    crate::resolution::tickets::count_statuses(ex, kind, &deltas).await
}

/// The custom attributes an import kept on a ticket.
pub async fn attributes(ex: Ex<'_>, ticket: i64) -> Result<Option<(String, String)>> {
    let row: Option<(String, String)> = on!(ex, c => sqlx::query_as(
        "SELECT source, attributes FROM ticket_imports WHERE ticket_id = $1")
        .bind(ticket).fetch_optional(c).await)?;
    Ok(row)
}

/// Forgets the SLA clocks of re-imported tickets, which are computed again from their history.
pub async fn clear_clocks(mut ex: Ex<'_>, ids: &[i64]) -> Result<()> {
    let per = rows_per_statement(&ex, BATCH, 1);
    for chunk in ids.chunks(per) {
        for table in [
            "ticket_clock_events",
            "ticket_clock_deadlines",
            "agreement_clock_deadlines",
            "ticket_slas",
        ] {
            let mut sql = statement(&ex, &format!("DELETE FROM {table} WHERE ticket_id IN "));
            sql.in_list(chunk);
            on!(ex.by_ref(), c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
                .execute(c).await.map(|_| ()))?;
        }
        let mut sql = statement(&ex, "UPDATE tickets SET sla_id = NULL WHERE id IN ");
        sql.in_list(chunk);
        on!(ex.by_ref(), c => bind_args!(sqlx::query(sqlx::AssertSqlSafe(sql.text)), &sql.args)
            .execute(c).await.map(|_| ()))?;
    }
    Ok(())
}
