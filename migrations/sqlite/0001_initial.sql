-- The case store. Times are RFC 3339 UTC text; dates are YYYY-MM-DD.

-- Every message the gateway has seen, whatever it was. A message is recorded
-- once: by Message-ID, or by the SHA-256 of its bytes when it has none.
CREATE TABLE messages (
    id                INTEGER PRIMARY KEY,
    mailbox           TEXT    NOT NULL,
    folder            TEXT    NOT NULL DEFAULT 'INBOX',
    uidvalidity       INTEGER,
    uid               INTEGER,
    message_id        TEXT,
    sha256            TEXT    NOT NULL,
    kind              TEXT    NOT NULL,
    outcome           TEXT,
    case_id           INTEGER REFERENCES cases(id),
    sender            TEXT,
    received_at       TEXT    NOT NULL,
    recorded_at       TEXT    NOT NULL,
    quarantine_reason TEXT,
    attachments       TEXT    NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX messages_by_message_id ON messages (message_id) WHERE message_id IS NOT NULL;
CREATE UNIQUE INDEX messages_by_hash ON messages (sha256) WHERE message_id IS NULL;
CREATE UNIQUE INDEX messages_by_position ON messages (mailbox, folder, uidvalidity, uid)
    WHERE uid IS NOT NULL;
CREATE INDEX messages_quarantined ON messages (id) WHERE quarantine_reason IS NOT NULL;

-- The last sequence number given out per authority and year, so that case
-- references are gap-free and never reused.
CREATE TABLE case_sequences (
    authority TEXT    NOT NULL,
    year      INTEGER NOT NULL,
    last      INTEGER NOT NULL,
    PRIMARY KEY (authority, year)
);

CREATE TABLE cases (
    id                    INTEGER PRIMARY KEY,
    reference             TEXT    NOT NULL UNIQUE,
    authority             TEXT    NOT NULL,
    year                  INTEGER NOT NULL,
    sequence              INTEGER NOT NULL,
    -- open | incomplete | refused | closed
    status                TEXT    NOT NULL,
    referral_type         TEXT,
    urgent                INTEGER NOT NULL DEFAULT 0,
    -- The referral's fields as the parse contract's JSON object; for a refused
    -- referral only who referred and where.
    referral              TEXT    NOT NULL,
    missing               TEXT    NOT NULL DEFAULT '[]',
    -- Identity, for recognising a second referral for the same person.
    name_key              TEXT,
    date_of_birth         TEXT,
    prison_number         TEXT,
    crn                   TEXT,
    custody_status        TEXT,
    expected_release_date TEXT,
    referring_agency      TEXT,
    referrer_name         TEXT,
    referrer_email        TEXT,
    referrer_phone        TEXT,
    case_lead_name        TEXT,
    case_lead_email       TEXT,
    case_lead_phone       TEXT,
    -- The authority's named lead officer, once known.
    lha_lead_name         TEXT,
    lha_lead_email        TEXT,
    lha_lead_phone        TEXT,
    received_at           TEXT    NOT NULL,
    opened_at             TEXT    NOT NULL,
    acknowledged_at       TEXT,
    lead_named_at         TEXT,
    closed_at             TEXT,
    close_outcome         TEXT,
    UNIQUE (authority, year, sequence)
);
CREATE INDEX cases_by_prison_number ON cases (authority, prison_number) WHERE prison_number IS NOT NULL;
CREATE INDEX cases_by_crn ON cases (authority, crn) WHERE crn IS NOT NULL;
CREATE INDEX cases_by_person ON cases (authority, name_key, date_of_birth);

-- What happened to a case, in order. Never changed, never deleted.
CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases(id),
    at         TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    message_id INTEGER REFERENCES messages(id),
    detail     TEXT
);
CREATE INDEX events_by_case ON events (case_id, id);
CREATE TRIGGER events_are_never_changed BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;

-- Mail the gateway will send, written in the same transaction as what caused
-- it. The idempotency key (case, purpose, step) makes a second write a no-op.
-- A row holds what the mail is and to whom; the sender renders its text from
-- the templates and the case when it sends it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    case_id         INTEGER REFERENCES cases(id),
    -- The message that caused it (the referral answered, the form request).
    cause_id        INTEGER REFERENCES messages(id),
    authority       TEXT    NOT NULL,
    idempotency_key TEXT    NOT NULL UNIQUE,
    purpose         TEXT    NOT NULL,
    step            INTEGER NOT NULL DEFAULT 0,
    -- {"to": [...], "cc": [...]}
    recipients      TEXT    NOT NULL,
    -- What the template needs beyond the case (missing fields, a reason).
    context         TEXT    NOT NULL DEFAULT '{}',
    message_id      TEXT    NOT NULL UNIQUE,
    in_reply_to     TEXT,
    -- queued | sending | sent | failed
    status          TEXT    NOT NULL DEFAULT 'queued',
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT    NOT NULL,
    last_error      TEXT,
    created_at      TEXT    NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_case ON outbox (case_id);

-- Who the gateway has written to, for the per-recipient hourly limit.
CREATE TABLE outbox_recipients (
    outbox_id  INTEGER NOT NULL REFERENCES outbox(id),
    address    TEXT    NOT NULL,
    created_at TEXT    NOT NULL
);
CREATE INDEX outbox_recipients_by_address ON outbox_recipients (address, created_at);

-- How far each watched folder has been read.
CREATE TABLE mailbox_positions (
    mailbox     TEXT    NOT NULL,
    folder      TEXT    NOT NULL,
    uidvalidity INTEGER NOT NULL,
    last_uid    INTEGER NOT NULL,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (mailbox, folder)
);
