-- Nothing changes on SQLite (FTS5 splits the words); PostgreSQL drops the SQL word splitter
-- that the store no longer uses. The migration keeps both backends on the same versions.
SELECT 1;
