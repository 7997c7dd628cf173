-- The improvement register (ISO/IEC 20000-1 10.2). Scores, links and the measured result are
-- JSON documents the domain checks; an opportunity raised automatically carries the key of
-- what raised it (`availability:{service}:{YYYY-MM}`), unique, so it is raised once.
CREATE TABLE improvements (
    id              INTEGER PRIMARY KEY,
    title           TEXT   NOT NULL,
    description     TEXT,
    source          TEXT   NOT NULL,
    source_key      TEXT   UNIQUE,
    status          TEXT   NOT NULL,
    scores          TEXT   NOT NULL,
    decision_reason TEXT,
    decided_by      BIGINT REFERENCES users (id),
    decided_at      BIGINT,
    owner_id        BIGINT REFERENCES users (id),
    objective       TEXT,
    metric          TEXT,
    target_value    DOUBLE PRECISION,
    due_date        TEXT,
    links           TEXT   NOT NULL,
    measurement     TEXT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL
);
CREATE INDEX improvements_status ON improvements (status);
