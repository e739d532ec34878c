-- +goose Up
-- provider_totals summed provider_ledger by provider, period and kind on every batch. Nothing
-- read it (a close sums the period's claims), and its few rows were updated by every
-- partition's transaction, so concurrent batches queued on their locks. provider_ledger keeps
-- every entry; its sums are a query away.
DROP TABLE provider_totals;

-- +goose Down
CREATE TABLE provider_totals (
    provider_id text NOT NULL,
    period      text NOT NULL,
    kind        text NOT NULL,
    amount      numeric NOT NULL,
    PRIMARY KEY (provider_id, period, kind)
);
INSERT INTO provider_totals (provider_id, period, kind, amount)
SELECT provider_id, period, kind, sum(amount) FROM provider_ledger GROUP BY provider_id, period, kind;
