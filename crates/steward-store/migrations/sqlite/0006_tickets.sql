-- Tickets (8.6): incidents, service requests and problems share one table and one timeline.
-- Numbers come from a counter row per kind, taken under the write lock, so they are unique
-- and gap-free even with several PostgreSQL nodes.

CREATE TABLE ticket_counters (
    kind TEXT   NOT NULL PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO ticket_counters (kind, last) VALUES ('incident', 0), ('request', 0), ('problem', 0);

CREATE TABLE tickets (
    id                 INTEGER PRIMARY KEY,
    kind               TEXT   NOT NULL CHECK (kind IN ('incident', 'request', 'problem')),
    number             TEXT   NOT NULL UNIQUE,
    title              TEXT   NOT NULL,
    description        TEXT,
    status             TEXT   NOT NULL,
    impact             TEXT   NOT NULL CHECK (impact IN ('high', 'medium', 'low')),
    urgency            TEXT   NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
    priority           BIGINT NOT NULL CHECK (priority BETWEEN 1 AND 5),
    category           TEXT,
    channel            TEXT   NOT NULL,
    requester_id       BIGINT REFERENCES users (id),
    organization_id    BIGINT REFERENCES organizations (id),
    service_id         BIGINT REFERENCES services (id),
    ci_id              BIGINT REFERENCES cis (id),
    team_id            BIGINT REFERENCES teams (id),
    assignee_id        BIGINT REFERENCES users (id),
    pending_reason     TEXT,
    resolution_code    TEXT,
    resolution_notes   TEXT,
    reassignment_count BIGINT NOT NULL DEFAULT 0,
    reopen_count       BIGINT NOT NULL DEFAULT 0,
    opened_at          BIGINT NOT NULL,
    updated_at         BIGINT NOT NULL,
    resolved_at        BIGINT,
    closed_at          BIGINT
);
CREATE INDEX tickets_kind_status ON tickets (kind, status, opened_at);
CREATE INDEX tickets_organization ON tickets (organization_id, opened_at);
CREATE INDEX tickets_team ON tickets (team_id, status);
CREATE INDEX tickets_assignee ON tickets (assignee_id, status);
CREATE INDEX tickets_service ON tickets (service_id, opened_at);

CREATE TABLE ticket_events (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    at          BIGINT NOT NULL,
    actor_id    BIGINT,
    actor       TEXT   NOT NULL,
    event       TEXT   NOT NULL,
    from_status TEXT,
    to_status   TEXT,
    detail      TEXT
);
CREATE INDEX ticket_events_ticket ON ticket_events (ticket_id, id);

-- Settings admins change at run time (the priority matrix), as JSON.
CREATE TABLE settings (
    key        TEXT   NOT NULL PRIMARY KEY,
    value      TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);

-- The work log: public replies (the customer sees them) and internal notes, with time spent.
CREATE TABLE ticket_comments (
    id                 INTEGER PRIMARY KEY,
    ticket_id          BIGINT  NOT NULL REFERENCES tickets (id),
    at                 BIGINT  NOT NULL,
    author_id          BIGINT,
    author             TEXT    NOT NULL,
    public             BOOLEAN NOT NULL,
    body               TEXT    NOT NULL,
    time_spent_minutes BIGINT  NOT NULL DEFAULT 0
);
CREATE INDEX ticket_comments_ticket ON ticket_comments (ticket_id, id);
