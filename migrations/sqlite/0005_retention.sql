-- Retention: the personal details of a closed case (and of a refusal, and of
-- a message that belongs to no case) are erased after the configured period;
-- what the outcomes report counts, and the timeline of what happened when,
-- are kept.

-- The referrer's email domain, kept when their address is erased: the
-- report puts a referral without a named agency into a category by it.
ALTER TABLE cases ADD COLUMN referrer_domain TEXT;
-- When the personal details were erased; a purged row is never read for
-- purging again.
ALTER TABLE cases ADD COLUMN purged_at TEXT;
ALTER TABLE messages ADD COLUMN purged_at TEXT;
ALTER TABLE outbox ADD COLUMN purged_at TEXT;

-- Events stay append-only, except that a purge may erase a detail (set it to
-- NULL) and nothing else: which event happened when, to which case and
-- message, survives. Every column of events is compared here; a column
-- added to events later must be added to this list.
DROP TRIGGER events_are_never_changed;
CREATE TRIGGER events_are_never_changed BEFORE UPDATE ON events
WHEN NEW.detail IS NOT NULL
  OR NEW.id IS NOT OLD.id
  OR NEW.case_id IS NOT OLD.case_id
  OR NEW.at IS NOT OLD.at
  OR NEW.kind IS NOT OLD.kind
  OR NEW.message_id IS NOT OLD.message_id
BEGIN
    SELECT RAISE(ABORT, 'events are append-only: only their detail may be erased');
END;

-- Every purge that ran (dry runs are not recorded), even one that found
-- nothing to erase, so that the record of erasures outlives the logs. The counts grow with each of the
-- purge's transactions; finished_at stays NULL for a purge interrupted
-- before its end.
CREATE TABLE purges (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT    NOT NULL,
    finished_at TEXT,
    -- Closed cases closed before this time, and refusals and messages
    -- without a case recorded before it, were erased.
    cutoff      TEXT    NOT NULL,
    cases       INTEGER NOT NULL DEFAULT 0,
    messages    INTEGER NOT NULL DEFAULT 0,
    outbox      INTEGER NOT NULL DEFAULT 0,
    events      INTEGER NOT NULL DEFAULT 0
);
