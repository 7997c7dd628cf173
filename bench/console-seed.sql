-- Seeds the console benchmark (bench/console): 20 customers, 20 teams, 100 agents, and :n incidents over
-- about three years, one in twenty open (new, assigned, in progress or pending, with an SLA
-- due time between a day ago and two days ahead), the rest closed. 200 open incidents are the
-- bench user's (user 1), who is in team 3. The script fills in :number and :now per backend
-- and fills the table seq(i) with 1 to :n. Straight SQL, because a million API calls take
-- hours (bench/tickets measures that path) and the console reads only these columns.
INSERT INTO organizations (id, name, created_at, updated_at)
SELECT i, 'Customer ' || i, :now, :now FROM seq WHERE i <= 20;
INSERT INTO teams (id, name, created_at, updated_at)
SELECT i, 'Resolver group ' || i, :now, :now FROM seq WHERE i <= 20;
INSERT INTO users (id, username, display_name, role, created_at, updated_at)
SELECT i + 1, 'agent' || i, 'Agent ' || i, 'agent', :now, :now FROM seq WHERE i <= 100;
INSERT INTO team_members (team_id, user_id, added_at)
SELECT (i % 20) + 1, i + 1, :now FROM seq WHERE i <= 100;
INSERT INTO team_members (team_id, user_id, added_at) VALUES (3, 1, :now);

INSERT INTO tickets (kind, number, title, status, impact, urgency, priority, channel,
                     organization_id, team_id, assignee_id, pending_reason, opened_at, updated_at,
                     resolved_at, closed_at, sla_due_at, sla_attention_at)
SELECT 'incident', :number, 'Generated incident ' || i,
       CASE WHEN i % 20 <> 0 THEN 'closed'
            WHEN (i / 20) % 4 = 0 THEN 'new'
            WHEN (i / 20) % 4 = 1 THEN 'assigned'
            WHEN (i / 20) % 4 = 2 THEN 'in_progress'
            ELSE 'pending' END,
       CASE WHEN (i / 3) % 4 < 2 THEN 'high' ELSE 'medium' END,
       CASE (i / 3) % 4 WHEN 0 THEN 'high' WHEN 3 THEN 'low' ELSE 'medium' END,
       1 + (i / 3) % 4,
       'portal',
       (i % 20) + 1,
       CASE WHEN i % 20 <> 0 THEN (i % 20) + 1
            WHEN (i / 20) % 4 = 0 THEN NULL
            ELSE ((i / 20) * 7) % 20 + 1 END,
       CASE WHEN i % 20 = 0 AND (i / 20) % 250 = 1 THEN 1
            WHEN i % 20 = 0 AND (i / 20) % 4 = 0 THEN NULL
            ELSE (i % 100) + 2 END,
       CASE WHEN i % 20 = 0 AND (i / 20) % 4 = 3 THEN 'customer' END,
       :now - (:n - i) * 90000000,
       :now - (:n - i) * 90000000 + 3600000000,
       CASE WHEN i % 20 <> 0 THEN :now - (:n - i) * 90000000 + 86400000000 END,
       CASE WHEN i % 20 <> 0 THEN :now - (:n - i) * 90000000 + 90000000000 END,
       CASE WHEN i % 20 = 0 THEN :now + ((i * 7919) % 259200 - 86400) * 1000000 END,
       CASE WHEN i % 20 = 0 THEN :now + ((i * 7919) % 259200 - 90000) * 1000000 END
FROM seq;

UPDATE ticket_counters SET last = :n WHERE kind = 'incident';
DELETE FROM ticket_status_counts;
INSERT INTO ticket_status_counts (kind, status, n) SELECT kind, status, COUNT(*) FROM tickets GROUP BY kind, status;
