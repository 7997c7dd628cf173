//! Indexing ticket text and searching it: FTS5 on SQLite, tsvector on PostgreSQL, both ranked
//! and with highlighted snippets, and both filtered to what the caller may see.
use crate::{Ex, Result};
use sqlx::PgConnection;
use steward_domain::resolution::search::{
    Candidate, EXPANSIONS, SearchHit, TicketFacts, rank, scope_term, terms_all,
};

/// The distinct words of a document, as PostgreSQL's `search_terms` holds them and as a query
/// is split ([`terms_all`]).
fn words(title: &str, body: &str) -> Vec<String> {
    let mut words = terms_all(title);
    words.extend(terms_all(body));
    words.sort_unstable();
    words.dedup();
    words
}

/// What PostgreSQL's `search_terms` holds for a document: its words and its scope term.
pub(crate) fn document_terms(title: &str, body: &str, scope: &Option<String>) -> Vec<String> {
    let mut terms = words(title, body);
    terms.extend(scope.clone());
    terms
}

/// The start of every insert of a search document, so its columns are listed once (a
/// ticket's create writes its document in the same statement as the ticket).
macro_rules! insert_search_doc {
    () => {
        "INSERT INTO search_docs (ticket_id, source, public, scope, title, body)"
    };
}
pub(crate) use insert_search_doc;

/// PostgreSQL: the words of the document inserted by the `doc` CTE, given as the text array
/// parameter `$p`.
macro_rules! insert_doc_terms {
    ($p:literal) => {
        concat!(
            "INSERT INTO search_terms (term, doc_id) SELECT w, doc.id FROM doc, unnest(",
            $p,
            "::text[]) w"
        )
    };
}
pub(crate) use insert_doc_terms;

/// Indexes a new document of a ticket of `organization`. SQLite's FTS5 follows
/// `search_docs` by triggers inside the database, a new document when its transaction
/// commits (migration 0050, `writer::INDEX_AND_COMMIT`); on PostgreSQL the words are split here and
/// written with the document in one statement (a PL/pgSQL trigger splitting them with a
/// regular expression made each create about three times as costly). Public text also gets
/// its organization's [`scope_term`], which customers' searches require.
pub async fn index(
    ex: Ex<'_>,
    ticket: i64,
    source: &str,
    public: bool,
    organization: Option<i64>,
    title: &str,
    body: &str,
) -> Result<()> {
    let scope = scope_term(public, organization);
    macro_rules! bind_doc {
        ($q:expr) => {
            $q.bind(ticket)
                .bind(source)
                .bind(public)
                .bind(&scope)
                .bind(title)
                .bind(body)
        };
    }
    match ex {
        Ex::Sqlite(c) => {
            bind_doc!(sqlx::query(concat!(
                insert_search_doc!(),
                " VALUES ($1, $2, $3, $4, $5, $6)"
            )))
            .execute(c)
            .await?;
        }
        Ex::Postgres(c) => {
            let terms = document_terms(title, body, &scope);
            bind_doc!(sqlx::query(concat!(
                "WITH doc AS (",
                insert_search_doc!(),
                " VALUES ($1, $2, $3, $4, $5, $6) RETURNING id) ",
                insert_doc_terms!("$7")
            )))
            .bind(terms)
            .execute(c)
            .await?;
        }
    }
    Ok(())
}

/// Gives every document of `tickets` the scope term of its ticket's organization as it is
/// now, for an import that moved tickets to another organization (nothing else moves
/// tickets): one read for all of them, and writes only for the documents whose term changes.
pub async fn rescope_tickets(ex: Ex<'_>, tickets: &[i64]) -> Result<()> {
    type Row = (i64, bool, Option<String>, Option<i64>);
    if tickets.is_empty() {
        return Ok(());
    }
    let moved = |docs: Vec<Row>| {
        docs.into_iter().filter_map(|(id, public, old, org)| {
            let new = scope_term(public, org);
            (new != old).then_some((id, old, new))
        })
    };
    match ex {
        Ex::Sqlite(c) => {
            let docs: Vec<Row> = sqlx::query_as(
                "SELECT d.id, d.public, d.scope, t.organization_id
                 FROM search_docs d JOIN tickets t ON t.id = d.ticket_id
                 WHERE d.ticket_id IN (SELECT value FROM json_each($1))",
            )
            .bind(serde_json::to_string(tickets).unwrap_or_default())
            .fetch_all(&mut *c)
            .await?;
            // FTS5 follows by its update trigger.
            for (id, _, new) in moved(docs) {
                sqlx::query("UPDATE search_docs SET scope = $2 WHERE id = $1")
                    .bind(id)
                    .bind(new)
                    .execute(&mut *c)
                    .await?;
            }
        }
        Ex::Postgres(c) => {
            let docs: Vec<Row> = sqlx::query_as(
                "SELECT d.id, d.public, d.scope, t.organization_id
                 FROM search_docs d JOIN tickets t ON t.id = d.ticket_id
                 WHERE d.ticket_id = ANY($1)",
            )
            .bind(tickets)
            .fetch_all(&mut *c)
            .await?;
            for (id, old, new) in moved(docs) {
                sqlx::query(
                    "WITH doc AS (UPDATE search_docs SET scope = $3 WHERE id = $1),
                          gone AS (DELETE FROM search_terms WHERE doc_id = $1 AND term = $2)
                     INSERT INTO search_terms (term, doc_id) SELECT $3, $1 WHERE $3 IS NOT NULL",
                )
                .bind(id)
                .bind(old)
                .bind(new)
                .execute(&mut *c)
                .await?;
            }
        }
    }
    Ok(())
}

/// Rewrites a ticket's own text (title and description) after an edit; on PostgreSQL only
/// the words that came or went change in `search_terms`.
pub async fn reindex_ticket(ex: Ex<'_>, ticket: i64, title: &str, body: &str) -> Result<()> {
    const UPDATE: &str =
        "UPDATE search_docs SET title = $2, body = $3 WHERE ticket_id = $1 AND source = 'ticket'";
    match ex {
        Ex::Sqlite(c) => {
            sqlx::query(UPDATE)
                .bind(ticket)
                .bind(title)
                .bind(body)
                .execute(c)
                .await?;
        }
        Ex::Postgres(c) => {
            let old: Option<(i64, String, String)> = sqlx::query_as(
                "SELECT id, title, body FROM search_docs WHERE ticket_id = $1 AND source = 'ticket' FOR UPDATE",
            )
            .bind(ticket)
            .fetch_optional(&mut *c)
            .await?;
            sqlx::query(UPDATE)
                .bind(ticket)
                .bind(title)
                .bind(body)
                .execute(&mut *c)
                .await?;
            let Some((doc, old_title, old_body)) = old else {
                return Ok(());
            };
            let (before, after) = (words(&old_title, &old_body), words(title, body));
            let gone: Vec<String> = before
                .iter()
                .filter(|w| after.binary_search(w).is_err())
                .cloned()
                .collect();
            let came: Vec<String> = after
                .iter()
                .filter(|w| before.binary_search(w).is_err())
                .cloned()
                .collect();
            sqlx::query(
                "WITH gone AS (DELETE FROM search_terms WHERE doc_id = $1 AND term = ANY($2::text[]))
                 INSERT INTO search_terms (term, doc_id) SELECT w, $1 FROM unnest($3::text[]) w",
            )
            .bind(doc)
            .bind(gone)
            .bind(came)
            .execute(c)
            .await?;
        }
    }
    Ok(())
}

/// Writes (`add`) or removes the words of the ticket documents of `tickets` in
/// `search_terms` (PostgreSQL), split here as every other write splits them, so that the
/// index holds exactly what a later edit or removal computes. For the importer, set-based:
/// one read of the documents and one statement for all their words.
pub async fn ticket_terms(c: &mut PgConnection, tickets: &[i64], add: bool) -> Result<()> {
    let docs: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT id, title, body, scope FROM search_docs WHERE ticket_id = ANY($1) AND source = 'ticket'",
    )
    .bind(tickets)
    .fetch_all(&mut *c)
    .await?;
    let (mut terms, mut ids) = (Vec::new(), Vec::new());
    for (id, title, body, scope) in docs {
        for w in words(&title, &body).into_iter().chain(scope) {
            terms.push(w);
            ids.push(id);
        }
    }
    let sql = if add {
        "INSERT INTO search_terms (term, doc_id) SELECT * FROM unnest($1::text[], $2::bigint[])
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM search_terms
         WHERE (term, doc_id) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))"
    };
    sqlx::query(sql).bind(terms).bind(ids).execute(c).await?;
    Ok(())
}

/// Who searches: staff see internal notes and every organization; a customer only public
/// text of its own organization's tickets.
#[derive(Debug, Clone, Copy)]
pub struct Audience {
    pub staff: bool,
    pub organization: Option<i64>,
}

impl Audience {
    /// The term every document this audience may see holds, when one does: a customer's
    /// organization's [`scope_term`]. The SQL filters on `public` and the organization stay,
    /// so the term only narrows the walk and never widens what is shown.
    fn scope(self) -> Option<String> {
        scope_term(!self.staff, self.organization)
    }
}

/// How many of the newest matching documents a search ranks. A word that occurs in a large
/// share of a million tickets would otherwise have every match scored on every search; people
/// searching a service desk want recent tickets, and a more specific query narrows the set.
pub const CANDIDATES: i64 = 500;

/// Tickets matching every term, best first: one hit per ticket, with the total and whether
/// the newest [`CANDIDATES`] matching documents were all that was ranked (then the total
/// counts only their tickets).
///
/// Every term matches as a prefix: it stands for the indexed words that start with it (at
/// most [`EXPANSIONS`], found by seeking in the index's vocabulary). The backend then walks the
/// document lists of those words newest first and stops at [`CANDIDATES`] visible documents
/// that contain a word of every term; ranking, one hit per ticket, paging and snippets are
/// the same code for both backends ([`rank`]).
pub async fn search(
    mut ex: Ex<'_>,
    terms: &[String],
    who: Audience,
    limit: i64,
    offset: i64,
) -> Result<(Vec<SearchHit>, i64, bool)> {
    if terms.is_empty() {
        return Ok((Vec::new(), 0, false));
    }
    let mut groups = Vec::with_capacity(terms.len());
    for term in terms {
        let words = expand(ex.by_ref(), term).await?;
        if words.is_empty() {
            return Ok((Vec::new(), 0, false));
        }
        groups.push(words);
    }
    let found = candidates(ex.by_ref(), &groups, who).await?;
    let capped = found.len() as i64 >= CANDIDATES;
    let (ranked, total) = rank(
        terms,
        found,
        usize::try_from(limit).unwrap_or(0),
        usize::try_from(offset).unwrap_or(0),
    );
    let ids: Vec<i64> = ranked.iter().map(|r| r.ticket_id).collect();
    let mut facts = ticket_facts(ex, &ids).await?;
    let hits = ranked
        .into_iter()
        .filter_map(|r| {
            let ticket = facts.remove(&r.ticket_id)?;
            Some(r.into_hit(ticket))
        })
        .collect();
    Ok((hits, total, capped))
}

/// The number, title and status of the tickets on a page of hits: read for those alone,
/// not for every ranked candidate.
async fn ticket_facts(
    ex: Ex<'_>,
    ids: &[i64],
) -> Result<std::collections::HashMap<i64, TicketFacts>> {
    type Row = (i64, String, String, String, String);
    if ids.is_empty() {
        return Ok(Default::default());
    }
    const COLUMNS: &str = "SELECT id, kind, number, title, status FROM tickets";
    let rows: Vec<Row> = match ex {
        Ex::Sqlite(c) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "{COLUMNS} WHERE id IN (SELECT value FROM json_each($1))"
            )))
            .bind(serde_json::to_string(ids).unwrap_or_default())
            .fetch_all(c)
            .await?
        }
        Ex::Postgres(c) => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!("{COLUMNS} WHERE id = ANY($1)")))
                .bind(ids)
                .fetch_all(c)
                .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(id, kind, number, title, status)| {
            (
                id,
                TicketFacts {
                    kind,
                    number,
                    title,
                    status,
                },
            )
        })
        .collect())
}

/// A word FTS5 must still match as a prefix itself: its tokenizer folds diacritics, so the
/// vocabulary holds `unicode` for `Ünïcode` and a seek for `ünï` would miss it.
const PREFIX_MARK: char = '*';

/// The indexed words that start with `term`, alphabetically, at most [`EXPANSIONS`]: a seek
/// in the vocabulary for the first, then from just past each one for the next.
async fn expand(ex: Ex<'_>, term: &str) -> Result<Vec<String>> {
    let max = EXPANSIONS as i64;
    let words: Vec<(String,)> = match ex {
        Ex::Sqlite(c) => {
            if !term.is_ascii() {
                return Ok(vec![format!("{term}{PREFIX_MARK}")]);
            }
            // `search_fts_vocab` lists every (word, document, position): `LIMIT 1` after a
            // seek reads one entry, and `|| char(1)` seeks past all entries of a word.
            sqlx::query_as(
                "WITH RECURSIVE v(term, n) AS (
                     SELECT (SELECT term FROM search_fts_vocab WHERE term >= $1 LIMIT 1), 1
                     UNION ALL
                     SELECT (SELECT term FROM search_fts_vocab WHERE term >= v.term || char(1) LIMIT 1), n + 1
                     FROM v WHERE substr(v.term, 1, length($1)) = $1 AND n < $2
                 )
                 SELECT term FROM v WHERE substr(term, 1, length($1)) = $1",
            )
            .bind(term)
            .bind(max)
            .fetch_all(c)
            .await?
        }
        Ex::Postgres(c) => {
            sqlx::query_as(
                "WITH RECURSIVE v(term, n) AS (
                     SELECT (SELECT term FROM search_terms WHERE term >= $1 ORDER BY term LIMIT 1), 1
                     UNION ALL
                     SELECT (SELECT term FROM search_terms WHERE term > v.term ORDER BY term LIMIT 1), n + 1
                     FROM v WHERE starts_with(v.term, $1) AND n < $2
                 )
                 SELECT term FROM v WHERE starts_with(term, $1)",
            )
            .bind(term)
            .bind(max)
            .fetch_all(c)
            .await?
        }
    };
    Ok(words.into_iter().map(|(w,)| w).collect())
}

type CandidateRow = (i64, i64, String, String);

/// The newest [`CANDIDATES`] documents the audience may see that hold a word of every group.
async fn candidates(ex: Ex<'_>, groups: &[Vec<String>], who: Audience) -> Result<Vec<Candidate>> {
    let rows: Vec<CandidateRow> = match ex {
        Ex::Sqlite(c) => {
            // `("mail" OR "mailbox") AND ("down")`: FTS5 merges these lists as it walks them,
            // newest first, so LIMIT stops the walk.
            let query = groups
                .iter()
                .map(|g| {
                    let words: Vec<String> = g
                        .iter()
                        .map(|w| match w.strip_suffix(PREFIX_MARK) {
                            Some(w) => format!("\"{w}\"*"),
                            None => format!("\"{w}\""),
                        })
                        .collect();
                    format!("({})", words.join(" OR "))
                })
                .collect::<Vec<_>>()
                .join(" AND ");
            // A customer's search walks its organization's documents only.
            let query = match who.scope() {
                Some(scope) => format!("{query} AND \"{scope}\""),
                None => query,
            };
            // Staff see every ticket, so only a customer's search reads the tickets (to
            // check the organization); SQLite skips the EXISTS when `$3` is NULL.
            sqlx::query_as(
                "SELECT d.id, d.ticket_id, d.title, d.body
                 FROM search_fts JOIN search_docs d ON d.id = search_fts.rowid
                 WHERE search_fts MATCH $1 AND (d.public OR $2)
                   AND ($3 IS NULL OR EXISTS (SELECT 1 FROM tickets t
                                              WHERE t.id = d.ticket_id AND t.organization_id = $3))
                 ORDER BY search_fts.rowid DESC LIMIT $4",
            )
            .bind(query)
            .bind(who.staff)
            .bind(who.organization)
            .bind(CANDIDATES)
            .fetch_all(c)
            .await?
        }
        Ex::Postgres(c) => {
            // Walk the words of one group newest first (a merge of backward index scans on
            // (term, doc_id)) and probe the others' words for each document. The group with
            // the fewest words, and then the longest (likely rarest) term, leads.
            let lead = (0..groups.len())
                .min_by_key(|&i| (groups[i].len(), std::cmp::Reverse(groups[i][0].len())))
                .unwrap_or(0);
            // The walk picks the newest CANDIDATES in the index alone, and only those are then
            // read: fenced in a subquery with its own LIMIT, PostgreSQL cannot interleave the
            // reads of documents and tickets with the walk (at 1M, q=database timeout: 4.1 ms
            // against 12.6 ms; q=database as a customer: 6.6 ms against 108 ms, reading
            // every organization's documents to find one's). The index walk holds every
            // filter of the audiences that reach here (staff see all; a customer's scope term
            // is on exactly what it may see), so the filters after it only guard.
            let mut sql = String::from(
                "SELECT d.id, d.ticket_id, d.title, d.body FROM (SELECT c.doc_id FROM (",
            );
            let mut n = 3;
            for i in 0..groups[lead].len() {
                if i > 0 {
                    sql.push_str(" UNION ALL ");
                }
                n += 1;
                sql.push_str(&format!(
                    "SELECT doc_id FROM search_terms WHERE term = ${n}"
                ));
            }
            sql.push_str(") c");
            // A group of one word is joined, which lets PostgreSQL merge its document list
            // with the leading one (both walked backwards by the index); a group of several
            // words is probed per document. (psql at 1M, q=database timeout: 7.3 ms joined
            // against 12.1 ms probed.)
            let mut probes = String::new();
            for (i, g) in groups.iter().enumerate().filter(|(i, _)| *i != lead) {
                n += 1;
                if g.len() == 1 {
                    sql.push_str(&format!(
                        " JOIN search_terms s{i} ON s{i}.doc_id = c.doc_id AND s{i}.term = ${n}"
                    ));
                } else {
                    probes.push_str(&format!(
                        " AND EXISTS (SELECT 1 FROM search_terms s WHERE s.term = ANY(${n}) AND s.doc_id = c.doc_id)"
                    ));
                }
            }
            let scope = who.scope();
            if scope.is_some() {
                n += 1;
                sql.push_str(&format!(
                    " JOIN search_terms sc ON sc.doc_id = c.doc_id AND sc.term = ${n}"
                ));
            }
            sql.push_str(" WHERE TRUE");
            sql.push_str(&probes);
            sql.push_str(
                " ORDER BY c.doc_id DESC LIMIT $3) c
                 JOIN search_docs d ON d.id = c.doc_id
                 WHERE (d.public OR $1)
                   AND ($2::BIGINT IS NULL OR EXISTS (SELECT 1 FROM tickets t
                                                     WHERE t.id = d.ticket_id AND t.organization_id = $2))
                 ORDER BY c.doc_id DESC",
            );
            let mut q = sqlx::query_as::<_, CandidateRow>(sqlx::AssertSqlSafe(sql))
                .bind(who.staff)
                .bind(who.organization)
                .bind(CANDIDATES);
            for w in &groups[lead] {
                q = q.bind(w);
            }
            for (_, g) in groups.iter().enumerate().filter(|(i, _)| *i != lead) {
                q = match g.as_slice() {
                    [word] => q.bind(word),
                    _ => q.bind(g),
                };
            }
            if let Some(scope) = scope {
                q = q.bind(scope);
            }
            let mut rows: Vec<CandidateRow> = q.fetch_all(c).await?;
            // A document holding two words of the leading group came once for each.
            let mut seen = std::collections::HashSet::new();
            rows.retain(|r| seen.insert(r.0));
            rows
        }
    };
    Ok(rows
        .into_iter()
        .map(|(doc, ticket_id, title, body)| Candidate {
            doc,
            ticket_id,
            title,
            body,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use crate::{Db, DbOptions, Ex, Tx};

    fn sqlite(tx: &mut Tx) -> &mut sqlx::SqliteConnection {
        match tx.ex() {
            Ex::Sqlite(c) => c,
            Ex::Postgres(_) => unreachable!("a SQLite database"),
        }
    }

    async fn insert_doc(tx: &mut Tx, title: &str) -> i64 {
        sqlx::query_scalar(concat!(
            insert_search_doc!(),
            " VALUES (1, 'ticket', TRUE, NULL, $1, '') RETURNING id"
        ))
        .bind(title)
        .fetch_one(sqlite(tx))
        .await
        .unwrap()
    }

    async fn retitle(tx: &mut Tx, id: i64, title: &str) {
        sqlx::query("UPDATE search_docs SET title = $2 WHERE id = $1")
            .bind(id)
            .bind(title)
            .execute(sqlite(tx))
            .await
            .unwrap();
    }

    async fn delete(tx: &mut Tx, id: i64) {
        sqlx::query("DELETE FROM search_docs WHERE id = $1")
            .bind(id)
            .execute(sqlite(tx))
            .await
            .unwrap();
    }

    /// The documents whose indexed words include `word`, as a reader sees them.
    async fn found(db: &Db, word: &str) -> Vec<i64> {
        let mut conn = db.read().await.unwrap();
        let Ex::Sqlite(c) = conn.ex() else {
            unreachable!()
        };
        sqlx::query_scalar("SELECT rowid FROM search_fts WHERE search_fts MATCH $1 ORDER BY rowid")
            .bind(word)
            .fetch_all(c)
            .await
            .unwrap()
    }

    /// FTS5's own check that the index holds exactly what `search_docs` holds, and nothing is
    /// left pending.
    async fn index_matches_documents(db: &Db) {
        let mut tx = db.begin().await.unwrap();
        sqlx::query("INSERT INTO search_fts (search_fts, rank) VALUES ('integrity-check', 1)")
            .execute(sqlite(&mut tx))
            .await
            .expect("the index holds exactly the documents");
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM search_fts_pending")
            .fetch_one(sqlite(&mut tx))
            .await
            .unwrap();
        assert_eq!(pending, 0, "nothing is left pending after a commit");
        tx.commit().await.unwrap();
    }

    /// Documents are indexed when their transaction commits (migration 0050), as they are then
    /// at commit: changed or deleted before it, they are indexed changed or not at all; after
    /// it, the index follows every change. A document that was never indexed is never
    /// "deleted" from the index (FTS5 would corrupt it, and the integrity check would fail),
    /// and an id that SQLite hands out again after its document was deleted is indexed anew.
    #[tokio::test]
    async fn documents_are_indexed_at_commit_as_they_are_then() {
        let (dir, url) = crate::db::temp_sqlite("search-pending");
        let db = Db::connect(&url, &DbOptions::default()).await.unwrap();
        db.migrate().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        sqlx::query(
            "INSERT INTO tickets (kind, number, title, status, impact, urgency, priority, channel, opened_at, updated_at)
             VALUES ('incident', 'INC-000001', 't', 'new', 'low', 'low', 5, 'api', 0, 0)",
        )
        .execute(sqlite(&mut tx))
        .await
        .unwrap();
        tx.commit().await.unwrap();

        // Inserted, changed and deleted in one transaction: only what remains at commit.
        let mut tx = db.begin().await.unwrap();
        let kiwi = insert_doc(&mut tx, "kiwi").await;
        let apple = insert_doc(&mut tx, "alpha apple").await;
        let banana = insert_doc(&mut tx, "beta banana").await;
        let cherry = insert_doc(&mut tx, "gamma cherry").await;
        retitle(&mut tx, apple, "alpha avocado").await;
        delete(&mut tx, banana).await;
        assert!(
            found(&db, "cherry").await.is_empty(),
            "not before the commit"
        );
        tx.commit().await.unwrap();
        assert_eq!(found(&db, "avocado").await, [apple]);
        assert!(found(&db, "apple").await.is_empty());
        assert!(found(&db, "banana").await.is_empty());
        assert_eq!(found(&db, "cherry").await, [cherry]);
        index_matches_documents(&db).await;

        // Rolled back: never indexed.
        let mut tx = db.begin().await.unwrap();
        insert_doc(&mut tx, "fig").await;
        drop(tx);
        assert!(found(&db, "fig").await.is_empty());

        // Indexed documents follow their changes.
        let mut tx = db.begin().await.unwrap();
        retitle(&mut tx, cherry, "gamma date").await;
        delete(&mut tx, apple).await;
        tx.commit().await.unwrap();
        assert!(found(&db, "cherry").await.is_empty());
        assert_eq!(found(&db, "date").await, [cherry]);
        assert!(found(&db, "avocado").await.is_empty());
        index_matches_documents(&db).await;

        // The highest ids deleted, then one handed out again.
        let mut tx = db.begin().await.unwrap();
        delete(&mut tx, cherry).await;
        tx.commit().await.unwrap();
        let mut tx = db.begin().await.unwrap();
        let elder = insert_doc(&mut tx, "elder").await;
        tx.commit().await.unwrap();
        // The highest left is the kiwi's: the next id is the apple's, indexed once and deleted.
        assert_eq!(elder, apple, "SQLite hands the id out again");
        assert_eq!(found(&db, "elder").await, [elder]);
        assert_eq!(found(&db, "kiwi").await, [kiwi]);
        assert!(found(&db, "date").await.is_empty());
        index_matches_documents(&db).await;

        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
