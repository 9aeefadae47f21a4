-- The sender's health, per gateway instance and sending identity, for
-- `status` and /health: the last temporary failure and since when mail has
-- failed to leave (cleared by the next mail that goes, and at each start).
CREATE TABLE sender_status (
    instance      TEXT NOT NULL,
    identity      TEXT NOT NULL,
    last_error    TEXT,
    last_error_at TEXT,
    failing_since TEXT,
    PRIMARY KEY (instance, identity)
);
