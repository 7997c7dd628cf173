-- Full-text search over tickets: one document per ticket (title and description) and one
-- per work-log entry. SQLite indexes them with FTS5 (external content, kept in step by
-- triggers); PostgreSQL with a generated tsvector column and a GIN index. search_docs has the
-- same columns on both; the index structures are the backend's own.

CREATE TABLE search_docs (
    id        INTEGER PRIMARY KEY,
    ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
    source    TEXT    NOT NULL CHECK (source IN ('ticket', 'comment')),
    public    BOOLEAN NOT NULL,
    title     TEXT    NOT NULL,
    body      TEXT    NOT NULL
);
CREATE INDEX search_docs_ticket ON search_docs (ticket_id);

CREATE VIRTUAL TABLE search_fts USING fts5(
    title, body, content = 'search_docs', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
CREATE TRIGGER search_docs_ai AFTER INSERT ON search_docs BEGIN
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
CREATE TRIGGER search_docs_ad AFTER DELETE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
END;
CREATE TRIGGER search_docs_au AFTER UPDATE ON search_docs BEGIN
    INSERT INTO search_fts (search_fts, rowid, title, body) VALUES ('delete', old.id, old.title, old.body);
    INSERT INTO search_fts (rowid, title, body) VALUES (new.id, new.title, new.body);
END;
