-- Which running gateway is sending a row, and until when its claim holds.
-- Several gateways on one store each claim rows; a gateway that dies leaves
-- its rows `sending` until the claim runs out, and then another takes them.
-- At start, a gateway takes back only the rows it claimed itself.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
CREATE INDEX outbox_claims ON outbox (status, claimed_until) WHERE status = 'sending';
