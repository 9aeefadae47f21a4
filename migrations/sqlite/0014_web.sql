-- The web view: one-time sign-in links, sessions, and who looked at or did
-- what. Links and sessions are kept by the SHA-256 of their secret, never
-- the secret itself.
CREATE TABLE web_sign_ins (
    token_hash TEXT PRIMARY KEY,
    address    TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX web_sign_ins_by_address ON web_sign_ins (address, created_at);

CREATE TABLE web_sessions (
    session_hash TEXT PRIMARY KEY,
    address      TEXT NOT NULL,
    -- The token forms must carry back (tied to this session).
    csrf         TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL
);

-- Each view of a case and each action, by whom: shown on the case.
CREATE TABLE web_access (
    id        INTEGER PRIMARY KEY,
    at        TEXT NOT NULL,
    address   TEXT NOT NULL,
    authority TEXT,
    case_ref  TEXT,
    action    TEXT NOT NULL
);
CREATE INDEX web_access_by_case ON web_access (case_ref, id);
CREATE INDEX web_access_by_time ON web_access (at);
