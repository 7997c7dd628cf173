-- Major incidents, service requests from catalogue items, problems and known errors (8.6),
-- and attachments. Kind-specific fields live on the one tickets table, empty for other kinds.

ALTER TABLE tickets ADD COLUMN major BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tickets ADD COLUMN major_owner_id BIGINT REFERENCES users (id);
ALTER TABLE tickets ADD COLUMN parent_id BIGINT REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN problem_id BIGINT REFERENCES tickets (id);
ALTER TABLE tickets ADD COLUMN root_cause TEXT;
ALTER TABLE tickets ADD COLUMN workaround TEXT;
ALTER TABLE tickets ADD COLUMN known_error_number TEXT;
ALTER TABLE tickets ADD COLUMN catalogue_item_id BIGINT REFERENCES catalogue_items (id);
ALTER TABLE tickets ADD COLUMN answers TEXT;
ALTER TABLE tickets ADD COLUMN post_incident_review TEXT;
CREATE UNIQUE INDEX tickets_known_error_number ON tickets (known_error_number);
CREATE INDEX tickets_parent ON tickets (parent_id);
CREATE INDEX tickets_problem ON tickets (problem_id);
-- Known errors are few; this keeps the known-error database a small index scan.
CREATE INDEX tickets_known_errors ON tickets (kind, status) WHERE known_error_number IS NOT NULL;

INSERT INTO ticket_counters (kind, last) VALUES ('known_error', 0);

CREATE TABLE ticket_approvals (
    id          INTEGER PRIMARY KEY,
    ticket_id   BIGINT NOT NULL REFERENCES tickets (id),
    approver_id BIGINT REFERENCES users (id),
    approver    TEXT   NOT NULL,
    decision    TEXT   NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment     TEXT,
    at          BIGINT NOT NULL
);
CREATE INDEX ticket_approvals_ticket ON ticket_approvals (ticket_id, id);

-- Management notifications sent about a major incident, for the record.
CREATE TABLE major_notifications (
    id        INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    at        BIGINT NOT NULL,
    author_id BIGINT REFERENCES users (id),
    author    TEXT   NOT NULL,
    audience  TEXT   NOT NULL,
    channel   TEXT   NOT NULL,
    message   TEXT   NOT NULL
);
CREATE INDEX major_notifications_ticket ON major_notifications (ticket_id, id);

-- Attachments live in the database so that every node sees them and a failed upload leaves
-- nothing behind.
CREATE TABLE ticket_attachments (
    id           INTEGER PRIMARY KEY,
    ticket_id    BIGINT  NOT NULL REFERENCES tickets (id),
    file_name    TEXT    NOT NULL,
    content_type TEXT    NOT NULL,
    size_bytes   BIGINT  NOT NULL,
    sha256       TEXT    NOT NULL,
    public       BOOLEAN NOT NULL,
    uploaded_by_id BIGINT REFERENCES users (id),
    uploaded_by  TEXT    NOT NULL,
    uploaded_at  BIGINT  NOT NULL,
    content      BLOB   NOT NULL
);
CREATE INDEX ticket_attachments_ticket ON ticket_attachments (ticket_id, id);
