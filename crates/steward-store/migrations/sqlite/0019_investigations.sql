-- Investigations of unplanned non-availability (ISO/IEC 20000-1 8.7.1): one per service and
-- calendar month ("YYYY-MM"), for a month in which it missed its target.
CREATE TABLE availability_investigations (
    id         INTEGER PRIMARY KEY,
    service_id BIGINT NOT NULL REFERENCES services (id),
    month      TEXT   NOT NULL,
    owner_id   BIGINT NOT NULL REFERENCES users (id),
    findings   TEXT,
    actions    TEXT,
    status     TEXT   NOT NULL CHECK (status IN ('open', 'closed')),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (service_id, month)
);
