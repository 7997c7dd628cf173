-- Reports at 10,000,000 incidents (bench/README, "10,000,000 incidents"): counting a year's
-- incidents read a year of index entries, 1.3-5.6 s on PostgreSQL, 10-16 times the time at
-- 1,000,000. report_hours keeps, per kind, priority and UTC hour, what the volume and rate
-- reports count: tickets opened, resolved, closed without a resolution (cancelled), ended
-- (counted at the later of opening and end, so that the backlog at an instant is what opened
-- before it minus what ended before it), reassigned and reopened at least once, and the
-- reassignments. A year is then 8,760 rows per priority, however many tickets it holds.
--
-- Triggers on tickets keep it, so every path that writes a ticket (commands, imports, bulk
-- loads) is counted. They add delta rows and never update one: on PostgreSQL, updating a
-- shared row locks it until commit, and two transactions touching two hours in opposite
-- orders would deadlock. A delta's `at` is the instant it counts; a background job
-- (compaction) folds each hour's deltas into one row at the hour's first microsecond. Reports
-- only ask for whole hours and sum whatever rows there are, so they read the same before and
-- after compaction.
CREATE TABLE report_hours (
    kind       TEXT    NOT NULL,
    priority   BIGINT  NOT NULL,
    at         BIGINT  NOT NULL,
    opened     BIGINT  NOT NULL DEFAULT 0,
    resolved   BIGINT  NOT NULL DEFAULT 0,
    cancelled  BIGINT  NOT NULL DEFAULT 0,
    ended      BIGINT  NOT NULL DEFAULT 0,
    reassigned BIGINT  NOT NULL DEFAULT 0,
    reopened   BIGINT  NOT NULL DEFAULT 0,
    moves      BIGINT  NOT NULL DEFAULT 0,
    -- A delta that compaction has not folded yet.
    fresh      BOOLEAN NOT NULL DEFAULT TRUE
);
-- Covering: a report's sums are read from the index alone.
CREATE INDEX report_hours_at ON report_hours
    (kind, at, priority, opened, resolved, cancelled, ended, reassigned, reopened, moves);
CREATE INDEX report_hours_fresh ON report_hours (kind, priority, at) WHERE fresh;

-- The tickets there are, one row per kind, priority and hour.
INSERT INTO report_hours
    (kind, priority, at, opened, resolved, cancelled, ended, reassigned, reopened, moves, fresh)
SELECT f.kind, f.priority, f.at - ((f.at % 3600000000) + 3600000000) % 3600000000,
       SUM(f.opened), SUM(f.resolved), SUM(f.cancelled), SUM(f.ended), SUM(f.reassigned),
       SUM(f.reopened), SUM(f.moves), FALSE
FROM (
    SELECT kind, priority, opened_at AS at, 1 AS opened, 0 AS resolved, 0 AS cancelled,
           0 AS ended, CASE WHEN reassignment_count > 0 THEN 1 ELSE 0 END AS reassigned,
           CASE WHEN reopen_count > 0 THEN 1 ELSE 0 END AS reopened, reassignment_count AS moves
    FROM tickets
    UNION ALL
    SELECT kind, priority, COALESCE(resolved_at, closed_at), 0,
           CASE WHEN resolved_at IS NOT NULL THEN 1 ELSE 0 END,
           CASE WHEN resolved_at IS NULL THEN 1 ELSE 0 END,
           CASE WHEN COALESCE(resolved_at, closed_at) >= opened_at THEN 1 ELSE 0 END, 0, 0, 0
    FROM tickets WHERE COALESCE(resolved_at, closed_at) IS NOT NULL
    UNION ALL
    -- Ended before it opened (imported data can say so): ended counts at the opening.
    SELECT kind, priority, opened_at, 0, 0, 0, 1, 0, 0, 0
    FROM tickets WHERE COALESCE(resolved_at, closed_at) < opened_at
) AS f
GROUP BY 1, 2, 3;

-- Tickets that have not ended, for the backlog at an instant: those, and those that ended
-- after it (the resolved and closed report indexes), instead of every ticket opened before it.
CREATE INDEX tickets_unended ON tickets
    (kind, opened_at, priority, team_id, service_id, organization_id)
    WHERE resolved_at IS NULL AND closed_at IS NULL;

-- What a ticket counts: its opening (with its reassignments and reopening), and its end.
-- An update adds the change only: minus what the row counted before, plus what it counts now,
-- and only when something counted changed (a status change within the open states does not).
CREATE TRIGGER tickets_report_hours_insert AFTER INSERT ON tickets BEGIN
    INSERT INTO report_hours (kind, priority, at, opened, reassigned, reopened, moves)
    VALUES (NEW.kind, NEW.priority, NEW.opened_at, 1, (NEW.reassignment_count > 0),
            (NEW.reopen_count > 0), NEW.reassignment_count);
    INSERT INTO report_hours (kind, priority, at, resolved, cancelled, ended)
    SELECT NEW.kind, NEW.priority, COALESCE(NEW.resolved_at, NEW.closed_at), (NEW.resolved_at IS NOT NULL),
           (NEW.resolved_at IS NULL), (COALESCE(NEW.resolved_at, NEW.closed_at) >= NEW.opened_at)
    WHERE COALESCE(NEW.resolved_at, NEW.closed_at) IS NOT NULL;
    INSERT INTO report_hours (kind, priority, at, ended)
    SELECT NEW.kind, NEW.priority, NEW.opened_at, 1 WHERE COALESCE(NEW.resolved_at, NEW.closed_at) < NEW.opened_at;
END;

CREATE TRIGGER tickets_report_hours_delete AFTER DELETE ON tickets BEGIN
    INSERT INTO report_hours (kind, priority, at, opened, reassigned, reopened, moves)
    VALUES (OLD.kind, OLD.priority, OLD.opened_at, -1, -(OLD.reassignment_count > 0),
            -(OLD.reopen_count > 0), -OLD.reassignment_count);
    INSERT INTO report_hours (kind, priority, at, resolved, cancelled, ended)
    SELECT OLD.kind, OLD.priority, COALESCE(OLD.resolved_at, OLD.closed_at), -(OLD.resolved_at IS NOT NULL),
           -(OLD.resolved_at IS NULL), -(COALESCE(OLD.resolved_at, OLD.closed_at) >= OLD.opened_at)
    WHERE COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT NULL;
    INSERT INTO report_hours (kind, priority, at, ended)
    SELECT OLD.kind, OLD.priority, OLD.opened_at, -1 WHERE COALESCE(OLD.resolved_at, OLD.closed_at) < OLD.opened_at;
END;

CREATE TRIGGER tickets_report_hours_opened AFTER UPDATE OF
    kind, priority, opened_at, reassignment_count, reopen_count ON tickets
WHEN OLD.kind IS NOT NEW.kind OR OLD.priority IS NOT NEW.priority
    OR OLD.opened_at IS NOT NEW.opened_at OR OLD.reassignment_count IS NOT NEW.reassignment_count
    OR (OLD.reopen_count > 0) IS NOT (NEW.reopen_count > 0)
BEGIN
    INSERT INTO report_hours (kind, priority, at, opened, reassigned, reopened, moves)
    VALUES (OLD.kind, OLD.priority, OLD.opened_at, -1, -(OLD.reassignment_count > 0),
            -(OLD.reopen_count > 0), -OLD.reassignment_count);
    INSERT INTO report_hours (kind, priority, at, opened, reassigned, reopened, moves)
    VALUES (NEW.kind, NEW.priority, NEW.opened_at, 1, (NEW.reassignment_count > 0),
            (NEW.reopen_count > 0), NEW.reassignment_count);
END;

CREATE TRIGGER tickets_report_hours_ended AFTER UPDATE OF
    kind, priority, opened_at, resolved_at, closed_at ON tickets
WHEN OLD.kind IS NOT NEW.kind OR OLD.priority IS NOT NEW.priority
    OR OLD.resolved_at IS NOT NEW.resolved_at
    OR COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT COALESCE(NEW.resolved_at, NEW.closed_at)
    OR (OLD.opened_at IS NOT NEW.opened_at AND COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT NULL)
BEGIN
    INSERT INTO report_hours (kind, priority, at, resolved, cancelled, ended)
    SELECT OLD.kind, OLD.priority, COALESCE(OLD.resolved_at, OLD.closed_at), -(OLD.resolved_at IS NOT NULL),
           -(OLD.resolved_at IS NULL), -(COALESCE(OLD.resolved_at, OLD.closed_at) >= OLD.opened_at)
    WHERE COALESCE(OLD.resolved_at, OLD.closed_at) IS NOT NULL;
    INSERT INTO report_hours (kind, priority, at, ended)
    SELECT OLD.kind, OLD.priority, OLD.opened_at, -1 WHERE COALESCE(OLD.resolved_at, OLD.closed_at) < OLD.opened_at;
    INSERT INTO report_hours (kind, priority, at, resolved, cancelled, ended)
    SELECT NEW.kind, NEW.priority, COALESCE(NEW.resolved_at, NEW.closed_at), (NEW.resolved_at IS NOT NULL),
           (NEW.resolved_at IS NULL), (COALESCE(NEW.resolved_at, NEW.closed_at) >= NEW.opened_at)
    WHERE COALESCE(NEW.resolved_at, NEW.closed_at) IS NOT NULL;
    INSERT INTO report_hours (kind, priority, at, ended)
    SELECT NEW.kind, NEW.priority, NEW.opened_at, 1 WHERE COALESCE(NEW.resolved_at, NEW.closed_at) < NEW.opened_at;
END;
