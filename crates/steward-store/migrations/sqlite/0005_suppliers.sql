-- Supplier management (8.3.4) and complaints (8.3.2): suppliers, agreements (underpinning
-- contracts and OLAs) with the services they underpin, complaints and supplier disputes with
-- their timelines.

CREATE TABLE suppliers (
    id            INTEGER PRIMARY KEY,
    name          TEXT   NOT NULL,
    description   TEXT,
    contact_name  TEXT,
    contact_email TEXT,
    owner_id      BIGINT REFERENCES users (id),
    status        TEXT   NOT NULL CHECK (status IN ('active', 'inactive')),
    created_at    BIGINT NOT NULL,
    updated_at    BIGINT NOT NULL
);
CREATE UNIQUE INDEX suppliers_name_key ON suppliers (lower(name));

-- One table for both kinds, so the SLA engine can attach targets to either.
CREATE TABLE agreements (
    id          INTEGER PRIMARY KEY,
    kind        TEXT   NOT NULL CHECK (kind IN ('underpinning_contract', 'ola')),
    title       TEXT   NOT NULL,
    scope       TEXT,
    supplier_id BIGINT REFERENCES suppliers (id),
    team_id     BIGINT REFERENCES teams (id),
    -- JSON array of {"name", "target"}.
    targets     TEXT   NOT NULL,
    obligations TEXT,
    start_date  TEXT,
    end_date    TEXT,
    owner_id    BIGINT REFERENCES users (id),
    status      TEXT   NOT NULL CHECK (status IN ('draft', 'active', 'expired', 'terminated')),
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK ((kind = 'underpinning_contract' AND supplier_id IS NOT NULL AND team_id IS NULL)
        OR (kind = 'ola' AND team_id IS NOT NULL AND supplier_id IS NULL)),
    CHECK (start_date IS NULL OR end_date IS NULL OR end_date >= start_date)
);
CREATE INDEX agreements_supplier ON agreements (supplier_id);
CREATE INDEX agreements_team ON agreements (team_id);

CREATE TABLE agreement_services (
    agreement_id BIGINT NOT NULL REFERENCES agreements (id) ON DELETE CASCADE,
    service_id   BIGINT NOT NULL REFERENCES services (id),
    PRIMARY KEY (agreement_id, service_id)
);
CREATE INDEX agreement_services_service ON agreement_services (service_id);

-- The last number given per kind; the UPDATE … RETURNING that takes the next one locks the
-- row, so concurrent nodes on PostgreSQL never hand out the same number.
CREATE TABLE complaint_counters (
    kind TEXT   NOT NULL PRIMARY KEY,
    last BIGINT NOT NULL
);
INSERT INTO complaint_counters (kind, last) VALUES ('complaint', 0), ('supplier_dispute', 0);

CREATE TABLE complaints (
    id              INTEGER PRIMARY KEY,
    kind            TEXT   NOT NULL CHECK (kind IN ('complaint', 'supplier_dispute')),
    number          TEXT   NOT NULL UNIQUE,
    title           TEXT   NOT NULL,
    description     TEXT,
    organization_id BIGINT REFERENCES organizations (id),
    service_id      BIGINT REFERENCES services (id),
    supplier_id     BIGINT REFERENCES suppliers (id),
    agreement_id    BIGINT REFERENCES agreements (id),
    raised_by       BIGINT REFERENCES users (id),
    owner_id        BIGINT REFERENCES users (id),
    status          TEXT   NOT NULL CHECK (status IN ('new', 'investigating', 'resolved', 'closed', 'withdrawn')),
    resolution      TEXT,
    closed_at       BIGINT,
    created_at      BIGINT NOT NULL,
    updated_at      BIGINT NOT NULL,
    CHECK ((kind = 'complaint' AND organization_id IS NOT NULL AND supplier_id IS NULL AND agreement_id IS NULL)
        OR (kind = 'supplier_dispute' AND supplier_id IS NOT NULL AND organization_id IS NULL AND service_id IS NULL))
);
CREATE INDEX complaints_organization ON complaints (organization_id);
CREATE INDEX complaints_supplier ON complaints (supplier_id);
CREATE INDEX complaints_agreement ON complaints (agreement_id);
CREATE INDEX complaints_status ON complaints (status);

-- The timeline: creation (from_status NULL) and every transition.
CREATE TABLE complaint_events (
    id           INTEGER PRIMARY KEY,
    complaint_id BIGINT NOT NULL REFERENCES complaints (id),
    at           BIGINT NOT NULL,
    actor_id     BIGINT REFERENCES users (id),
    actor        TEXT   NOT NULL,
    from_status  TEXT,
    to_status    TEXT   NOT NULL,
    note         TEXT
);
CREATE INDEX complaint_events_complaint ON complaint_events (complaint_id, id);
