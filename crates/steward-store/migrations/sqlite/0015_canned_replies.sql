-- Canned replies: texts a team answers often; no team means every agent's.
CREATE TABLE canned_replies (
    id          INTEGER PRIMARY KEY,
    title       TEXT   NOT NULL,
    body        TEXT   NOT NULL,
    team_id     BIGINT REFERENCES teams (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE INDEX canned_replies_team ON canned_replies (team_id);
