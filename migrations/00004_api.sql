-- +goose Up
-- API tokens: only the SHA-256 of a token is kept; the token itself is shown once, at
-- creation. role is hospital, agency or investigator; a hospital token names its provider.
CREATE TABLE api_tokens (
    token_id     text PRIMARY KEY,
    name         text NOT NULL,
    role         text NOT NULL CHECK (role IN ('hospital', 'agency', 'investigator')),
    provider_id  text NOT NULL DEFAULT '' CHECK ((role = 'hospital') = (provider_id <> '')),
    hash         bytea NOT NULL UNIQUE,
    created_at   timestamptz NOT NULL,
    last_used_at timestamptz,
    revoked_at   timestamptz
);

-- Batches posted through the API, with every item in the order it was posted: a batch is
-- listed from here (each item joined to the result of its submission once that is stored),
-- so items the API refused and items still in flight are shown too.
CREATE TABLE api_batches (
    batch_id      text PRIMARY KEY,
    provider_id   text NOT NULL,
    token_id      text NOT NULL REFERENCES api_tokens (token_id),
    items         int NOT NULL,
    accepted      int NOT NULL,
    produce_error text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL
);
CREATE INDEX api_batches_provider ON api_batches (provider_id, created_at);

CREATE TABLE api_batch_items (
    batch_id    text NOT NULL REFERENCES api_batches (batch_id),
    seq         int NOT NULL,
    kind        text NOT NULL,
    provider_id text NOT NULL,
    claim_id    text NOT NULL,
    member_id   text NOT NULL,
    -- 'submitted' when published; 'rejected' when the API refused it (reasons say why)
    status      text NOT NULL CHECK (status IN ('submitted', 'rejected')),
    reasons     jsonb NOT NULL DEFAULT '[]',
    PRIMARY KEY (batch_id, seq)
);

CREATE INDEX fraud_flags_created ON fraud_flags (created_at DESC, flag_id DESC);

-- +goose Down
DROP INDEX fraud_flags_created;
DROP TABLE api_batch_items;
DROP TABLE api_batches;
DROP TABLE api_tokens;
