-- A changed SLA or calendar moves the deadlines of every open ticket under it. Done inside
-- the request that made the change, that did not finish at scale (a holiday on a calendar
-- with 19,383 open incidents under it passed the 30 s request timeout at 7,000,000 incidents
-- on PostgreSQL, bench/README). The request now records the work here, in its transaction;
-- a small one is done there and then, a big one by a background job in batches, one node at
-- a time under a lease. Each batch moves the cursor (after_ticket) in its own transaction,
-- so a crash or a restart resumes after the last committed batch and recomputes no ticket
-- twice. Tickets opened after the change (id > last_ticket) are counted in the new terms
-- from the start and are left out.
CREATE TABLE clock_recomputes (
    id            INTEGER PRIMARY KEY,
    sla_id        BIGINT NOT NULL REFERENCES slas (id),
    calendar_id   BIGINT REFERENCES calendars (id),
    kind          TEXT   NOT NULL CHECK (kind IN ('sla_changed', 'calendar_changed')),
    cause         TEXT   NOT NULL,
    requested_at  BIGINT NOT NULL,
    last_ticket   BIGINT NOT NULL,
    total         BIGINT NOT NULL,
    done          BIGINT NOT NULL DEFAULT 0,
    after_ticket  BIGINT NOT NULL DEFAULT 0,
    finished_at   BIGINT
);
CREATE INDEX clock_recomputes_pending ON clock_recomputes (id) WHERE finished_at IS NULL;
CREATE INDEX clock_recomputes_sla ON clock_recomputes (sla_id, id);
CREATE INDEX clock_recomputes_calendar ON clock_recomputes (calendar_id, id);

-- The open tickets under an SLA, in id order: the job's batches, without reading the SLA's
-- closed history (ticket_slas keeps a row for every ticket ever under it).
CREATE INDEX tickets_open_sla ON tickets (sla_id, id)
    WHERE status NOT IN ('resolved', 'closed', 'cancelled', 'rejected');
