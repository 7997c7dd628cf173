-- The change calendar (ISO/IEC 20000-1 8.5.1.3: planned changes communicated to those
-- concerned). A change gets an assigned team, its assignment group, the way a ticket has one:
-- the team that carries it out and whose calendar it appears in. Each person may hold one
-- secret iCalendar feed token; only its SHA-256 is kept, and revoking deletes the row.
ALTER TABLE changes ADD COLUMN team_id BIGINT REFERENCES teams (id);
CREATE INDEX changes_team ON changes (team_id, planned_start);

CREATE TABLE change_feed_tokens (
    user_id    BIGINT NOT NULL PRIMARY KEY REFERENCES users (id),
    token_hash TEXT   NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);
