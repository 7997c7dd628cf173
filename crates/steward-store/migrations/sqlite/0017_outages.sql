-- Outages and maintenance windows per service (ISO/IEC 20000-1 8.7.1). Unplanned outages are
-- downtime; planned ones are agreed maintenance. No end: the outage still lasts.
CREATE TABLE outages (
    id          INTEGER PRIMARY KEY,
    service_id  BIGINT NOT NULL REFERENCES services (id),
    kind        TEXT   NOT NULL CHECK (kind IN ('unplanned', 'planned')),
    start_at    BIGINT NOT NULL,
    end_at      BIGINT,
    incident_id BIGINT REFERENCES tickets (id),
    note        TEXT,
    created_at  BIGINT NOT NULL,
    updated_at  BIGINT NOT NULL,
    CHECK (end_at IS NULL OR end_at >= start_at)
);
CREATE INDEX outages_service ON outages (service_id, start_at);
