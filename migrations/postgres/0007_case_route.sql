-- See migrations/sqlite/0013_case_route.sql.
ALTER TABLE cases ADD COLUMN route TEXT COLLATE "C";
