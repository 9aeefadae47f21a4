-- Health: since when a watched folder has been failing, for /health. Set
-- when the folder enters `retrying` and is not already failing; kept through
-- the reconnection attempts (`connecting`) that follow; cleared once it is
-- read again (`connected`, `idle`, `polling`) or the daemon stops watching
-- it (`stopped`), so that time the daemon was not running does not count.
ALTER TABLE mailbox_status ADD COLUMN failing_since TEXT;
