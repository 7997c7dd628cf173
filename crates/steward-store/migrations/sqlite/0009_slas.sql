-- Service level management (8.3.3): business calendars, SLAs, and the clocks on tickets.
-- A calendar's and an SLA's definition is kept as the JSON the API accepts; the columns
-- beside it are what queries select on.

CREATE TABLE calendars (
    id         INTEGER PRIMARY KEY,
    name       TEXT   NOT NULL,
    definition TEXT   NOT NULL,
    version    BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX calendars_name ON calendars (lower(name));

CREATE TABLE slas (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL,
    service_id  BIGINT  NOT NULL REFERENCES services (id),
    calendar_id BIGINT  REFERENCES calendars (id),
    active      BOOLEAN NOT NULL,
    definition  TEXT    NOT NULL,
    version     BIGINT  NOT NULL,
    created_at  BIGINT  NOT NULL,
    updated_at  BIGINT  NOT NULL
);
CREATE UNIQUE INDEX slas_name ON slas (lower(name));
CREATE INDEX slas_service ON slas (service_id, active);

-- Which SLA governs a ticket, and why (chosen when it opens; kept when the SLA changes).
CREATE TABLE ticket_slas (
    ticket_id   BIGINT  NOT NULL PRIMARY KEY REFERENCES tickets (id),
    sla_id      BIGINT  NOT NULL REFERENCES slas (id),
    explanation TEXT    NOT NULL,
    -- False when an exception or a suspended workload limit says the targets do not apply.
    applies     BOOLEAN NOT NULL,
    chosen_at   BIGINT  NOT NULL
);
CREATE INDEX ticket_slas_sla ON ticket_slas (sla_id);

-- A clock is only its events; everything shown is derived from them.
CREATE TABLE ticket_clock_events (
    id        INTEGER PRIMARY KEY,
    ticket_id BIGINT NOT NULL REFERENCES tickets (id),
    metric    TEXT   NOT NULL CHECK (metric IN ('response', 'resolution')),
    at        BIGINT NOT NULL,
    kind      TEXT   NOT NULL CHECK (kind IN ('start', 'pause', 'resume', 'stop', 'restart', 'sla_changed', 'calendar_changed')),
    cause     TEXT   NOT NULL
);
CREATE INDEX ticket_clock_events_ticket ON ticket_clock_events (ticket_id, id);
