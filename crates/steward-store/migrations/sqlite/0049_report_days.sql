-- Reports at 10,000,000 incidents (bench/README, "10,000,000 incidents"): counting a year's
-- incidents read a year of index entries, 1.3-5.6 s on PostgreSQL, 10-16 times the time at
-- 1,000,000. report_days keeps, per kind, priority, SLA and UTC day (reports bucket by UTC
-- days), what the volume, rate and SLA compliance reports count: tickets opened, resolved,
-- closed without a resolution (cancelled), ended (counted at the later of opening and end, so
-- that the backlog at an instant is what opened before it minus what ended before it),
-- reassigned and reopened at least once, the reassignments, and the response and resolution
-- verdicts of the tickets opened, by SLA (or, without one, by the import that gave them). A year is then
-- 365 rows per priority and SLA, however many tickets it holds.
--
-- Triggers on tickets keep it, so every path that writes a ticket (commands, imports, bulk
-- loads) is counted. They add delta rows and never update one: on PostgreSQL, updating a
-- shared row locks it until commit, and two transactions touching two days in opposite
-- orders would deadlock. A delta's `at` is the instant it counts; a background job
-- (compaction) folds each day's deltas into one row at the day's first microsecond. Reports
-- only ask for whole days and sum whatever rows there are, so they read the same before and
-- after compaction.
CREATE TABLE report_days (
    kind       TEXT    NOT NULL,
    priority   BIGINT  NOT NULL,
    -- The ticket's SLA, and without one the import that gave its verdicts (compliance groups
    -- by these); NULL on the rows of ends, which no report groups.
    sla_id     BIGINT,
    source     TEXT,
    at         BIGINT  NOT NULL,
    opened     BIGINT  NOT NULL DEFAULT 0,
    resolved   BIGINT  NOT NULL DEFAULT 0,
    cancelled  BIGINT  NOT NULL DEFAULT 0,
    ended      BIGINT  NOT NULL DEFAULT 0,
    reassigned BIGINT  NOT NULL DEFAULT 0,
    reopened   BIGINT  NOT NULL DEFAULT 0,
    moves      BIGINT  NOT NULL DEFAULT 0,
    response_met        BIGINT NOT NULL DEFAULT 0,
    response_breached   BIGINT NOT NULL DEFAULT 0,
    resolution_met      BIGINT NOT NULL DEFAULT 0,
    resolution_breached BIGINT NOT NULL DEFAULT 0,
    -- A delta that compaction has not folded yet.
    fresh      BOOLEAN NOT NULL DEFAULT TRUE
);
CREATE INDEX report_days_at ON report_days (kind, at, priority);
CREATE INDEX report_days_fresh ON report_days (kind, priority, at) WHERE fresh;

-- The tickets there are, one row per kind, priority, SLA and day.
INSERT INTO report_days (kind, priority, sla_id, source, at, opened, resolved, cancelled, ended, reassigned, reopened, moves, response_met, response_breached, resolution_met, resolution_breached, fresh)
SELECT f.kind, f.priority, f.sla_id, f.source,
       f.at - ((f.at % 86400000000) + 86400000000) % 86400000000,
       SUM(f.opened), SUM(f.resolved), SUM(f.cancelled), SUM(f.ended), SUM(f.reassigned),
       SUM(f.reopened), SUM(f.moves), SUM(f.response_met), SUM(f.response_breached),
       SUM(f.resolution_met), SUM(f.resolution_breached), FALSE
FROM (
    SELECT kind, priority, sla_id, CASE WHEN sla_id IS NULL THEN import_source END AS source,
           opened_at AS at, 1 AS opened, 0 AS resolved, 0 AS cancelled, 0 AS ended,
           CASE WHEN reassignment_count > 0 THEN 1 ELSE 0 END AS reassigned,
           CASE WHEN reopen_count > 0 THEN 1 ELSE 0 END AS reopened,
           reassignment_count AS moves,
           CASE WHEN response_outcome = 'met' THEN 1 ELSE 0 END AS response_met,
           CASE WHEN response_outcome = 'breached' THEN 1 ELSE 0 END AS response_breached,
           CASE WHEN resolution_outcome = 'met' THEN 1 ELSE 0 END AS resolution_met,
           CASE WHEN resolution_outcome = 'breached' THEN 1 ELSE 0 END AS resolution_breached
    FROM tickets
    UNION ALL
    SELECT kind, priority, NULL, NULL, COALESCE(resolved_at, closed_at), 0,
           CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END,
           CASE WHEN COALESCE(resolved_at, closed_at) >= opened_at THEN 1 ELSE 0 END,
           0, 0, 0, 0, 0, 0, 0
    FROM tickets WHERE COALESCE(resolved_at, closed_at) IS NOT NULL
    UNION ALL
    -- Ended before it opened (imported data can say so): ended counts at the opening.
    SELECT kind, priority, NULL, NULL, opened_at, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
    FROM tickets WHERE COALESCE(resolved_at, closed_at) < opened_at
) AS f
GROUP BY 1, 2, 3, 4, 5;

-- Tickets that have not ended, for the backlog at an instant: those, and those that ended
-- after it (the resolved and closed report indexes), instead of every ticket opened before it.
CREATE INDEX tickets_unended ON tickets
    (kind, opened_at, priority, team_id, service_id, organization_id)
    WHERE resolved_at IS NULL AND closed_at IS NULL;

-- What a ticket counts: its opening (with its reassignments, reopening and verdicts), and its
-- end. An update adds the change only: minus what the row counted before, plus what it counts
-- now, and only when something counted changed (a status change within the open states does
-- not).
CREATE TRIGGER tickets_report_days_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO report_days (kind, priority, sla_id, source, at, opened, reassigned, reopened,
                              moves, response_met, response_breached, resolution_met,
                              resolution_breached)
    VALUES (NEW.kind, NEW.priority, NEW.sla_id,
            CASE WHEN NEW.sla_id IS NULL THEN NEW.import_source END, NEW.opened_at, 1,
            (NEW.reassignment_count > 0), (NEW.reopen_count > 0), NEW.reassignment_count,
            (NEW.response_outcome IS 'met'), (NEW.response_outcome IS 'breached'),
            (NEW.resolution_outcome IS 'met'), (NEW.resolution_outcome IS 'breached'));
    INSERT INTO report_days (kind, priority, at, resolved, cancelled, ended)
    SELECT NEW.kind, NEW.priority, COALESCE(NEW.resolved_at, NEW.closed_at), (NEW.resolved_at IS NOT NULL),
           (NEW.resolved_at IS NULL), (COALESCE(NEW.resolved_at, NEW.closed_at) >= NEW.opened_at)
    WHERE COALESCE(NEW.resolved_at, NEW.closed_at) IS NOT NULL;
    INSERT INTO report_days (kind, priority, at, ended)
    SELECT NEW.kind, NEW.priority, NEW.opened_at, 1 WHERE COALESCE(NEW.resolved_at, NEW.closed_at) < NEW.opened_at;
END;

CREATE TRIGGER tickets_report_days_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO report_days (kind, priority, sla_id, source, at, opened, reassigned, reopened,
                              moves, response_met, response_breached, resolution_met,
                              resolution_breached)
    VALUES (OLD.kind, OLD.priority, OLD.sla_id,
            CASE WHEN OLD.sla_id IS NULL THEN OLD.import_source END, OLD.opened_at, -1,
            -(OLD.reassignment_count > 0), -(OLD.reopen_count > 0), -OLD.reassignment_count,
            -(OLD.response_outcome IS 'met'), -(OLD.response_outcome IS 'breached'),
            -(OLD.resolution_outcome IS 'met'), -(OLD.resolution_outcome IS 'breached'));
    INSERT INTO report_days (kind, priority, at, resolved, cancelled, ended)
    SELECT OLD.kind, OLD.priority, COALESCE(OLD.resolved_at, OLD.closed_at), -(OLD.resolved_at IS NOT NULL),
           -(OLD.resolved_at IS NULL), -(COALESCE(OLD.resolved_at, OLD.closed_at) >= OLD.opened_at)
    WHERE COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT NULL;
    INSERT INTO report_days (kind, priority, at, ended)
    SELECT OLD.kind, OLD.priority, OLD.opened_at, -1 WHERE COALESCE(OLD.resolved_at, OLD.closed_at) < OLD.opened_at;
END;

CREATE TRIGGER tickets_report_days_opened AFTER UPDATE OF
    kind, priority, opened_at, reassignment_count, reopen_count, sla_id, import_source,
    response_outcome, resolution_outcome ON tickets
WHEN OLD.kind IS NOT NEW.kind OR OLD.priority IS NOT NEW.priority
    OR OLD.opened_at IS NOT NEW.opened_at OR OLD.reassignment_count IS NOT NEW.reassignment_count
    OR (OLD.reopen_count > 0) IS NOT (NEW.reopen_count > 0) OR OLD.sla_id IS NOT NEW.sla_id
    OR OLD.import_source IS NOT NEW.import_source
    OR OLD.response_outcome IS NOT NEW.response_outcome
    OR OLD.resolution_outcome IS NOT NEW.resolution_outcome
BEGIN
    INSERT INTO report_days (kind, priority, sla_id, source, at, opened, reassigned, reopened,
                              moves, response_met, response_breached, resolution_met,
                              resolution_breached)
    VALUES (OLD.kind, OLD.priority, OLD.sla_id,
            CASE WHEN OLD.sla_id IS NULL THEN OLD.import_source END, OLD.opened_at, -1,
            -(OLD.reassignment_count > 0), -(OLD.reopen_count > 0), -OLD.reassignment_count,
            -(OLD.response_outcome IS 'met'), -(OLD.response_outcome IS 'breached'),
            -(OLD.resolution_outcome IS 'met'), -(OLD.resolution_outcome IS 'breached'));
    INSERT INTO report_days (kind, priority, sla_id, source, at, opened, reassigned, reopened,
                              moves, response_met, response_breached, resolution_met,
                              resolution_breached)
    VALUES (NEW.kind, NEW.priority, NEW.sla_id,
            CASE WHEN NEW.sla_id IS NULL THEN NEW.import_source END, NEW.opened_at, 1,
            (NEW.reassignment_count > 0), (NEW.reopen_count > 0), NEW.reassignment_count,
            (NEW.response_outcome IS 'met'), (NEW.response_outcome IS 'breached'),
            (NEW.resolution_outcome IS 'met'), (NEW.resolution_outcome IS 'breached'));
END;

CREATE TRIGGER tickets_report_days_ended AFTER UPDATE OF
    kind, priority, opened_at, resolved_at, closed_at ON tickets
WHEN OLD.kind IS NOT NEW.kind OR OLD.priority IS NOT NEW.priority
    OR OLD.resolved_at IS NOT NEW.resolved_at
    OR COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT COALESCE(NEW.resolved_at, NEW.closed_at)
    OR (OLD.opened_at IS NOT NEW.opened_at AND COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT NULL)
BEGIN
    INSERT INTO report_days (kind, priority, at, resolved, cancelled, ended)
    SELECT OLD.kind, OLD.priority, COALESCE(OLD.resolved_at, OLD.closed_at), -(OLD.resolved_at IS NOT NULL),
           -(OLD.resolved_at IS NULL), -(COALESCE(OLD.resolved_at, OLD.closed_at) >= OLD.opened_at)
    WHERE COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT NULL;
    INSERT INTO report_days (kind, priority, at, ended)
    SELECT OLD.kind, OLD.priority, OLD.opened_at, -1 WHERE COALESCE(OLD.resolved_at, OLD.closed_at) < OLD.opened_at;
    INSERT INTO report_days (kind, priority, at, resolved, cancelled, ended)
    SELECT NEW.kind, NEW.priority, COALESCE(NEW.resolved_at, NEW.closed_at), (NEW.resolved_at IS NOT NULL),
           (NEW.resolved_at IS NULL), (COALESCE(NEW.resolved_at, NEW.closed_at) >= NEW.opened_at)
    WHERE COALESCE(NEW.resolved_at, NEW.closed_at) IS NOT NULL;
    INSERT INTO report_days (kind, priority, at, ended)
    SELECT NEW.kind, NEW.priority, NEW.opened_at, 1 WHERE COALESCE(NEW.resolved_at, NEW.closed_at) < NEW.opened_at;
END;
