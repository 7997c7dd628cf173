//! Full-text search: turning what a person typed into terms both backends can match safely.
use crate::resolution::ticket::TicketKind;
use serde::Serialize;

pub const QUERY_MAX: usize = 200;
pub const TERMS_MAX: usize = 12;

/// The words of a query: letters and digits only, lower-cased, at most 12. Everything else
/// separates words, so no query syntax of either backend can be injected.
pub fn terms(query: &str) -> Vec<String> {
    let mut all = terms_all(query);
    all.truncate(TERMS_MAX);
    all
}

/// Every word of a text, split and lower-cased as [`terms`] does, without the cap.
pub fn terms_all(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Marks the index term that stands for "customers of this organization may see this
/// document". U+E000 is a private-use character: FTS5's tokenizer keeps it inside a token,
/// and [`terms_all`] never yields it (it is not alphanumeric), so no query word can match it
/// or expand to it.
pub const SCOPE_MARK: char = '\u{E000}';

/// The term indexed beside a document's words when a customer may see it: public text of a
/// ticket of `organization`. A customer's search requires it, so it walks its own
/// organization's documents instead of filtering every organization's matches one by one.
pub fn scope_term(public: bool, organization: Option<i64>) -> Option<String> {
    organization
        .filter(|_| public)
        .map(|org| format!("{SCOPE_MARK}{org}"))
}

/// The record numbers a query names, when it is one: `INC-000002`, `inc-2` or `INC2` name that
/// incident; `KE-000001` the problem holding that known error; a bare `2` (or `#2`) the
/// incident, request and problem numbered 2. Anything else (more than one word, other
/// prefixes) is not a number query. The query as typed is always a candidate too, so that
/// imported records keep being found by their original numbers (`INC0000045`).
pub fn record_numbers(query: &str) -> Option<Vec<String>> {
    let q = query.trim().trim_start_matches('#').to_uppercase();
    if q.is_empty() || q.len() > 40 || q.contains(char::is_whitespace) {
        return None;
    }
    let split = q.find(|c: char| c.is_ascii_digit())?;
    let (prefix, digits) = q.split_at(split);
    let prefix = prefix.trim_end_matches('-');
    let seq: Option<i64> = if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse().ok()
    } else {
        None
    };
    let mut numbers = vec![q.clone()];
    let mut push = |n: String| {
        if !numbers.contains(&n) {
            numbers.push(n);
        }
    };
    match (prefix, seq) {
        ("", Some(n)) => {
            for kind in TicketKind::ALL {
                push(kind.number(n));
            }
        }
        ("KE", Some(n)) => push(format!("KE-{n:06}")),
        (p, Some(n)) => match TicketKind::ALL.iter().find(|k| k.prefix() == p) {
            Some(kind) => push(kind.number(n)),
            // An unknown prefix with digits may still be an imported number, as typed.
            None if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {}
            None => return None,
        },
        // Letters and digits mixed: only the number as typed can match.
        (_, None) if q.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => {}
        (_, None) => return None,
    }
    Some(numbers)
}

/// One ticket found by a search, with a highlighted snippet of where it matched.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchHit {
    pub ticket_id: i64,
    pub kind: String,
    pub number: String,
    pub title: String,
    pub status: String,
    /// The matching text with each match between `[` and `]`.
    pub snippet: String,
    /// Higher is better.
    pub score: f64,
    /// The query is this record's number (or its known error's): it leads the results.
    pub exact: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scope_term_is_never_a_query_word() {
        assert_eq!(scope_term(false, Some(7)), None);
        assert_eq!(scope_term(true, None), None);
        let term = scope_term(true, Some(7)).unwrap();
        assert_eq!(term, "\u{E000}7");
        // Typed or pasted into a query, the mark separates words instead of starting one.
        assert_eq!(terms(&format!("{term} mail")), ["7", "mail"]);
    }

    #[test]
    fn queries_become_plain_prefix_terms() {
        let t = terms("Mail DOWN!! \"OR\" * (x:* & y) ünïcode");
        assert_eq!(t, ["mail", "down", "or", "x", "y", "ünïcode"]);
        assert!(terms("  -- ;; ").is_empty());
    }

    #[test]
    fn record_numbers_are_recognised_in_the_forms_people_type() {
        assert_eq!(record_numbers(" inc-2 ").unwrap(), ["INC-2", "INC-000002"]);
        assert_eq!(record_numbers("INC-000002").unwrap(), ["INC-000002"]);
        assert_eq!(record_numbers("PRB1").unwrap(), ["PRB1", "PRB-000001"]);
        assert_eq!(record_numbers("KE-000001").unwrap(), ["KE-000001"]);
        assert_eq!(
            record_numbers("#2").unwrap(),
            ["2", "INC-000002", "REQ-000002", "PRB-000002"]
        );
        assert_eq!(
            record_numbers("INC0000045").unwrap(),
            ["INC0000045", "INC-000045"]
        );
        assert_eq!(record_numbers("CHG0001234").unwrap(), ["CHG0001234"]);
        assert_eq!(record_numbers("mail down"), None);
        assert_eq!(record_numbers("printer"), None);
        assert_eq!(record_numbers(""), None);
        assert_eq!(record_numbers("a*1"), None);
    }
}

/// A page of search hits.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHit>,
    /// Tickets matched. When `capped`, only the newest matching documents were ranked and
    /// this counts their tickets: a lower bound.
    pub total: i64,
    pub capped: bool,
    pub limit: u32,
    pub offset: u64,
}

/// How many vocabulary words one typed word stands for at most: `print` matches `print`,
/// `printer`, `printers`, … — the first [`EXPANSIONS`] indexed words that start with it, in
/// alphabetical order. Both backends find these words with a few index seeks, then follow each
/// word's document list newest first, so a search never merges the whole list of a word that
/// occurs in a large share of the tickets.
pub const EXPANSIONS: usize = 16;

/// One matching document among the newest candidates. Only its text is read for ranking; the
/// ticket's number, title and status are read afterwards for the page's hits alone.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub doc: i64,
    pub ticket_id: i64,
    /// The document's own text: the ticket's title and description, or one work-log entry
    /// (empty title).
    pub title: String,
    pub body: String,
}

/// A ticket on the page asked for, ranked by its best document.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    pub ticket_id: i64,
    pub score: f64,
    /// Where the best document matched; `None` when no word of it did (then the ticket's
    /// title stands in).
    pub snippet: Option<String>,
}

/// What a hit shows of its ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFacts {
    pub kind: String,
    pub number: String,
    pub title: String,
    pub status: String,
}

impl Ranked {
    pub fn into_hit(self, ticket: TicketFacts) -> SearchHit {
        SearchHit {
            ticket_id: self.ticket_id,
            kind: ticket.kind,
            number: ticket.number,
            snippet: self.snippet.unwrap_or_else(|| ticket.title.clone()),
            title: ticket.title,
            status: ticket.status,
            score: self.score,
            exact: false,
        }
    }
}

/// BM25's saturation and length normalization (Robertson's usual `k1` and `b`).
const K1: f64 = 1.2;
const B: f64 = 0.75;
/// A word in a document's title counts this many times a word in its body.
const TITLE_WEIGHT: f64 = 5.0;

fn matches(word: &str, terms: &[String]) -> Option<usize> {
    terms.iter().position(|t| word.starts_with(t.as_str()))
}

/// [`matches`] for a word as it stands in a document, lower-cased only when it has to be: an
/// ASCII word is compared byte by byte (a query term is lower-case already), so ranking
/// hundreds of candidates allocates nothing per word.
fn matches_unfolded(word: &str, terms: &[String]) -> Option<usize> {
    if word.is_ascii() {
        terms.iter().position(|t| {
            word.len() >= t.len() && word.as_bytes()[..t.len()].eq_ignore_ascii_case(t.as_bytes())
        })
    } else {
        matches(&word.to_lowercase(), terms)
    }
}

/// Counts, into `counts`, the words of `text` (split as [`terms_all`] splits) that each term
/// begins, and returns how many words `text` has.
fn count_words(text: &str, terms: &[String], counts: &mut [f64]) -> usize {
    let mut words = 0;
    for word in text.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        words += 1;
        if let Some(i) = matches_unfolded(word, terms) {
            counts[i] += 1.0;
        }
    }
    words
}

/// Ranks candidate documents and returns one hit per ticket, best first, the page asked for
/// and the number of tickets among the candidates.
///
/// The score is BM25 over the candidates: for every query word, its occurrences (as a prefix)
/// in the title and in the body, each saturated (`k1` = 1.2) and normalized by the field's
/// length against the candidates' average (`b` = 0.75), the title weighted 5 to 1. Every
/// candidate contains every word, so the words are weighted equally (no inverse document
/// frequency). A ticket scores its best document; ties go to the newer ticket.
pub fn rank(
    terms: &[String],
    candidates: Vec<Candidate>,
    limit: usize,
    offset: usize,
) -> (Vec<Ranked>, i64) {
    let k = terms.len();
    // Per candidate: title and body lengths in words, then each term's count in the title
    // and in the body (one flat buffer instead of a word list per field).
    let mut lengths = Vec::with_capacity(candidates.len());
    let mut counts = vec![0.0; candidates.len() * 2 * k];
    for (c, counts) in candidates.iter().zip(counts.chunks_mut(2 * k)) {
        let (title, body) = counts.split_at_mut(k);
        lengths.push((
            count_words(&c.title, terms, title),
            count_words(&c.body, terms, body),
        ));
    }
    let n = lengths.len().max(1) as f64;
    let avg_title = (lengths.iter().map(|l| l.0).sum::<usize>() as f64 / n).max(1.0);
    let avg_body = (lengths.iter().map(|l| l.1).sum::<usize>() as f64 / n).max(1.0);
    let saturated = |f: f64, norm: f64| f * (K1 + 1.0) / (f + K1 * norm);
    // Best document per ticket.
    let mut best: std::collections::HashMap<i64, (f64, usize)> = Default::default();
    for (i, (c, counts)) in candidates.iter().zip(counts.chunks(2 * k)).enumerate() {
        let (title_len, body_len) = lengths[i];
        let title_norm = 1.0 - B + B * title_len as f64 / avg_title;
        let body_norm = 1.0 - B + B * body_len as f64 / avg_body;
        let score: f64 = (0..k)
            .map(|j| {
                TITLE_WEIGHT * saturated(counts[j], title_norm)
                    + saturated(counts[k + j], body_norm)
            })
            .sum();
        let e = best.entry(c.ticket_id).or_insert((score, i));
        if score > e.0 {
            *e = (score, i);
        }
    }
    let total = best.len() as i64;
    let mut order: Vec<(i64, f64, usize)> = best.into_iter().map(|(t, (s, i))| (t, s, i)).collect();
    order.sort_by(|a, b| b.1.total_cmp(&a.1).then(b.0.cmp(&a.0)));
    let hits = order
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|(_, score, i)| {
            let c = &candidates[i];
            let text = if c.title.is_empty() {
                c.body.clone()
            } else {
                format!("{} {}", c.title, c.body)
            };
            Ranked {
                ticket_id: c.ticket_id,
                score,
                snippet: snippet(&text, terms, SNIPPET_WORDS),
            }
        })
        .collect();
    (hits, total)
}

/// How many words a snippet shows.
pub const SNIPPET_WORDS: usize = 12;

/// Up to `words` words of `text` around its first match, each matching word between `[` and
/// `]`, with `…` where text was left out; `None` when no word matches.
pub fn snippet(text: &str, terms: &[String], words: usize) -> Option<String> {
    // Word spans of the text as written, split as [`terms_all`] splits.
    let mut spans = Vec::new();
    let mut start = None;
    for (i, ch) in text.char_indices() {
        match (ch.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    let hit = |&(s, e): &(usize, usize)| matches(&text[s..e].to_lowercase(), terms).is_some();
    let first = spans.iter().position(hit)?;
    // The first match a quarter of the way in, as FTS5's snippet places it.
    let from = first
        .saturating_sub(words / 4)
        .min(spans.len().saturating_sub(words));
    let to = (from + words).min(spans.len());
    let mut out = String::new();
    if from > 0 {
        out.push('…');
    }
    let mut at = spans[from].0;
    for span in &spans[from..to] {
        out.push_str(&text[at..span.0]);
        if hit(span) {
            out.push('[');
            out.push_str(&text[span.0..span.1]);
            out.push(']');
        } else {
            out.push_str(&text[span.0..span.1]);
        }
        at = span.1;
    }
    if to < spans.len() {
        out.push('…');
    } else {
        out.push_str(&text[at..]);
    }
    Some(out.trim().to_owned())
}

#[cfg(test)]
mod ranking_tests {
    use super::*;

    #[test]
    fn words_are_counted_as_terms_all_splits_and_folds_them() {
        let terms = vec!["datenbank".to_string(), "ünï".to_string()];
        let text = "Datenbank-DATENBANK: Ünïcode ünïcodeX, datenbanken? Ünï_x";
        let mut counts = vec![0.0; 2];
        let words = count_words(text, &terms, &mut counts);
        assert_eq!(words, terms_all(text).len());
        let expected: Vec<f64> = terms
            .iter()
            .map(|t| {
                terms_all(text)
                    .iter()
                    .filter(|w| w.starts_with(t.as_str()))
                    .count() as f64
            })
            .collect();
        assert_eq!(counts, expected);
        assert_eq!(counts, [3.0, 3.0]);
    }

    fn doc(doc: i64, ticket: i64, title: &str, body: &str) -> Candidate {
        Candidate {
            doc,
            ticket_id: ticket,
            title: title.into(),
            body: body.into(),
        }
    }

    #[test]
    fn title_matches_rank_first_and_a_ticket_appears_once() {
        let t = terms("print");
        let (hits, total) = rank(
            &t,
            vec![
                doc(4, 2, "", "relay printer queue is full"),
                doc(3, 3, "Printer offline", "our printer is offline"),
                doc(2, 2, "Mail bounces", "outgoing mail bounces"),
                doc(1, 1, "Printer jammed on floor 3", "it shows error E42"),
            ],
            20,
            0,
        );
        assert_eq!(total, 3);
        let ids: Vec<i64> = hits.iter().map(|h| h.ticket_id).collect();
        assert_eq!(ids, [3, 1, 2], "title and body, then title, then a note");
        assert_eq!(
            hits[2].snippet.as_deref(),
            Some("relay [printer] queue is full")
        );
        assert!(hits[0].score > hits[1].score && hits[1].score > hits[2].score);
        let (page, total) = rank(
            &t,
            vec![doc(1, 1, "Printer", ""), doc(2, 2, "Printer", "")],
            1,
            1,
        );
        assert_eq!(
            (page[0].ticket_id, total),
            (1, 2),
            "ties: newer ticket first"
        );
    }

    #[test]
    fn snippets_mark_prefix_matches_around_the_first_one() {
        let t = terms("data time");
        let text = "one two three four five six seven eight nine ten Database timeouts again, \
                    eleven twelve thirteen fourteen fifteen";
        assert_eq!(
            snippet(text, &t, 8).unwrap(),
            "…nine ten [Database] [timeouts] again, eleven twelve thirteen…"
        );
        assert_eq!(snippet("Mail down.", &t, 8), None);
        assert_eq!(snippet("Ünïcode Data!", &t, 8).unwrap(), "Ünïcode [Data]!");
    }
}
