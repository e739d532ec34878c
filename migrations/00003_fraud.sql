-- +goose Up
-- The submitted claim of every live-for-the-rules version (adjudicated, held, or rejected
-- member_deceased as version 0), with the facts the fraud rules query. live is true for the
-- current version of a claim id until it is voided or replaced (FRAUD.md §2.1).
CREATE TABLE claim_facts (
    provider_id text NOT NULL,
    claim_id    text NOT NULL,
    version     int NOT NULL,
    member_id   text NOT NULL,
    live        boolean NOT NULL DEFAULT true,
    inpatient   boolean NOT NULL,
    claim_date  date NOT NULL,
    status      text NOT NULL,
    score       numeric NOT NULL,
    fingerprint text NOT NULL,
    fact        text NOT NULL, -- fraud.Fact.Encode: a header row and a row per line, tab-separated
    submission  json NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (provider_id, claim_id, version)
);
ALTER TABLE claim_facts ALTER COLUMN submission SET COMPRESSION lz4, ALTER COLUMN fact SET COMPRESSION lz4;
CREATE INDEX claim_facts_member ON claim_facts (member_id) WHERE live;
CREATE INDEX claim_facts_provider ON claim_facts (provider_id, claim_date) WHERE live;

-- Flags: one per (claim, rule) or (provider, rule); flag_id is derived from that identity.
CREATE TABLE fraud_flags (
    flag_id     text PRIMARY KEY,
    provider_id text NOT NULL,
    member_id   text NOT NULL DEFAULT '',
    claim_ids   text[] NOT NULL,
    rule        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('claim', 'provider')),
    score       numeric NOT NULL,
    severity    text NOT NULL CHECK (severity IN ('medium', 'high')),
    status      text NOT NULL CHECK (status IN ('open', 'in_case', 'dismissed', 'confirmed')),
    evidence    jsonb NOT NULL,
    created_at  timestamptz NOT NULL,
    updated_at  timestamptz NOT NULL,
    -- provider flags wait here until the scoring evaluator has published them (an outbox)
    published   boolean NOT NULL DEFAULT true
);
CREATE INDEX fraud_flags_unpublished ON fraud_flags (flag_id) WHERE NOT published;
CREATE INDEX fraud_flags_provider ON fraud_flags (provider_id, status);
CREATE INDEX fraud_flags_claim ON fraud_flags (provider_id, (claim_ids[1])) WHERE level = 'claim';

-- The fraud state of a provider: its score and payment suspension (暂停拨付), kept apart
-- from the policy's provider rows, which a bundle load rewrites.
CREATE TABLE provider_fraud (
    provider_id       text PRIMARY KEY,
    score             numeric NOT NULL,
    rules             text[] NOT NULL DEFAULT '{}',
    flagged_share     numeric NOT NULL DEFAULT 0,
    payment_suspended boolean NOT NULL DEFAULT false,
    suspended_at      timestamptz,
    updated_at        timestamptz NOT NULL
);

-- Providers whose results arrived since their last evaluation: the scoring consumer marks
-- them, the evaluator re-scores them (and their peer groups) about once a second.
CREATE TABLE fraud_dirty (
    provider_id text PRIMARY KEY,
    touched_at  timestamptz NOT NULL
);

-- +goose Down
DROP TABLE fraud_dirty;
DROP TABLE provider_fraud;
DROP TABLE fraud_flags;
DROP TABLE claim_facts;
