-- A case's revision goes up with every change that makes the sweep look at
-- it again (the writes that clear follow_up_on). The sweep stores the day it
-- worked out only if the revision is still the one it read, so a change
-- made while it was working is never covered by a stale day.
ALTER TABLE cases ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
