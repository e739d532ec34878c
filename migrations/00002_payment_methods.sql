-- +goose Up
-- Provider-side pricing of every method, kept in columns for settlement queries.
ALTER TABLE claim_results
    ADD COLUMN period          text NOT NULL DEFAULT '',
    ADD COLUMN standard        numeric,
    ADD COLUMN provider_margin numeric,
    ADD COLUMN drg             text NOT NULL DEFAULT '',
    ADD COLUMN rw              numeric,
    ADD COLUMN points          numeric,
    ADD COLUMN outlier         text NOT NULL DEFAULT '',
    ADD COLUMN capitation      numeric NOT NULL DEFAULT 0;
CREATE INDEX claim_results_period ON claim_results (period, provider_id);
-- Results are a few KB of JSON each: lz4 compresses them several times faster than pglz.
ALTER TABLE claim_results ALTER COLUMN result SET COMPRESSION lz4, ALTER COLUMN voided_result SET COMPRESSION lz4;
ALTER TABLE submissions ALTER COLUMN result SET COMPRESSION lz4;
-- Batches are listed from submissions (every submission of a batch, rejections included).
DROP INDEX claim_results_batch;
DROP INDEX submissions_claim;

-- The provider ledger: capitation consumption (and later provider-side kinds), append-only
-- entries with running totals per provider, period and kind; a void posts a reversal.
CREATE TABLE provider_ledger (
    id          bigserial PRIMARY KEY,
    provider_id text NOT NULL,
    period      text NOT NULL,
    kind        text NOT NULL,
    amount      numeric NOT NULL,
    claim_id    text NOT NULL,
    version     int NOT NULL,
    reversal    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, claim_id, version, kind, reversal)
);

CREATE TABLE provider_totals (
    provider_id text NOT NULL,
    period      text NOT NULL,
    kind        text NOT NULL,
    amount      numeric NOT NULL,
    PRIMARY KEY (provider_id, period, kind)
);

-- +goose Down
CREATE INDEX submissions_claim ON submissions (provider_id, claim_id);
CREATE INDEX claim_results_batch ON claim_results (batch_id);
ALTER TABLE claim_results ALTER COLUMN result SET COMPRESSION pglz, ALTER COLUMN voided_result SET COMPRESSION pglz;
ALTER TABLE submissions ALTER COLUMN result SET COMPRESSION pglz;
DROP TABLE provider_totals;
DROP TABLE provider_ledger;
DROP INDEX claim_results_period;
ALTER TABLE claim_results
    DROP COLUMN period, DROP COLUMN standard, DROP COLUMN provider_margin, DROP COLUMN drg,
    DROP COLUMN rw, DROP COLUMN points, DROP COLUMN outlier, DROP COLUMN capitation;
