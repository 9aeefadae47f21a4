-- Who the failed address is on the case (`referrer`, `case_lead`,
-- `council_lead`, `operational_lead`, `dispute_contact`, `next_level`,
-- `other`): what a person should do about it depends on it. NULL for
-- failures recorded before.
ALTER TABLE contact_failures ADD COLUMN role TEXT;
-- When a person said the contact was corrected (`dtr-gateway contacts
-- clear ADDRESS`): the failure is no longer listed.
ALTER TABLE contact_failures ADD COLUMN cleared_at TEXT;
