-- The importer now splits words in the store too (search::ticket_terms), so every write to
-- search_terms uses the one tokenizer the queries use (steward_domain's terms_all) and the
-- SQL copy of it that 0041 defined, and that 0043 kept for the importer, has no user left.
DROP FUNCTION search_words(TEXT, TEXT);
