-- Services (8.2.2): owners, criticality, customers, dependencies, requirements.

CREATE TABLE services (
    id                          INTEGER PRIMARY KEY,
    name                        TEXT    NOT NULL,
    description                 TEXT,
    intended_outcome            TEXT,
    owner_id                    BIGINT  REFERENCES users (id),
    status                      TEXT    NOT NULL CHECK (status IN ('pipeline', 'live', 'retired')),
    criticality                 BIGINT  NOT NULL CHECK (criticality BETWEEN 1 AND 4),
    service_hours_calendar_id   BIGINT,
    availability_target_percent DOUBLE PRECISION,
    created_at                  BIGINT  NOT NULL,
    updated_at                  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX services_name_key ON services (lower(name));

CREATE TABLE service_customers (
    service_id      BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (service_id, organization_id)
);
CREATE INDEX service_customers_org ON service_customers (organization_id);

-- service_id depends on depends_on_id.
CREATE TABLE service_dependencies (
    service_id    BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    depends_on_id BIGINT NOT NULL REFERENCES services (id),
    PRIMARY KEY (service_id, depends_on_id)
);
CREATE INDEX service_dependencies_target ON service_dependencies (depends_on_id);

CREATE TABLE service_requirements (
    id         INTEGER PRIMARY KEY,
    service_id BIGINT NOT NULL REFERENCES services (id) ON DELETE CASCADE,
    text       TEXT   NOT NULL,
    source     TEXT   NOT NULL,
    stated_on  TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_requirements_service ON service_requirements (service_id);
