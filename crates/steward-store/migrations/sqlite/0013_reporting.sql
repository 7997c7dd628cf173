-- Service reporting (9.4) and history imported from other service desks.

-- Where an imported ticket came from: (source, external_key) makes a re-import update the
-- same ticket; the digest of its rows lets an unchanged record be skipped.
CREATE TABLE ticket_imports (
    ticket_id    BIGINT NOT NULL PRIMARY KEY REFERENCES tickets (id),
    source       TEXT   NOT NULL,
    external_key TEXT   NOT NULL,
    attributes   TEXT   NOT NULL,
    digest       TEXT   NOT NULL,
    first_line   BIGINT NOT NULL,
    imported_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX ticket_imports_key ON ticket_imports (source, external_key);
-- The SLA-compliance report labels a ticket without an SLA by its import's source: one
-- probe per ticket, answered from this index rather than the (wide) provenance row.
CREATE INDEX ticket_imports_ticket_source ON ticket_imports (ticket_id, source);

-- What reports read per ticket instead of deriving clocks: when it was first acknowledged,
-- and each SLA clock's verdict once it has one (met or breached; NULL while running or
-- without a target). Imported tickets carry the source system's verdict.
ALTER TABLE tickets ADD COLUMN responded_at BIGINT;
ALTER TABLE tickets ADD COLUMN response_outcome TEXT CHECK (response_outcome IN ('met', 'breached'));
ALTER TABLE tickets ADD COLUMN resolution_outcome TEXT CHECK (resolution_outcome IN ('met', 'breached'));
-- The system an imported ticket came from (also in ticket_imports), so that compliance by
-- SLA labels imported verdicts without a join per ticket.
ALTER TABLE tickets ADD COLUMN import_source TEXT;
-- Report indexes: each leads with the instant a report ranges over and carries the columns
-- reports filter on and count, so that a report over a million tickets reads only an index,
-- not each ticket's row.
-- (The rowid, which the joins to ticket_slas use, is in every SQLite index.)
CREATE INDEX tickets_kind_resolved ON tickets
    (kind, resolved_at, opened_at, priority, team_id, service_id, organization_id);
CREATE INDEX tickets_kind_closed ON tickets
    (kind, closed_at, resolved_at, opened_at, priority, team_id, service_id, organization_id);
CREATE INDEX tickets_kind_responded ON tickets
    (kind, responded_at, opened_at, priority, team_id, service_id, organization_id);
CREATE INDEX tickets_kind_opened_report ON tickets
    (kind, opened_at, resolved_at, closed_at, priority, team_id, service_id, organization_id,
     response_outcome, resolution_outcome, reassignment_count, reopen_count, import_source);

-- Report definitions: who a pack of reports is for, with its filters and cadence.
CREATE TABLE report_definitions (
    id          INTEGER PRIMARY KEY,
    name        TEXT   NOT NULL,
    audience    TEXT   NOT NULL,
    reports     TEXT   NOT NULL,
    filters     TEXT   NOT NULL,
    grouping    TEXT   NOT NULL,
    cadence     TEXT   NOT NULL CHECK (cadence IN ('daily', 'weekly', 'monthly')),
    next_run_at BIGINT NOT NULL,
    owner_id    BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL
);
CREATE UNIQUE INDEX report_definitions_name ON report_definitions (lower(name));
CREATE INDEX report_definitions_due ON report_definitions (next_run_at);

-- A generated report, kept as it was: content and its SHA-256 never change.
CREATE TABLE report_snapshots (
    id             INTEGER PRIMARY KEY,
    definition_id  BIGINT NOT NULL REFERENCES report_definitions (id),
    period_from    BIGINT NOT NULL,
    period_to      BIGINT NOT NULL,
    generated_at   BIGINT NOT NULL,
    content        TEXT   NOT NULL,
    content_sha256 TEXT   NOT NULL,
    UNIQUE (definition_id, period_from, period_to)
);
CREATE TRIGGER report_snapshots_no_update BEFORE UPDATE ON report_snapshots
BEGIN SELECT RAISE(ABORT, 'report snapshots are immutable'); END;
CREATE TRIGGER report_snapshots_no_delete BEFORE DELETE ON report_snapshots
BEGIN SELECT RAISE(ABORT, 'report snapshots are immutable'); END;

-- Decisions and actions taken from a generated report.
CREATE TABLE report_actions (
    id          INTEGER PRIMARY KEY,
    snapshot_id BIGINT NOT NULL REFERENCES report_snapshots (id),
    kind        TEXT   NOT NULL CHECK (kind IN ('decision', 'action')),
    text        TEXT   NOT NULL,
    owner_id    BIGINT REFERENCES users (id),
    due_date    TEXT,
    created_by  TEXT   NOT NULL,
    created_at  BIGINT NOT NULL
);
CREATE INDEX report_actions_snapshot ON report_actions (snapshot_id, id);
