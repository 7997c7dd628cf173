-- Nothing changes on SQLite: FTS5 follows search_docs by its own triggers. The migration
-- exists so that both backends carry the same versions (PostgreSQL drops its search_terms
-- trigger here).
SELECT 1;
