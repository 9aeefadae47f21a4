-- Contacts the gateway's mail failed to reach for good: a bounce, a block
-- (a secure mail service, a data-loss rule), a leaver's automatic reply.
-- One row per failed mail and address; `status` and the morning digest read
-- them. `vouched`: the receiving server vouched for whoever reported it.
CREATE TABLE contact_failures (
    id         INTEGER PRIMARY KEY,
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id),
    case_id    INTEGER REFERENCES cases(id),
    message_id INTEGER REFERENCES messages(id),
    authority  TEXT    NOT NULL,
    purpose    TEXT    NOT NULL,
    address    TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    reason     TEXT    NOT NULL,
    vouched    INTEGER NOT NULL DEFAULT 0,
    failed_at  TEXT    NOT NULL,
    UNIQUE (outbox_id, address)
);
CREATE INDEX contact_failures_by_authority ON contact_failures (authority, failed_at);
