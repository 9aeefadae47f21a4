-- When a case's protocol clocks start: when it was received, or, for a
-- referral received without the person's consent, when consent came.
-- `received_at` stays when the mail arrived.
ALTER TABLE cases ADD COLUMN clock_from TEXT COLLATE "C";
UPDATE cases SET clock_from = received_at;
ALTER TABLE cases ALTER COLUMN clock_from SET NOT NULL;
