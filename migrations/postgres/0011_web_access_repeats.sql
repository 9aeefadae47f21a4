-- The same page or case opened again and again within a minute is one row
-- of the access record, counted: `repeats` times, the last at `last_at`.
ALTER TABLE web_access ADD COLUMN repeats BIGINT NOT NULL DEFAULT 1;
ALTER TABLE web_access ADD COLUMN last_at TEXT COLLATE "C";
CREATE INDEX web_access_by_address ON web_access (address, id);
