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

/// FTS5: every term must match, each as a prefix (`"mail"* "down"*`).
pub fn fts5_query(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\"*"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// FTS5 with any term exact (`"mail" OR "down"`), for highlighting one known document.
pub fn fts5_exact(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("\"{t}\""))
        .collect::<Vec<_>>()
        .join(" OR ")
}

/// PostgreSQL `to_tsquery('simple', …)`: every term as a prefix (`mail:* & down:*`).
pub fn tsquery(terms: &[String]) -> String {
    terms
        .iter()
        .map(|t| format!("{t}:*"))
        .collect::<Vec<_>>()
        .join(" & ")
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
    fn queries_become_plain_prefix_terms() {
        let t = terms("Mail DOWN!! \"OR\" * (x:* & y) ünïcode");
        assert_eq!(t, ["mail", "down", "or", "x", "y", "ünïcode"]);
        assert_eq!(fts5_query(&t[..2]), "\"mail\"* \"down\"*");
        assert_eq!(tsquery(&t[..2]), "mail:* & down:*");
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
