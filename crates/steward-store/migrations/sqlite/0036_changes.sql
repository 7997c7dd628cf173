-- Change enablement (ISO/IEC 20000-1 8.5.1, 8.5.2): change records with their affected
-- services and CIs, risk answers, approvals by change advisory boards, the service design and
-- transition record of a major change, and the incidents a change caused. CHG numbers come
-- from the same counter table as ticket numbers, so they are gap-free the same way.
INSERT INTO ticket_counters (kind, last) VALUES ('change', 0);

CREATE TABLE change_boards (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    emergency  BOOLEAN NOT NULL DEFAULT FALSE,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE change_board_members (
    board_id BIGINT NOT NULL REFERENCES change_boards (id),
    user_id  BIGINT NOT NULL REFERENCES users (id),
    PRIMARY KEY (board_id, user_id)
);

CREATE TABLE change_templates (
    id                  INTEGER PRIMARY KEY,
    name                TEXT    NOT NULL UNIQUE,
    category            TEXT,
    description         TEXT,
    implementation_plan TEXT    NOT NULL,
    test_plan           TEXT    NOT NULL,
    backout_plan        TEXT    NOT NULL,
    active              BOOLEAN NOT NULL DEFAULT TRUE,
    created_at          BIGINT  NOT NULL,
    updated_at          BIGINT  NOT NULL
);

CREATE TABLE changes (
    id                  INTEGER PRIMARY KEY,
    number              TEXT   NOT NULL UNIQUE,
    change_type         TEXT   NOT NULL CHECK (change_type IN ('standard', 'normal', 'emergency')),
    template_id         BIGINT REFERENCES change_templates (id),
    category            TEXT,
    title               TEXT   NOT NULL,
    description         TEXT,
    justification       TEXT,
    service_change      TEXT   NOT NULL CHECK (service_change IN ('none', 'new', 'removed')),
    impact              TEXT   NOT NULL,
    impacted_services   TEXT   NOT NULL,
    risk_score          BIGINT NOT NULL,
    risk_level          TEXT   NOT NULL CHECK (risk_level IN ('low', 'medium', 'high', 'very_high')),
    implementation_plan TEXT,
    test_plan           TEXT,
    backout_plan        TEXT,
    planned_start       BIGINT,
    planned_end         BIGINT,
    status              TEXT   NOT NULL,
    approval            TEXT   NOT NULL,
    board_id            BIGINT REFERENCES change_boards (id),
    approval_rule       TEXT,
    approval_quorum     BIGINT,
    outcome             TEXT,
    pir_notes           TEXT,
    pir_outcome         TEXT,
    pir_at              BIGINT,
    created_by          BIGINT REFERENCES users (id),
    created_at          BIGINT NOT NULL,
    updated_at          BIGINT NOT NULL,
    started_at          BIGINT,
    completed_at        BIGINT,
    closed_at           BIGINT
);
CREATE INDEX changes_status ON changes (status, planned_start);
CREATE INDEX changes_planned ON changes (planned_start, planned_end);

CREATE TABLE change_services (
    change_id  BIGINT NOT NULL REFERENCES changes (id),
    service_id BIGINT NOT NULL REFERENCES services (id),
    PRIMARY KEY (change_id, service_id)
);
CREATE INDEX change_services_service ON change_services (service_id);

CREATE TABLE change_cis (
    change_id BIGINT NOT NULL REFERENCES changes (id),
    ci_id     BIGINT NOT NULL REFERENCES cis (id),
    PRIMARY KEY (change_id, ci_id)
);
CREATE INDEX change_cis_ci ON change_cis (ci_id);

CREATE TABLE change_risk_answers (
    change_id    BIGINT NOT NULL REFERENCES changes (id),
    question_key TEXT   NOT NULL,
    answer       BIGINT NOT NULL,
    PRIMARY KEY (change_id, question_key)
);

CREATE TABLE change_decisions (
    id        INTEGER PRIMARY KEY,
    change_id BIGINT NOT NULL REFERENCES changes (id),
    board_id  BIGINT NOT NULL REFERENCES change_boards (id),
    user_id   BIGINT NOT NULL REFERENCES users (id),
    decision  TEXT   NOT NULL CHECK (decision IN ('approve', 'reject')),
    comment   TEXT,
    at        BIGINT NOT NULL,
    UNIQUE (change_id, user_id)
);

CREATE TABLE change_designs (
    change_id           BIGINT NOT NULL PRIMARY KEY REFERENCES changes (id),
    requirements        TEXT   NOT NULL,
    design              TEXT   NOT NULL,
    acceptance_criteria TEXT   NOT NULL,
    transition_plan     TEXT   NOT NULL,
    updated_by          BIGINT REFERENCES users (id),
    updated_at          BIGINT NOT NULL
);

CREATE TABLE change_incidents (
    ticket_id BIGINT NOT NULL PRIMARY KEY REFERENCES tickets (id),
    change_id BIGINT NOT NULL REFERENCES changes (id),
    linked_at BIGINT NOT NULL
);
CREATE INDEX change_incidents_change ON change_incidents (change_id);
