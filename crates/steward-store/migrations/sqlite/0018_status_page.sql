-- Services an admin shows on the public status page (name, state and availability only).
ALTER TABLE services ADD COLUMN on_status_page BOOLEAN NOT NULL DEFAULT FALSE;
