-- Answers that count, the other clocks of a protocol, further referrals
-- linked to the first case, and each message's sender verdict: see
-- migrations/sqlite/0008_answers.sql.

ALTER TABLE cases ADD COLUMN evidence TEXT COLLATE "C" NOT NULL DEFAULT '[]';
ALTER TABLE cases ADD COLUMN application_on TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN information_requested_at TEXT COLLATE "C";
ALTER TABLE cases ADD COLUMN linked_to BIGINT REFERENCES cases(id);
CREATE INDEX cases_linked ON cases (linked_to) WHERE linked_to IS NOT NULL;

ALTER TABLE messages ADD COLUMN sender_verdict TEXT COLLATE "C";
ALTER TABLE messages ADD COLUMN from_allowed BIGINT NOT NULL DEFAULT 0;

UPDATE cases SET evidence = json_build_array(json_build_object('at', responded_at, 'side', 'authority'))::text
WHERE responded_at IS NOT NULL;
