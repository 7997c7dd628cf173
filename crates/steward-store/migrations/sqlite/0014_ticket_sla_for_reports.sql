-- Reports measure business time on each ticket's SLA calendar and group compliance by SLA.
-- Looking the SLA up in ticket_slas cost two index probes per ticket (seconds at a million
-- tickets), so the chosen SLA is kept on the ticket too and carried in the report indexes.
ALTER TABLE tickets ADD COLUMN sla_id BIGINT REFERENCES slas (id);
UPDATE tickets SET sla_id = (SELECT ts.sla_id FROM ticket_slas ts WHERE ts.ticket_id = tickets.id)
WHERE id IN (SELECT ticket_id FROM ticket_slas);

DROP INDEX tickets_kind_resolved;
DROP INDEX tickets_kind_closed;
DROP INDEX tickets_kind_responded;
DROP INDEX tickets_kind_opened_report;
CREATE INDEX tickets_kind_resolved ON tickets
    (kind, resolved_at, opened_at, priority, team_id, service_id, organization_id, sla_id);
CREATE INDEX tickets_kind_closed ON tickets
    (kind, closed_at, resolved_at, opened_at, priority, team_id, service_id, organization_id, sla_id);
CREATE INDEX tickets_kind_responded ON tickets
    (kind, responded_at, opened_at, priority, team_id, service_id, organization_id, sla_id);
CREATE INDEX tickets_kind_opened_report ON tickets
    (kind, opened_at, resolved_at, closed_at, priority, team_id, service_id, organization_id,
     response_outcome, resolution_outcome, reassignment_count, reopen_count, import_source, sla_id);
