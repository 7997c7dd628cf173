-- A ticket list filtered by team: (team_id, status) could neither count a team's tickets of
-- one kind from the index nor read them newest first, so the list read every one of the
-- team's rows to answer a page (97 ms at a million incidents on PostgreSQL, bench/pg-scale).
-- Like tickets_kind_organization for an organization's list, this one answers both, and it
-- still serves every lookup by team alone. Open tickets by team have tickets_open_team.
DROP INDEX tickets_team;
CREATE INDEX tickets_team ON tickets (team_id, kind, opened_at);
