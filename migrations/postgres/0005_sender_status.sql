-- The sender's health, per gateway instance and sending identity, for
-- `status` and /health: the last temporary failure and since when mail has
-- failed to leave (cleared by the next mail that goes, and at each start).
CREATE TABLE sender_status (
    instance      TEXT COLLATE "C" NOT NULL,
    identity      TEXT COLLATE "C" NOT NULL,
    last_error    TEXT COLLATE "C",
    last_error_at TEXT COLLATE "C",
    failing_since TEXT COLLATE "C",
    PRIMARY KEY (instance, identity)
);
