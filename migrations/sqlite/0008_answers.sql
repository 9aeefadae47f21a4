-- Answers that count: who answered a case, when, and what they said was
-- done; the clocks a protocol may run from besides the referral; further
-- referrals of a person linked to their first case; and the receiving
-- organisation's verdict on each message's sender.

-- The answers of either side, oldest first, as the deadlines judge them:
-- JSON [{"at", "side", "answers"?, "done"?}].
ALTER TABLE cases ADD COLUMN evidence TEXT NOT NULL DEFAULT '[]';
-- The homeless application's date (YYYY-MM-DD), once recorded.
ALTER TABLE cases ADD COLUMN application_on TEXT;
-- When the authority last asked the referring side for information.
ALTER TABLE cases ADD COLUMN information_requested_at TEXT;
-- A further referral of a person from another referrer: the first case.
ALTER TABLE cases ADD COLUMN linked_to INTEGER REFERENCES cases(id);
CREATE INDEX cases_linked ON cases (linked_to) WHERE linked_to IS NOT NULL;

-- authenticated | internal | not_authenticated | forged | no_verdict
ALTER TABLE messages ADD COLUMN sender_verdict TEXT;
-- 1 when the sender's domain is allowed to refer: `status` counts how much
-- of that mail fails authentication, per mailbox.
ALTER TABLE messages ADD COLUMN from_allowed INTEGER NOT NULL DEFAULT 0;

-- The first answer recorded before answers were kept one by one.
UPDATE cases SET evidence = json_array(json_object('at', responded_at, 'side', 'authority'))
WHERE responded_at IS NOT NULL;
