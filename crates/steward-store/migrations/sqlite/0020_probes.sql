-- Health probes per service (ISO/IEC 20000-1 8.7.1) and the results of their checks. The
-- configuration is one JSON document (the domain checks it); the columns the scheduler reads
-- are columns. `in_flight_until` claims a probe while a node checks it, so a hanging target
-- is never checked twice at once. A probe's outage and incident carry no foreign key: staff
-- may delete an outage, and the probe then simply has none to close.
CREATE TABLE probes (
    id                   INTEGER PRIMARY KEY,
    service_id           BIGINT  NOT NULL REFERENCES services (id),
    config               TEXT    NOT NULL,
    enabled              BOOLEAN NOT NULL,
    state                TEXT    NOT NULL CHECK (state IN ('unknown', 'up', 'down')),
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    failing_since        BIGINT,
    last_checked_at      BIGINT,
    last_error           TEXT,
    next_check_at        BIGINT  NOT NULL,
    in_flight_until      BIGINT  NOT NULL DEFAULT 0,
    outage_id            BIGINT,
    incident_id          BIGINT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);
CREATE INDEX probes_service ON probes (service_id);
CREATE INDEX probes_due ON probes (next_check_at) WHERE enabled;

-- Results are kept for a bounded time, except the failed checks that opened an outage.
CREATE TABLE probe_results (
    id          INTEGER PRIMARY KEY,
    probe_id    BIGINT  NOT NULL REFERENCES probes (id) ON DELETE CASCADE,
    checked_at  BIGINT  NOT NULL,
    ok          BOOLEAN NOT NULL,
    latency_ms  BIGINT  NOT NULL,
    status_code INTEGER,
    error       TEXT,
    outage_id   BIGINT
);
CREATE INDEX probe_results_probe ON probe_results (probe_id, checked_at);
CREATE INDEX probe_results_outage ON probe_results (outage_id) WHERE outage_id IS NOT NULL;
CREATE INDEX probe_results_age ON probe_results (checked_at) WHERE outage_id IS NULL;
