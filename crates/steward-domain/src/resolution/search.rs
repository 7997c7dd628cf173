//! Full-text search: turning what a person typed into terms both backends can match safely.
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
