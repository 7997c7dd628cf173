-- Audit samples (ISO/IEC 20000-1 9.2): what was asked (kind, period, size, seed), how many
-- records the period held, and the ids drawn, in order (a JSON array). The seed is an
-- unsigned 64-bit integer, kept as its decimal text since BIGINT is signed. The kind has no
-- CHECK so that a new kind of record (changes) needs no table rebuild on SQLite; the domain
-- admits only known kinds.
CREATE TABLE samples (
    id          INTEGER PRIMARY KEY,
    kind        TEXT   NOT NULL,
    period_from TEXT   NOT NULL,
    period_to   TEXT   NOT NULL,
    size        BIGINT NOT NULL,
    seed        TEXT   NOT NULL,
    population  BIGINT NOT NULL,
    record_ids  TEXT   NOT NULL,
    drawn_by    BIGINT REFERENCES users (id),
    drawn_at    BIGINT NOT NULL
);
