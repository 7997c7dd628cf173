-- Ticket lists at a million rows: each common filter and sort gets an index that both
-- counts the total (as a covering index) and reads the first page in order, instead of
-- visiting table rows or sorting. Measured with bench/tickets (bench/README.md).
CREATE INDEX tickets_kind_status_priority ON tickets (kind, status, priority, opened_at);
CREATE INDEX tickets_kind_organization ON tickets (kind, organization_id, opened_at);
CREATE INDEX tickets_kind_opened ON tickets (kind, opened_at);
CREATE INDEX tickets_kind_priority ON tickets (kind, priority DESC, opened_at, id);
CREATE INDEX tickets_kind_updated ON tickets (kind, updated_at);
DROP INDEX tickets_organization;

-- How many tickets of each kind are in each status, kept with every insert and status
-- change, so the unfiltered list (and a status tab) answers its total without counting a
-- million rows.
CREATE TABLE ticket_status_counts (
    kind   TEXT   NOT NULL,
    status TEXT   NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (kind, status)
);
INSERT INTO ticket_status_counts (kind, status, n)
    SELECT kind, status, COUNT(*) FROM tickets GROUP BY kind, status;
