-- Releases and deployments (ISO/IEC 20000-1 8.5.3): a release groups changes, is accepted
-- against its acceptance criteria and deployed once per environment. REL numbers come from the
-- ticket counter table, gap-free like the others. Also: a change may open a planned outage on
-- its affected services while it is implemented (change_outages links the two).
INSERT INTO ticket_counters (kind, last) VALUES ('release', 0);

ALTER TABLE changes ADD COLUMN planned_outage BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE change_outages (
    outage_id BIGINT NOT NULL PRIMARY KEY REFERENCES outages (id),
    change_id BIGINT NOT NULL REFERENCES changes (id)
);
CREATE INDEX change_outages_change ON change_outages (change_id);

CREATE TABLE release_environments (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    production BOOLEAN NOT NULL DEFAULT FALSE,
    position   BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL
);
INSERT INTO release_environments (name, production, position, created_at)
VALUES ('test', FALSE, 1, 0), ('staging', FALSE, 2, 0), ('production', TRUE, 3, 0);

CREATE TABLE releases (
    id           INTEGER PRIMARY KEY,
    number       TEXT   NOT NULL UNIQUE,
    title        TEXT   NOT NULL,
    description  TEXT,
    release_type TEXT   NOT NULL CHECK (release_type IN ('major', 'minor', 'emergency')),
    planned_date TEXT,
    status       TEXT   NOT NULL CHECK (status IN ('planning', 'build', 'testing', 'accepted',
                                                   'deployed', 'closed', 'cancelled')),
    created_by   BIGINT REFERENCES users (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    closed_at    BIGINT
);
CREATE INDEX releases_status ON releases (status);

CREATE TABLE release_changes (
    release_id BIGINT NOT NULL REFERENCES releases (id),
    change_id  BIGINT NOT NULL REFERENCES changes (id),
    PRIMARY KEY (release_id, change_id)
);
CREATE INDEX release_changes_change ON release_changes (change_id);

CREATE TABLE release_criteria (
    id         INTEGER PRIMARY KEY,
    release_id BIGINT  NOT NULL REFERENCES releases (id),
    text       TEXT    NOT NULL,
    met        BOOLEAN NOT NULL DEFAULT FALSE,
    decided_by BIGINT REFERENCES users (id),
    decided_at BIGINT
);
CREATE INDEX release_criteria_release ON release_criteria (release_id);

CREATE TABLE deployments (
    id             INTEGER PRIMARY KEY,
    release_id     BIGINT NOT NULL REFERENCES releases (id),
    environment_id BIGINT NOT NULL REFERENCES release_environments (id),
    planned_at     BIGINT,
    actual_at      BIGINT,
    result         TEXT CHECK (result IN ('successful', 'failed', 'rolled_back')),
    approved_by    BIGINT REFERENCES users (id),
    approved_at    BIGINT,
    notes          TEXT,
    created_by     BIGINT REFERENCES users (id),
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL,
    UNIQUE (release_id, environment_id)
);
