-- OLAs and underpinning contracts on the SLA clock engine (8.3.3, 8.3.4). An SLA-engine
-- record gets a level: `sla` (a service and its customers, as before), `ola` (an internal
-- team) or `underpinning_contract` (a supplier), optionally linked to its agreement record.
-- OLAs and contracts need no service, so service_id becomes optional; SQLite cannot drop a
-- NOT NULL, so the table is rebuilt, with ticket_slas set aside meanwhile so that no foreign
-- key is ever broken.
CREATE TABLE ticket_slas_keep AS SELECT * FROM ticket_slas;
DELETE FROM ticket_slas;

CREATE TABLE slas_new (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL,
    level        TEXT    NOT NULL DEFAULT 'sla' CHECK (level IN ('sla', 'ola', 'underpinning_contract')),
    service_id   BIGINT  REFERENCES services (id),
    team_id      BIGINT  REFERENCES teams (id),
    supplier_id  BIGINT  REFERENCES suppliers (id),
    agreement_id BIGINT  REFERENCES agreements (id) ON DELETE SET NULL,
    calendar_id  BIGINT  REFERENCES calendars (id),
    active       BOOLEAN NOT NULL,
    definition   TEXT    NOT NULL,
    version      BIGINT  NOT NULL,
    created_at   BIGINT  NOT NULL,
    updated_at   BIGINT  NOT NULL,
    CHECK ((level = 'sla' AND service_id IS NOT NULL AND team_id IS NULL AND supplier_id IS NULL)
        OR (level = 'ola' AND team_id IS NOT NULL AND supplier_id IS NULL)
        OR (level = 'underpinning_contract' AND supplier_id IS NOT NULL AND team_id IS NULL))
);
INSERT INTO slas_new (id, name, level, service_id, calendar_id, active, definition, version, created_at, updated_at)
    SELECT id, name, 'sla', service_id, calendar_id, active, definition, version, created_at, updated_at FROM slas;
DROP TABLE slas;
ALTER TABLE slas_new RENAME TO slas;
CREATE UNIQUE INDEX slas_name ON slas (lower(name));
CREATE INDEX slas_service ON slas (service_id, active);
CREATE INDEX slas_team ON slas (team_id);
CREATE INDEX slas_supplier ON slas (supplier_id);

INSERT INTO ticket_slas SELECT * FROM ticket_slas_keep;
DROP TABLE ticket_slas_keep;

-- A ticket's clock events: sla_id NULL for the clocks of the SLA that governs it
-- (ticket_slas); otherwise the OLA or contract whose clock it is, and which stint (each
-- time the ticket reaches the team or the supplier, a new pair of clocks).
ALTER TABLE ticket_clock_events ADD COLUMN sla_id BIGINT REFERENCES slas (id);
ALTER TABLE ticket_clock_events ADD COLUMN stint BIGINT;
CREATE INDEX ticket_clock_events_sla ON ticket_clock_events (sla_id, ticket_id);

-- The breach scan's view of OLA and contract clocks, one row per clock, like
-- ticket_clock_deadlines for the SLA's; the flags make each alert fire exactly once.
CREATE TABLE agreement_clock_deadlines (
    ticket_id BIGINT  NOT NULL REFERENCES tickets (id),
    sla_id    BIGINT  NOT NULL REFERENCES slas (id),
    stint     BIGINT  NOT NULL,
    metric    TEXT    NOT NULL,
    warn_at   BIGINT,
    due_at    BIGINT,
    warned    BOOLEAN NOT NULL DEFAULT FALSE,
    breached  BOOLEAN NOT NULL DEFAULT FALSE,
    PRIMARY KEY (ticket_id, sla_id, stint, metric)
);
CREATE INDEX agreement_clock_deadlines_warn ON agreement_clock_deadlines (warn_at) WHERE NOT warned;
CREATE INDEX agreement_clock_deadlines_due ON agreement_clock_deadlines (due_at) WHERE NOT breached;

-- A ticket handed to a supplier: engaged until released; at most one supplier at a time.
CREATE TABLE ticket_supplier_engagements (
    id              INTEGER PRIMARY KEY,
    ticket_id       BIGINT NOT NULL REFERENCES tickets (id),
    supplier_id     BIGINT NOT NULL REFERENCES suppliers (id),
    reference       TEXT,
    engaged_at      BIGINT NOT NULL,
    acknowledged_at BIGINT,
    released_at     BIGINT
);
CREATE UNIQUE INDEX ticket_supplier_engagements_open ON ticket_supplier_engagements (ticket_id) WHERE released_at IS NULL;
CREATE INDEX ticket_supplier_engagements_ticket ON ticket_supplier_engagements (ticket_id, id);
