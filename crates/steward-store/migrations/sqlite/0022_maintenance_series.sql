-- Weekly maintenance windows: each window of a series is its own outage row (so the
-- availability rule reads them like any other), tied to the series' first window.
ALTER TABLE outages ADD COLUMN series_id BIGINT;
CREATE INDEX outages_series ON outages (series_id) WHERE series_id IS NOT NULL;
