//! The shape of the schema, so a test can check that both migration sets agree.
use crate::{Ex, Result};
use std::collections::BTreeMap;

/// Search-index structures that differ by design: SQLite's FTS5 tables (and their
/// vocabulary), PostgreSQL's word table (and the tsvector column it replaced). Everything else
/// must match.
fn backend_specific(table: &str, column: &str) -> bool {
    table.starts_with("search_fts")
        || table == "search_terms"
        || (table == "search_docs" && column == "tsv")
}

/// Table name → sorted column names, excluding the migration bookkeeping table and the
/// backends' own search-index structures.
pub async fn tables_and_columns(ex: Ex<'_>) -> Result<BTreeMap<String, Vec<String>>> {
    let pairs: Vec<(String, String)> = match ex {
        Ex::Sqlite(c) => {
            sqlx::query_as(
                "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p
                 WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> '_sqlx_migrations'",
            )
            .fetch_all(c)
            .await?
        }
        Ex::Postgres(c) => {
            sqlx::query_as(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = current_schema() AND table_name <> '_sqlx_migrations'",
            )
            .fetch_all(c)
            .await?
        }
    };
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column) in pairs.into_iter().filter(|(t, c)| !backend_specific(t, c)) {
        map.entry(table).or_default().push(column);
    }
    for columns in map.values_mut() {
        columns.sort();
    }
    Ok(map)
}
