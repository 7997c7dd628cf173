-- Management reviews (ISO/IEC 20000-1 9.3), the decisions and actions recorded against them,
-- and each review's input pack once frozen: written once, never changed or deleted (the
-- database refuses), with the SHA-256 of its JSON.
CREATE TABLE management_reviews (
    id          INTEGER PRIMARY KEY,
    title       TEXT   NOT NULL,
    period_from TEXT   NOT NULL,
    period_to   TEXT   NOT NULL,
    chair_id    BIGINT REFERENCES users (id),
    minutes     TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);

CREATE TABLE review_packs (
    review_id BIGINT NOT NULL PRIMARY KEY REFERENCES management_reviews (id),
    content   TEXT   NOT NULL,
    sha256    TEXT   NOT NULL,
    frozen_at BIGINT NOT NULL
);
CREATE TRIGGER review_packs_no_update BEFORE UPDATE ON review_packs
BEGIN SELECT RAISE(ABORT, 'review packs are immutable'); END;
CREATE TRIGGER review_packs_no_delete BEFORE DELETE ON review_packs
BEGIN SELECT RAISE(ABORT, 'review packs are immutable'); END;

CREATE TABLE review_items (
    id         INTEGER PRIMARY KEY,
    review_id  BIGINT NOT NULL REFERENCES management_reviews (id),
    kind       TEXT   NOT NULL CHECK (kind IN ('decision', 'action')),
    text       TEXT   NOT NULL,
    owner_id   BIGINT REFERENCES users (id),
    due_date   TEXT,
    status     TEXT   NOT NULL CHECK (status IN ('open', 'done')),
    done_at    BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX review_items_review ON review_items (review_id);
