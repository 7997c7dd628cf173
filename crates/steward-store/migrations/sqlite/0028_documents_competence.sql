-- The register of documented information (ISO/IEC 20000-1 7.5) with its versions, and
-- competence records (7.2). A version holds text or a file (kept in the database like ticket
-- attachments, so every node sees it); an approved version is never updated. (kind, title) is
-- unique so seeding placeholders twice creates nothing; at most one active plan (6.3).
CREATE TABLE documents (
    id                     INTEGER PRIMARY KEY,
    title                  TEXT   NOT NULL,
    kind                   TEXT   NOT NULL,
    owner_id               BIGINT REFERENCES users (id),
    clause                 TEXT,
    review_interval_months BIGINT NOT NULL,
    review_due_on          TEXT,
    last_reviewed_on       TEXT,
    status                 TEXT   NOT NULL,
    withdrawn_at           BIGINT,
    withdrawn_reason       TEXT,
    created_at             BIGINT NOT NULL,
    updated_at             BIGINT NOT NULL,
    UNIQUE (kind, title)
);
CREATE UNIQUE INDEX documents_one_active_plan ON documents (kind)
    WHERE kind = 'service_management_plan' AND status = 'active';

CREATE TABLE document_versions (
    id               INTEGER PRIMARY KEY,
    document_id      BIGINT NOT NULL REFERENCES documents (id),
    label            TEXT   NOT NULL,
    status           TEXT   NOT NULL,
    format           TEXT,
    body             TEXT,
    file_name        TEXT,
    content_type     TEXT,
    size_bytes       BIGINT,
    sha256           TEXT,
    content          BLOB,
    change_note      TEXT,
    created_by       BIGINT REFERENCES users (id),
    created_by_name  TEXT   NOT NULL,
    created_at       BIGINT NOT NULL,
    approved_by      BIGINT REFERENCES users (id),
    approved_by_name TEXT,
    approved_at      BIGINT,
    UNIQUE (document_id, label)
);

CREATE TABLE competences (
    id          INTEGER PRIMARY KEY,
    user_id     BIGINT NOT NULL REFERENCES users (id),
    skill       TEXT   NOT NULL,
    level       TEXT   NOT NULL,
    evidence    TEXT,
    obtained_on TEXT   NOT NULL,
    expires_on  TEXT,
    verified_by BIGINT REFERENCES users (id),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    UNIQUE (user_id, skill)
);
