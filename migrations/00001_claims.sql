-- +goose Up
CREATE TABLE policy_versions (
    version        text PRIMARY KEY,
    effective_from date NOT NULL,
    content_hash   text NOT NULL,
    files          jsonb NOT NULL,
    loaded_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE providers (
    provider_id          text PRIMARY KEY CHECK (provider_id <> ''),
    name                 text NOT NULL DEFAULT '',
    level                int NOT NULL,
    region               text NOT NULL DEFAULT '',
    beds                 int NOT NULL DEFAULT 0,
    alliance_id          text NOT NULL DEFAULT '',
    methods              text[] NOT NULL DEFAULT '{}',
    hospital_coefficient numeric NOT NULL DEFAULT 1,
    status               text NOT NULL,
    banned_until         date,
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE members (
    member_id          text PRIMARY KEY CHECK (member_id <> ''),
    scheme             text NOT NULL,
    region             text NOT NULL DEFAULT '',
    birth_date         date NOT NULL,
    sex                text NOT NULL,
    death_date         date,
    poverty_registered boolean NOT NULL DEFAULT false,
    assistance         text NOT NULL DEFAULT 'none',
    enrolled_from      date,
    enrolled_to        date,
    updated_at         timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE signups (
    member_id   text NOT NULL,
    provider_id text NOT NULL,
    from_date   date NOT NULL,
    to_date     date,
    PRIMARY KEY (member_id, provider_id, from_date)
);

CREATE TABLE budgets (
    kind   text NOT NULL,
    key    text NOT NULL,
    period text NOT NULL,
    amount numeric NOT NULL,
    PRIMARY KEY (kind, key, period)
);

-- One row per adjudicated claim version. A void marks the row voided (the adjudication
-- result stays as it was); the ledger carries the reversing entries.
CREATE TABLE claim_results (
    provider_id      text NOT NULL,
    claim_id         text NOT NULL,
    version          int NOT NULL,
    member_id        text NOT NULL,
    batch_id         text NOT NULL DEFAULT '',
    status           text NOT NULL CHECK (status IN ('adjudicated', 'held', 'voided')),
    method           text NOT NULL,
    content_hash     text NOT NULL,
    year             int NOT NULL,
    care_type        text NOT NULL,
    deductible       numeric NOT NULL,
    ref_provider_id  text NOT NULL DEFAULT '',
    ref_claim_id     text NOT NULL DEFAULT '',
    ref_direction    text NOT NULL DEFAULT '',
    ref_approved     boolean NOT NULL DEFAULT false,
    total            numeric NOT NULL,
    eligible         numeric NOT NULL,
    fund_total       numeric NOT NULL,
    member_pays      numeric NOT NULL,
    fund_to_provider numeric NOT NULL,
    deltas           jsonb NOT NULL,
    result           json NOT NULL,
    voided_result    json,
    policy_version   text NOT NULL,
    source_topic     text,
    source_partition int,
    source_offset    bigint,
    adjudicated_at   timestamptz NOT NULL,
    voided_at        timestamptz,
    PRIMARY KEY (provider_id, claim_id, version)
);
CREATE INDEX claim_results_member_year ON claim_results (member_id, year);
CREATE INDEX claim_results_batch ON claim_results (batch_id);

-- Every processed submission (claim, void, replace), rejections included, keyed by the
-- Kafka record that carried it: a redelivered record finds its row and re-emits the result.
CREATE TABLE submissions (
    topic        text NOT NULL,
    partition    int NOT NULL,
    "offset"     bigint NOT NULL,
    kind         text NOT NULL,
    batch_id     text NOT NULL DEFAULT '',
    provider_id  text NOT NULL DEFAULT '',
    claim_id     text NOT NULL DEFAULT '',
    member_id    text NOT NULL DEFAULT '',
    status       text NOT NULL,
    version      int NOT NULL DEFAULT 0,
    reasons      jsonb NOT NULL DEFAULT '[]',
    -- The emitted result: inline for rejections; for adjudications and voids it is the
    -- claim_results row's result or voided_result of (provider_id, claim_id, version).
    result       json,
    result_ref   text NOT NULL DEFAULT '' CHECK (result_ref IN ('', 'result', 'voided')),
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (topic, partition, "offset")
);
CREATE INDEX submissions_batch ON submissions (batch_id);
CREATE INDEX submissions_claim ON submissions (provider_id, claim_id);

CREATE VIEW rejections AS
    SELECT topic, partition, "offset", kind, batch_id, provider_id, claim_id, member_id, reasons, result, processed_at
    FROM submissions WHERE status = 'rejected';

-- The member ledger: append-only entries, and running totals updated in the same transaction.
-- Entries are written only together with the claim_results row they belong to (unique on
-- provider_id, claim_id, version) or with the void that updates it, in one transaction, so
-- they are posted once without a unique index of their own on the hot path.
CREATE TABLE ledger_entries (
    id          bigserial PRIMARY KEY,
    member_id   text NOT NULL,
    year        int NOT NULL,
    provider_id text NOT NULL,
    claim_id    text NOT NULL,
    version     int NOT NULL,
    kind        text NOT NULL,
    amount      numeric NOT NULL,
    reversal    boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ledger_entries_member ON ledger_entries (member_id, year);

CREATE TABLE member_totals (
    member_id text NOT NULL,
    year      int NOT NULL,
    kind      text NOT NULL,
    amount    numeric NOT NULL,
    PRIMARY KEY (member_id, year, kind)
);

-- +goose Down
DROP TABLE member_totals;
DROP TABLE ledger_entries;
DROP VIEW rejections;
DROP TABLE submissions;
DROP TABLE claim_results;
DROP TABLE budgets;
DROP TABLE signups;
DROP TABLE members;
DROP TABLE providers;
DROP TABLE policy_versions;
