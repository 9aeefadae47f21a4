-- How a referral reached the authority: NULL for mail the gateway read
-- (email), or the route a person gave when recording it by hand with
-- `case new` (phone, portal, email, other). The report counts each.
ALTER TABLE cases ADD COLUMN route TEXT;
