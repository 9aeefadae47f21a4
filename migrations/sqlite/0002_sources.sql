-- Watching mailboxes: where a message came from in a Maildir, whether it may
-- be answered automatically, and each watched folder's health.

-- The Maildir file's unique name, so that a restart does not read every
-- file again.
ALTER TABLE messages ADD COLUMN source_key TEXT;
CREATE INDEX messages_by_source_key ON messages (mailbox, source_key) WHERE source_key IS NOT NULL;

-- 0 for backlog mail older than the configured age: recorded, never answered.
ALTER TABLE messages ADD COLUMN answerable INTEGER NOT NULL DEFAULT 1;

CREATE TABLE mailbox_status (
    mailbox         TEXT NOT NULL,
    folder          TEXT NOT NULL,
    -- starting | connected | idle | polling | retrying | stopped
    state           TEXT NOT NULL,
    last_error      TEXT,
    last_error_at   TEXT,
    last_message_at TEXT,
    updated_at      TEXT NOT NULL,
    PRIMARY KEY (mailbox, folder)
);
