-- +goose Up
-- Investigators' cases (FRAUD.md §5): one provider's flags under review.
CREATE TABLE fraud_cases (
    case_id     text PRIMARY KEY,
    provider_id text NOT NULL,
    state       text NOT NULL CHECK (state IN ('open', 'notified', 'responded', 'decided')),
    flag_ids    text[] NOT NULL,
    claim_ids   text[] NOT NULL,
    opened_at   timestamptz NOT NULL,
    deadline    timestamptz,
    statement   text NOT NULL DEFAULT '',
    decision    text NOT NULL DEFAULT '' CHECK (decision IN ('', 'confirm', 'dismiss')),
    findings    jsonb NOT NULL DEFAULT '[]',
    updated_at  timestamptz NOT NULL
);
CREATE INDEX fraud_cases_provider ON fraud_cases (provider_id, state);

-- The audit trail: every transition of every case, written in the transaction of the
-- change. Rows are never updated or deleted; the triggers below refuse it.
CREATE TABLE case_events (
    id      bigserial PRIMARY KEY,
    case_id text NOT NULL REFERENCES fraud_cases (case_id),
    event   text NOT NULL CHECK (event IN ('opened', 'notified', 'responded', 'decided')),
    state   text NOT NULL,
    by_name text NOT NULL,
    role    text NOT NULL,
    at      timestamptz NOT NULL,
    note    text NOT NULL DEFAULT '',
    detail  jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case ON case_events (case_id, id);

-- +goose StatementBegin
CREATE FUNCTION refuse_audit_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END
$$;
-- +goose StatementEnd
CREATE TRIGGER case_events_append_only BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER case_events_no_truncate BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

-- What a decision made of a claim's payment: released (a dismissed hold, payable now),
-- denied (a held claim never to be paid) or recovered (a paid claim taken back).
CREATE TABLE claim_payments (
    provider_id text NOT NULL,
    claim_id    text NOT NULL,
    status      text NOT NULL CHECK (status IN ('released', 'denied', 'recovered')),
    case_id     text NOT NULL REFERENCES fraud_cases (case_id),
    decided_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, claim_id)
);

-- The sanction register (信用记录): the provider and the practitioners of confirmed findings.
CREATE TABLE sanctions (
    id              bigserial PRIMARY KEY,
    provider_id     text NOT NULL,
    practitioner_id text NOT NULL DEFAULT '',
    finding         text NOT NULL,
    article         text NOT NULL,
    case_id         text NOT NULL REFERENCES fraud_cases (case_id),
    decided_at      timestamptz NOT NULL,
    until           timestamptz
);
CREATE INDEX sanctions_provider ON sanctions (provider_id);

-- Events waiting to be published on fraud.cases and providers.status (an outbox: written in
-- the transaction of the change, deleted once the broker acknowledged them).
CREATE TABLE event_outbox (
    id    bigserial PRIMARY KEY,
    topic text NOT NULL CHECK (topic IN ('fraud.cases', 'providers.status')),
    key   text NOT NULL,
    value jsonb NOT NULL
);

-- A dismissal lifts a payment suspension and remembers the score it dismissed: the scorer
-- suspends the provider again only when new evidence takes the score above it.
ALTER TABLE provider_fraud ADD COLUMN cleared_score numeric;

-- +goose Down
ALTER TABLE provider_fraud DROP COLUMN cleared_score;
DROP TABLE event_outbox;
DROP TABLE sanctions;
DROP TABLE claim_payments;
DROP TABLE case_events;
DROP FUNCTION refuse_audit_change();
DROP TABLE fraud_cases;
