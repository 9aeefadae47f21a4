-- Browsers a person signed in from, by the SHA-256 of the secret their
-- cookie holds: links asked for from one of them, for its own person, are
-- counted apart from anyone else's requests, so that strangers asking for
-- links cannot use up the person's own.
CREATE TABLE web_devices (
    device_hash TEXT PRIMARY KEY,
    address     TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
CREATE INDEX web_devices_by_address ON web_devices (address);
-- The device a link was asked from, when it was one of the person's own.
ALTER TABLE web_sign_ins ADD COLUMN device_hash TEXT;
