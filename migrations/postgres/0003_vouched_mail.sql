-- See migrations/sqlite/0009_vouched_mail.sql.
ALTER TABLE outbox_recipients ADD COLUMN vouched BIGINT NOT NULL DEFAULT 0;
