-- Quarantine handled by a person: what the message was (its subject), its
-- bytes while it waits (base64, so that `quarantine release` can record it
-- as what it is), and how it was settled. The bytes and the subject can
-- name the person: they go when the message is settled or purged.
ALTER TABLE messages ADD COLUMN subject TEXT;
ALTER TABLE messages ADD COLUMN raw TEXT;
-- released | dismissed
ALTER TABLE messages ADD COLUMN settled TEXT;
ALTER TABLE messages ADD COLUMN settled_at TEXT;
ALTER TABLE messages ADD COLUMN settled_by TEXT;
ALTER TABLE messages ADD COLUMN settled_note TEXT;
