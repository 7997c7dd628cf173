-- Change blackout windows and conflict overrides (ISO/IEC 20000-1 8.5.1.3): a blackout is a
-- period in which changes should not be implemented, for every service (no rows in
-- change_blackout_services) or for the services listed. A change scheduled over a conflict
-- keeps the reason given and the conflicts it overrode (JSON).
CREATE TABLE change_blackouts (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL,
    start_at   BIGINT NOT NULL,
    end_at     BIGINT NOT NULL CHECK (end_at > start_at),
    reason     TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX change_blackouts_window ON change_blackouts (start_at, end_at);

CREATE TABLE change_blackout_services (
    blackout_id BIGINT NOT NULL REFERENCES change_blackouts (id) ON DELETE CASCADE,
    service_id  BIGINT NOT NULL REFERENCES services (id),
    PRIMARY KEY (blackout_id, service_id)
);

ALTER TABLE changes ADD COLUMN override_reason TEXT;
ALTER TABLE changes ADD COLUMN overridden_conflicts TEXT;
