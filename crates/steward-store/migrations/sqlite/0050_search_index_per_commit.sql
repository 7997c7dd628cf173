-- SQLite creates at 16 clients (bench/README.md, "The search index written once per commit"):
-- FTS5 writes what it has been given to disk, as a new segment, at every savepoint and every
-- statement that may need undoing. Each create of a group commit does both, so each create
-- paid a segment of its own, and the merges that more segments bring: about a tenth of the
-- write connection's time. A new document now only notes its id in search_fts_pending, and
-- the writer indexes every noted document in the same transaction, just before its COMMIT
-- (steward_store::resolution::search::index_pending_sqlite): one segment per commit. Readers
-- see committed data only, so a document is searchable exactly when it was before: once its
-- transaction has committed.
--
-- A document is in the index or noted as pending, never both. Changing or deleting a pending
-- document leaves the index alone (it is indexed as it is at commit, or not at all); an
-- indexed one is changed in the index as before. A migration that inserts documents leaves
-- them pending until the next command commits.
CREATE TABLE search_fts_pending (
    doc_id INTEGER PRIMARY KEY
);

DROP TRIGGER search_docs_ai;
DROP TRIGGER search_docs_ad;
DROP TRIGGER search_docs_au;
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts_pending (doc_id) VALUES (new.id);
END;
-- One trigger, so that whether the document was indexed is read before its note is removed.
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body, scope)
    SELECT 'delete', old.id, old.title, old.body, old.scope
    WHERE NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE doc_id = old.id);
    DELETE FROM search_fts_pending WHERE doc_id = old.id;
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs
WHEN NOT EXISTS (SELECT 1 FROM search_fts_pending WHERE doc_id = old.id) BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body, scope) VALUES ('delete', old.id, old.title, old.body, old.scope);
    INSERT INTO search_fts (rowid, title, body, scope) VALUES (new.id, new.title, new.body, new.scope);
END;
