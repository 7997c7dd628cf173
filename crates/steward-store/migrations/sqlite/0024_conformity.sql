-- Nonconformities and corrective actions (ISO/IEC 20000-1 10.1) and internal audits (9.2).
-- A nonconformity comes from a source (an audit finding, a complaint, an incident review,
-- monitoring, or other) and closes only after its cause analysis, with every corrective
-- action done and an effectiveness check that found the actions effective. Dates are
-- `YYYY-MM-DD`; instants are microseconds since the epoch.
CREATE TABLE conformity_counters (
    kind TEXT   NOT NULL PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO conformity_counters (kind, last) VALUES ('nonconformity', 0);

CREATE TABLE audit_programmes (
    id          INTEGER PRIMARY KEY,
    title       TEXT   NOT NULL,
    period_from TEXT   NOT NULL,
    period_to   TEXT   NOT NULL,
    objectives  TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK (period_from <= period_to)
);

CREATE TABLE audits (
    id             INTEGER PRIMARY KEY,
    programme_id   BIGINT NOT NULL REFERENCES audit_programmes (id),
    title          TEXT   NOT NULL,
    scope_text     TEXT,
    -- The clauses audited against, one per line, like 8.7.1.
    criteria       TEXT   NOT NULL,
    planned_on     TEXT   NOT NULL,
    auditor_id     BIGINT NOT NULL REFERENCES users (id),
    status         TEXT   NOT NULL CHECK (status IN ('planned', 'in_progress', 'completed')),
    report_summary TEXT,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
CREATE INDEX audits_programme ON audits (programme_id, planned_on);

CREATE TABLE audit_scope_services (
    audit_id   BIGINT NOT NULL REFERENCES audits (id),
    service_id BIGINT NOT NULL REFERENCES services (id),
    PRIMARY KEY (audit_id, service_id)
);

CREATE TABLE audit_scope_teams (
    audit_id BIGINT NOT NULL REFERENCES audits (id),
    team_id  BIGINT NOT NULL REFERENCES teams (id),
    PRIMARY KEY (audit_id, team_id)
);

CREATE TABLE nonconformities (
    id                    INTEGER PRIMARY KEY,
    number                TEXT   NOT NULL UNIQUE,
    source                TEXT   NOT NULL CHECK (source IN ('audit', 'complaint', 'incident_review', 'monitoring', 'other')),
    audit_id              BIGINT REFERENCES audits (id),
    finding_id            BIGINT,
    complaint_id          BIGINT REFERENCES complaints (id),
    incident_id           BIGINT REFERENCES tickets (id),
    description           TEXT   NOT NULL,
    requirement           TEXT   NOT NULL,
    severity              TEXT   NOT NULL CHECK (severity IN ('minor', 'major')),
    owner_id              BIGINT REFERENCES users (id),
    correction            TEXT,
    cause_analysis        TEXT,
    status                TEXT   NOT NULL CHECK (status IN ('open', 'action_planned', 'verifying', 'closed')),
    check_text            TEXT,
    check_by              BIGINT REFERENCES users (id),
    check_on              TEXT,
    check_effective       BOOLEAN,
    closed_at             BIGINT,
    created_by            BIGINT REFERENCES users (id),
    created_at            BIGINT NOT NULL,
    updated_at            BIGINT NOT NULL
);
CREATE INDEX nonconformities_status ON nonconformities (status, id);

CREATE TABLE nonconformity_actions (
    id               INTEGER PRIMARY KEY,
    nonconformity_id BIGINT NOT NULL REFERENCES nonconformities (id),
    description      TEXT   NOT NULL,
    owner_id         BIGINT NOT NULL REFERENCES users (id),
    due_on           TEXT   NOT NULL,
    status           TEXT   NOT NULL CHECK (status IN ('open', 'done')),
    done_at          BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL
);
-- Overdue actions are found by status and due date.
CREATE INDEX nonconformity_actions_due ON nonconformity_actions (status, due_on);
CREATE INDEX nonconformity_actions_of ON nonconformity_actions (nonconformity_id);

CREATE TABLE audit_findings (
    id               INTEGER PRIMARY KEY,
    audit_id         BIGINT NOT NULL REFERENCES audits (id),
    kind             TEXT   NOT NULL CHECK (kind IN ('conformity', 'opportunity', 'minor_nonconformity', 'major_nonconformity')),
    clause           TEXT,
    description      TEXT   NOT NULL,
    evidence         TEXT,
    nonconformity_id BIGINT REFERENCES nonconformities (id),
    recorded_by      BIGINT REFERENCES users (id),
    created_at       BIGINT NOT NULL
);
CREATE INDEX audit_findings_audit ON audit_findings (audit_id, id);
