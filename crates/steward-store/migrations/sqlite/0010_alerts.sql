-- Breach warnings and escalation (8.3.3). Each clock's next warning point and deadline are
-- kept here whenever its events change, so the background scan reads an index instead of
-- deriving every clock; the flags make each warning and breach fire exactly once, whichever
-- node gets there first.
CREATE TABLE ticket_clock_deadlines (
    ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
    metric    TEXT    NOT NULL,
    warn_at   BIGINT,
    due_at    BIGINT,
    warned    BOOLEAN NOT NULL DEFAULT FALSE,
    breached  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (ticket_id, metric)
);
CREATE INDEX ticket_clock_deadlines_warn ON ticket_clock_deadlines (warn_at) WHERE NOT warned;
CREATE INDEX ticket_clock_deadlines_due ON ticket_clock_deadlines (due_at) WHERE NOT breached;

-- Notifications for people and teams, listed by the API; email and webhooks deliver from here.
CREATE TABLE notifications (
    id                INTEGER PRIMARY KEY,
    recipient_user_id BIGINT REFERENCES users (id),
    recipient_team_id BIGINT REFERENCES teams (id),
    ticket_id         BIGINT REFERENCES tickets (id),
    topic             TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    body              TEXT    NOT NULL,
    created_at        BIGINT  NOT NULL,
    read_at           BIGINT
);
CREATE INDEX notifications_user ON notifications (recipient_user_id, id);
CREATE INDEX notifications_team ON notifications (recipient_team_id, id);
