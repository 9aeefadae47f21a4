-- See migrations/sqlite/0014_contact_failure_role.sql.
ALTER TABLE contact_failures ADD COLUMN role TEXT;
ALTER TABLE contact_failures ADD COLUMN cleared_at TEXT COLLATE "C";
