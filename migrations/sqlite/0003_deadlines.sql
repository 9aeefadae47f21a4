-- Deadlines: who answered, what a person recorded, and the follow-ups the
-- sweep has done.

-- The authority's first answer in the case's thread (or recorded by hand).
ALTER TABLE cases ADD COLUMN responded_at TEXT;
-- No reminders, chases or escalations before this date (YYYY-MM-DD).
ALTER TABLE cases ADD COLUMN paused_until TEXT;
-- Rule ids a person marked as met: JSON ["appointments_confirmed"].
ALTER TABLE cases ADD COLUMN met_by_hand TEXT NOT NULL DEFAULT '[]';
-- The follow-ups done, oldest first: JSON [{"key", "on", "to"}]. Read by
-- the sweep with the case, so that a sweep over many open cases is one
-- query; a key once here is never acted on again.
ALTER TABLE cases ADD COLUMN follow_ups TEXT NOT NULL DEFAULT '[]';

-- The first day the sweep could owe the case a follow-up it has not had;
-- NULL when something changed and the sweep must look again. A sweep reads
-- only the cases whose day has come, not every open case every minute.
ALTER TABLE cases ADD COLUMN follow_up_on TEXT;

CREATE INDEX cases_open ON cases (status, follow_up_on) WHERE status IN ('open', 'incomplete');
