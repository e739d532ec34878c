-- +goose Up
-- An upcoding finding (FRAUD.md §5, §8.5) recovers a claim's overpayment, not its whole
-- fund share: a recovered event may name the amount it takes back (NULL: the whole fund
-- share, as before).
ALTER TABLE claim_payment_events ADD COLUMN amount numeric
    CHECK (amount IS NULL OR (event = 'recovered' AND amount >= 0));
CREATE OR REPLACE VIEW claim_payments AS
    SELECT DISTINCT ON (e.provider_id, e.claim_id) e.provider_id, e.claim_id, e.event AS status, e.case_id, e.at AS decided_at, e.id,
           e.amount
    FROM claim_payment_events e
    WHERE e.event <> 'reversed'
      AND NOT EXISTS (SELECT 1 FROM claim_payment_events r WHERE r.reverses = e.id)
    ORDER BY e.provider_id, e.claim_id, (e.event IN ('denied', 'recovered')) DESC, e.id DESC;

-- +goose Down
DROP VIEW claim_payments;
CREATE VIEW claim_payments AS
    SELECT DISTINCT ON (e.provider_id, e.claim_id) e.provider_id, e.claim_id, e.event AS status, e.case_id, e.at AS decided_at, e.id
    FROM claim_payment_events e
    WHERE e.event <> 'reversed'
      AND NOT EXISTS (SELECT 1 FROM claim_payment_events r WHERE r.reverses = e.id)
    ORDER BY e.provider_id, e.claim_id, (e.event IN ('denied', 'recovered')) DESC, e.id DESC;
ALTER TABLE claim_payment_events DROP COLUMN amount;
