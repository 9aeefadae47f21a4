-- 1 when the message that caused the mail came from a sender the
-- receiving server vouched for: the limits per recipient count such mail
-- apart, so that forged requests cannot use them up.
ALTER TABLE outbox_recipients ADD COLUMN vouched INTEGER NOT NULL DEFAULT 0;
