-- The store now writes a document's words with the document (steward-store's search::index
-- and reindex_ticket, and the importer in one set-based statement per batch): the per-row
-- PL/pgSQL trigger that split them with a regular expression made each create about three
-- times as costly as the GIN index it replaced. search_words stays for the importer.
DROP TRIGGER search_docs_terms ON search_docs;
DROP FUNCTION search_docs_terms();
