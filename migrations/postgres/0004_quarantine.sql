-- See migrations/sqlite/0010_quarantine.sql.
ALTER TABLE messages ADD COLUMN subject TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN raw TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN settled TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN settled_at TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN settled_by TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN settled_note TEXT COLLATE "C";
