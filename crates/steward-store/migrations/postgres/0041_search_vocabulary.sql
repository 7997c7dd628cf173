-- Search at a million tickets. A GIN index answers "which documents hold this word" as a
-- bitmap of all of them, so a word in 15 % of a million documents was read, rechecked and
-- sorted in full on every search before the newest could be picked. search_terms is an
-- inverted index in a B-tree instead: one row per (word, document), so the newest documents
-- of a word are a backward index scan that stops after the first few hundred, and the words
-- starting with a prefix are a few seeks. It replaces the tsvector column and its GIN index.
--
-- Words are split as the query is (steward_domain::resolution::search::terms_all): runs of
-- letters and digits, lower-cased. "C" collation keeps the words of one prefix together.
CREATE FUNCTION search_words(title TEXT, body TEXT) RETURNS SETOF TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT DISTINCT w FROM regexp_split_to_table(lower(title || ' ' || body), '[^[:alnum:]]+') w
    WHERE w <> ''
$$;

CREATE TABLE search_terms (
    term   TEXT COLLATE "C" NOT NULL,
    doc_id BIGINT NOT NULL
);
-- Existing documents first, then the key: one sorted index build instead of millions of
-- single inserts.
INSERT INTO search_terms (term, doc_id)
SELECT w, d.id FROM search_docs d, search_words(d.title, d.body) w;
ALTER TABLE search_terms ADD PRIMARY KEY (term, doc_id);

CREATE FUNCTION search_docs_terms() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM search_terms
        WHERE doc_id = OLD.id AND term IN (SELECT search_words(OLD.title, OLD.body));
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO search_terms (term, doc_id) SELECT w, NEW.id FROM search_words(NEW.title, NEW.body) w;
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER search_docs_terms AFTER INSERT OR UPDATE OR DELETE ON search_docs
    FOR EACH ROW EXECUTE FUNCTION search_docs_terms();

ALTER TABLE search_docs DROP COLUMN tsv;
