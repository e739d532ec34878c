-- +goose Up
-- A batch reads each member's live claims from a date on (the reach of the claim rules
-- before the member's earliest claim in the batch), not the member's whole history.
CREATE INDEX claim_facts_member_date ON claim_facts (member_id, claim_date) WHERE live;
DROP INDEX claim_facts_member;

-- +goose Down
CREATE INDEX claim_facts_member ON claim_facts (member_id) WHERE live;
DROP INDEX claim_facts_member_date;
