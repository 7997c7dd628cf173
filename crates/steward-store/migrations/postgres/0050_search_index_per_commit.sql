-- SQLite's search index is now written once per commit (see the SQLite migration of the same
-- number). PostgreSQL writes a document's words in the statement that inserts it, with no
-- per-statement cost to spare: nothing changes here. Kept so that both backends share their
-- migration numbers.
SELECT 1;
