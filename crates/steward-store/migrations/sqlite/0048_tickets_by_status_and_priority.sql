-- A ticket list filtered by status and priority, newest first: (kind, status, priority,
-- opened_at) could not give the page's order (opened_at DESC, id DESC) whole, so at
-- 10,000,000 incidents PostgreSQL planned the page on tickets_kind_priority instead, scanning
-- backwards and filtering on status: 26,760 rows read for 20 closed P2 incidents, p99 134 ms
-- (bench/README, "10,000,000 incidents"). With id last the index gives the order, and still
-- serves every lookup it served.
DROP INDEX tickets_kind_status_priority;
CREATE INDEX tickets_kind_status_priority ON tickets (kind, status, priority, opened_at, id);
