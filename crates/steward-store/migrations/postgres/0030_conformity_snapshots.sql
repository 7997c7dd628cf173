-- The evidence map as it stood each day, so progress towards the audit shows: the counts of
-- clauses by colour and the whole map as JSON. One row per UTC day, written once.
CREATE TABLE conformity_snapshots (
    day          TEXT   NOT NULL PRIMARY KEY,
    green        BIGINT NOT NULL,
    amber        BIGINT NOT NULL,
    red          BIGINT NOT NULL,
    not_assessed BIGINT NOT NULL,
    content      TEXT   NOT NULL,
    taken_at     BIGINT NOT NULL
);
