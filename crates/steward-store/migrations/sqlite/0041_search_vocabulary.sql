-- Search at a million tickets: a query term stands for the indexed words that start with it,
-- found by seeking in FTS5's own vocabulary (one entry per word, document and position, read
-- lazily), and the query then matches those words exactly, newest document first, instead of
-- FTS5 merging every document list of a prefix before it can return the first row. A view of
-- the existing index: nothing is rebuilt, so this runs instantly on a database of any size.
CREATE VIRTUAL TABLE search_fts_vocab USING fts5vocab(search_fts, 'instance');
