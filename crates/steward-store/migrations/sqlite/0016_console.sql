-- The agent console at a million records (ISO/IEC 20000-1 8.6). Each record keeps its next
-- SLA deadline and the instant it enters "Breaching soon" (past a warning point, or due
-- within the hour), taken from its running clocks, so queues sort and filter by them in an
-- index. The partial indexes cover open records only: a queue costs what the backlog costs,
-- not what the history costs. Queries repeat the predicate word for word (SQLite needs it).
ALTER TABLE tickets ADD COLUMN sla_due_at BIGINT;
ALTER TABLE tickets ADD COLUMN sla_attention_at BIGINT;
UPDATE tickets SET
    sla_due_at = (SELECT MIN(due_at) FROM ticket_clock_deadlines d WHERE d.ticket_id = tickets.id),
    sla_attention_at = (SELECT MIN(MIN(COALESCE(warn_at, due_at - 3600000000), COALESCE(due_at - 3600000000, warn_at)))
                        FROM ticket_clock_deadlines d WHERE d.ticket_id = tickets.id)
WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');

CREATE INDEX tickets_open_opened ON tickets (opened_at, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
CREATE INDEX tickets_open_priority ON tickets (priority, opened_at, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
-- Records without a running clock sort after every due time, on both backends alike.
CREATE INDEX tickets_open_due ON tickets ((COALESCE(sla_due_at, 9223372036854775807)), id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
CREATE INDEX tickets_open_attention ON tickets (sla_attention_at)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
CREATE INDEX tickets_open_updated ON tickets (updated_at, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
CREATE INDEX tickets_open_assignee ON tickets (assignee_id, opened_at, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
-- A team's queue under any filter is read from this index alone: it is small (open records
-- only), so it carries every filter column and the SLA due time.
CREATE INDEX tickets_open_team ON tickets
    (team_id, priority, kind, status, assignee_id, service_id, sla_due_at, opened_at, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
CREATE INDEX tickets_open_major ON tickets (major, opened_at, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');

-- An agent's saved console views: a name and the query string it stands for.
CREATE TABLE console_views (
    id         INTEGER PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id),
    name       TEXT   NOT NULL,
    query      TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    UNIQUE (user_id, name)
);

-- A person's own time zone (IANA); none means "as the browser says".
ALTER TABLE users ADD COLUMN time_zone TEXT;
