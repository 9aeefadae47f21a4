-- When a case's protocol clocks start: when it was received, or, for a
-- referral received without the person's consent, when consent came.
-- `received_at` stays when the mail arrived. SQLite adds no NOT NULL
-- column without a default, and no default would be right: the gateway
-- writes it with every case.
ALTER TABLE cases ADD COLUMN clock_from TEXT;
UPDATE cases SET clock_from = received_at;
