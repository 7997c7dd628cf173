//! Indexing ticket text and searching it: FTS5 on SQLite, tsvector on PostgreSQL, both ranked
//! and with highlighted snippets, and both filtered to what the caller may see.
use crate::{Ex, Result};
use steward_domain::resolution::search::{SearchHit, fts5_exact, fts5_query, tsquery};

pub async fn index(
    ex: Ex<'_>,
    ticket: i64,
    source: &str,
    public: bool,
    title: &str,
    body: &str,
) -> Result<()> {
    crate::on!(ex, c => sqlx::query(
        "INSERT INTO search_docs (ticket_id, source, public, title, body) VALUES ($1, $2, $3, $4, $5)")
        .bind(ticket).bind(source).bind(public).bind(title).bind(body)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Rewrites a ticket's own text (title and description) after an edit.
pub async fn reindex_ticket(ex: Ex<'_>, ticket: i64, title: &str, body: &str) -> Result<()> {
    crate::on!(ex, c => sqlx::query(
        "UPDATE search_docs SET title = $2, body = $3 WHERE ticket_id = $1 AND source = 'ticket'")
        .bind(ticket).bind(title).bind(body)
        .execute(c).await.map(|_| ()))?;
    Ok(())
}

/// Who searches: staff see internal notes and every organization; a customer only public
/// text of its own organization's tickets.
#[derive(Debug, Clone, Copy)]
pub struct Audience {
    pub staff: bool,
    pub organization: Option<i64>,
}

type HitRow = (i64, String, String, String, String, String, f64);

/// How many of the newest matching documents a search ranks. A word that occurs in a large
/// share of a million tickets would otherwise have every match scored on every search; people
/// searching a service desk want recent tickets, and a more specific query narrows the set.
pub const CANDIDATES: i64 = 2000;

/// Tickets matching every term, best first: one hit per ticket, with the total and whether
/// the newest [`CANDIDATES`] matching documents were all that was ranked (then the total
/// counts only their tickets).
pub async fn search(
    ex: Ex<'_>,
    terms: &[String],
    who: Audience,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SearchHit>, i64, bool)> {
    if terms.is_empty() {
        return Ok((Vec::new(), 0, false));
    }
    let (rows, total, capped): (Vec<HitRow>, i64, bool) = match ex {
        Ex::Sqlite(c) => {
            let q = fts5_query(terms);
            // Rank per document, keep each ticket's best document, then page.
            let matches = "SELECT d.ticket_id, d.id AS doc, bm25(search_fts, 5.0, 1.0) AS rank
                 FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
                 JOIN tickets t ON t.id = d.ticket_id
                 WHERE search_fts MATCH $1 AND (d.public OR $2) AND ($3 IS NULL OR t.organization_id = $3)
                 ORDER BY search_fts.rowid DESC LIMIT $4";
            // FTS5's ranking function works only in the query that does the MATCH, so that query
            // is materialized once, and the page, the totals and the snippets come from it. A
            // snippet re-matches its one document by rowid with the exact terms: a prefix
            // query would expand over every matching document again for each hit.
            type PageRow = (
                i64,
                String,
                String,
                String,
                String,
                Option<String>,
                f64,
                i64,
                i64,
            );
            let page: Vec<PageRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "WITH m AS MATERIALIZED ({matches}),
                 best AS (
                     -- SQLite takes the bare `doc` from the row holding the MIN: the best
                     -- document of each ticket.
                     SELECT ticket_id, doc, MIN(rank) AS rank FROM m GROUP BY ticket_id
                     ORDER BY rank, ticket_id LIMIT $5 OFFSET $6
                 )
                 SELECT t.id, t.kind, t.number, t.title, t.status,
                        (SELECT snippet(search_fts, -1, '[', ']', '…', 12)
                         FROM search_fts WHERE search_fts MATCH $7 AND search_fts.rowid = best.doc),
                        -best.rank,
                        (SELECT COUNT(*) FROM m), (SELECT COUNT(DISTINCT ticket_id) FROM m)
                 FROM best JOIN tickets t ON t.id = best.ticket_id ORDER BY best.rank, t.id"
            )))
            .bind(&q)
            .bind(who.staff)
            .bind(who.organization)
            .bind(CANDIDATES)
            .bind(limit)
            .bind(offset)
            .bind(fts5_exact(terms))
            .fetch_all(&mut *c)
            .await?;
            let (docs, total) = match page.first() {
                Some(r) => (r.7, r.8),
                // Past the last page: the totals still count.
                None => sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "WITH m AS MATERIALIZED ({matches}) SELECT COUNT(*), COUNT(DISTINCT ticket_id) FROM m"
                )))
                .bind(&q)
                .bind(who.staff)
                .bind(who.organization)
                .bind(CANDIDATES)
                .fetch_one(&mut *c)
                .await?,
            };
            let rows: Vec<HitRow> = page
                .into_iter()
                .map(|(id, kind, number, title, status, snippet, score, ..)| {
                    // A prefix-only match has no exact term to highlight: show the title.
                    let snippet = snippet
                        .filter(|s| !s.is_empty())
                        .unwrap_or_else(|| title.clone());
                    (id, kind, number, title, status, snippet, score)
                })
                .collect();
            (rows, total, docs >= CANDIDATES)
        }
        Ex::Postgres(c) => {
            let q = tsquery(terms);
            let matches = "SELECT d.ticket_id, d.id AS doc, ts_rank(d.tsv, query) AS rank
                 FROM search_docs d CROSS JOIN to_tsquery('simple', $1) query
                 JOIN tickets t ON t.id = d.ticket_id
                 WHERE d.tsv @@ query AND (d.public OR $2) AND ($3::BIGINT IS NULL OR t.organization_id = $3)
                 ORDER BY d.id DESC LIMIT $4";
            let (docs, total): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*), COUNT(DISTINCT ticket_id) FROM ({matches}) m"
            )))
            .bind(&q)
            .bind(who.staff)
            .bind(who.organization)
            .bind(CANDIDATES)
            .fetch_one(&mut *c)
            .await?;
            let rows: Vec<HitRow> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "WITH best AS (
                     SELECT DISTINCT ON (ticket_id) ticket_id, doc, rank FROM ({matches}) m
                     ORDER BY ticket_id, rank DESC
                 ), page AS (
                     SELECT * FROM best ORDER BY rank DESC, ticket_id LIMIT $5 OFFSET $6
                 )
                 SELECT t.id, t.kind, t.number, t.title, t.status,
                        ts_headline('simple', d.title || ' ' || d.body, to_tsquery('simple', $1),
                                    'StartSel=[, StopSel=], MaxWords=24, MinWords=8'),
                        page.rank::FLOAT8
                 FROM page JOIN tickets t ON t.id = page.ticket_id JOIN search_docs d ON d.id = page.doc
                 ORDER BY page.rank DESC, t.id")))
                .bind(&q).bind(who.staff).bind(who.organization).bind(CANDIDATES).bind(limit).bind(offset)
                .fetch_all(&mut *c).await?;
            (rows, total, docs >= CANDIDATES)
        }
    };
    let hits = rows
        .into_iter()
        .map(
            |(ticket_id, kind, number, title, status, snippet, score)| SearchHit {
                ticket_id,
                kind,
                number,
                title,
                status,
                snippet,
                score,
                exact: false,
            },
        )
        .collect();
    Ok((hits, total, capped))
}
