-- The management system's own records (ISO/IEC 20000-1 4.3, 5.2, 6.1, 6.2).
-- The SMS scope and the service management policy keep every version: the newest is a draft
-- or the approved one in force, and an approved row is never updated again. Lists of ids are
-- JSON arrays the domain checks.
CREATE TABLE system_documents (
    id               INTEGER PRIMARY KEY,
    kind             TEXT   NOT NULL,
    version          BIGINT NOT NULL,
    status           TEXT   NOT NULL,
    text             TEXT   NOT NULL,
    service_ids      TEXT   NOT NULL,
    organization_ids TEXT   NOT NULL,
    exclusions       TEXT,
    owner_id         BIGINT REFERENCES users (id),
    review_due_on    TEXT,
    approved_by      BIGINT REFERENCES users (id),
    approved_at      BIGINT,
    created_at       BIGINT NOT NULL,
    updated_at       BIGINT NOT NULL,
    UNIQUE (kind, version)
);

CREATE TABLE objectives (
    id           INTEGER PRIMARY KEY,
    title        TEXT   NOT NULL,
    description  TEXT,
    owner_id     BIGINT REFERENCES users (id),
    measure      TEXT,
    target_value DOUBLE PRECISION,
    target_unit  TEXT,
    direction    TEXT,
    target_date  TEXT,
    status       TEXT   NOT NULL,
    figure       TEXT,
    service_id   BIGINT REFERENCES services (id),
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL
);

CREATE TABLE risks (
    id             INTEGER PRIMARY KEY,
    title          TEXT   NOT NULL,
    kind           TEXT   NOT NULL,
    description    TEXT,
    likelihood     BIGINT NOT NULL,
    impact         BIGINT NOT NULL,
    treatment      TEXT,
    treatment_text TEXT,
    owner_id       BIGINT REFERENCES users (id),
    review_due_on  TEXT,
    status         TEXT   NOT NULL,
    service_ids    TEXT   NOT NULL,
    created_at     BIGINT NOT NULL,
    updated_at     BIGINT NOT NULL
);
