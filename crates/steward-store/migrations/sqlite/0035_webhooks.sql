-- Webhooks: subscriptions to events of the audit trail, POSTed signed to an admin's URL.
-- An event is an audit entry (its seq is the event id); the dispatcher reads the trail after
-- its cursor and enqueues one delivery per matching subscription in the same transaction that
-- moves the cursor, so no event is skipped or enqueued twice.
CREATE TABLE webhooks (
    id                   INTEGER PRIMARY KEY,
    name                 TEXT    NOT NULL,
    url                  TEXT    NOT NULL,
    events               TEXT    NOT NULL,
    conditions           TEXT    NOT NULL,
    secret               TEXT    NOT NULL,
    enabled              BOOLEAN NOT NULL,
    disabled_reason      TEXT,
    consecutive_failures INTEGER NOT NULL DEFAULT 0,
    max_failures         INTEGER NOT NULL,
    -- Events up to this audit seq happened before the subscription existed.
    from_seq             BIGINT  NOT NULL,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL
);

-- How far the dispatcher has read the audit trail. Starts at the trail's head: history from
-- before webhooks existed is not sent.
CREATE TABLE webhook_cursor (
    id  INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
    seq BIGINT  NOT NULL
);
INSERT INTO webhook_cursor (id, seq) SELECT 1, seq FROM audit_head WHERE id = 1;

-- One event for one subscription. The body is fixed when enqueued, so a retry or a
-- redelivery sends the same bytes (signed afresh with the time of sending).
CREATE TABLE webhook_deliveries (
    id               INTEGER PRIMARY KEY,
    webhook_id       BIGINT  NOT NULL REFERENCES webhooks (id),
    event_seq        BIGINT  NOT NULL,
    event_type       TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  BIGINT  NOT NULL,
    in_flight_until  BIGINT  NOT NULL DEFAULT 0,
    last_status_code INTEGER,
    last_error       TEXT,
    delivered_at     BIGINT,
    created_at       BIGINT  NOT NULL,
    updated_at       BIGINT  NOT NULL,
    UNIQUE (webhook_id, event_seq)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';

-- The delivery log: each attempt with its answer (the body truncated) or its error.
CREATE TABLE webhook_attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  BIGINT  NOT NULL REFERENCES webhook_deliveries (id),
    webhook_id   BIGINT  NOT NULL,
    attempted_at BIGINT  NOT NULL,
    ok           BOOLEAN NOT NULL,
    status_code  INTEGER,
    duration_ms  BIGINT  NOT NULL,
    error        TEXT,
    response     TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts (delivery_id);
