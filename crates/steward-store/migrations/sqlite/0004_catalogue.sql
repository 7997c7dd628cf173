-- The service catalogue (8.2.4): entries over services, request offerings with typed forms,
-- and every version of both.

CREATE TABLE catalogue_entries (
    id         INTEGER PRIMARY KEY,
    service_id BIGINT  NOT NULL UNIQUE REFERENCES services (id),
    title      TEXT    NOT NULL,
    summary    TEXT,
    published  BOOLEAN NOT NULL DEFAULT FALSE,
    version    BIGINT  NOT NULL,
    created_at BIGINT  NOT NULL,
    updated_at BIGINT  NOT NULL
);

CREATE TABLE catalogue_items (
    id                      INTEGER PRIMARY KEY,
    entry_id                BIGINT  NOT NULL REFERENCES catalogue_entries (id),
    name                    TEXT    NOT NULL,
    description             TEXT,
    form                    TEXT    NOT NULL,
    fulfilment_instructions TEXT,
    approval                TEXT,
    fulfilment_team_id      BIGINT  REFERENCES teams (id),
    active                  BOOLEAN NOT NULL DEFAULT TRUE,
    version                 BIGINT  NOT NULL,
    created_at              BIGINT  NOT NULL,
    updated_at              BIGINT  NOT NULL
);
CREATE INDEX catalogue_items_entry ON catalogue_items (entry_id);
CREATE UNIQUE INDEX catalogue_items_name_key ON catalogue_items (entry_id, lower(name));

CREATE TABLE catalogue_versions (
    id          INTEGER PRIMARY KEY,
    record_type TEXT   NOT NULL CHECK (record_type IN ('entry', 'item')),
    record_id   BIGINT NOT NULL,
    version     BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor       TEXT   NOT NULL,
    snapshot    TEXT   NOT NULL,
    UNIQUE (record_type, record_id, version)
);
