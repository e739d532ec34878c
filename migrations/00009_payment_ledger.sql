-- +goose Up
-- A claim's payment fate is a ledger of events, like the member ledger: a case releases,
-- denies or recovers a claim; a later event never overwrites an earlier one. Only an
-- explicit reversal (naming the event it reverses) takes an event back.
CREATE TABLE claim_payment_events (
    id          bigserial PRIMARY KEY,
    provider_id text NOT NULL,
    claim_id    text NOT NULL,
    event       text NOT NULL CHECK (event IN ('released', 'denied', 'recovered', 'reversed')),
    case_id     text NOT NULL REFERENCES fraud_cases (case_id),
    reverses    bigint REFERENCES claim_payment_events (id),
    at          timestamptz NOT NULL,
    note        text NOT NULL DEFAULT '',
    CHECK ((event = 'reversed') = (reverses IS NOT NULL))
);
CREATE INDEX claim_payment_events_claim ON claim_payment_events (provider_id, claim_id, id);
-- An event is reversed at most once.
CREATE UNIQUE INDEX claim_payment_events_reversed_once ON claim_payment_events (reverses) WHERE reverses IS NOT NULL;
CREATE TRIGGER claim_payment_events_append_only BEFORE UPDATE OR DELETE ON claim_payment_events
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER claim_payment_events_no_truncate BEFORE TRUNCATE ON claim_payment_events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();

INSERT INTO claim_payment_events (provider_id, claim_id, event, case_id, at)
    SELECT provider_id, claim_id, status, case_id, decided_at FROM claim_payments ORDER BY decided_at;
DROP TABLE claim_payments;

-- The current payment decision of a claim, derived: of its events not reversed, a denial or
-- recovery outranks a release (money taken back stays taken back), the latest of a rank wins.
CREATE VIEW claim_payments AS
    SELECT DISTINCT ON (e.provider_id, e.claim_id) e.provider_id, e.claim_id, e.event AS status, e.case_id, e.at AS decided_at, e.id
    FROM claim_payment_events e
    WHERE e.event <> 'reversed'
      AND NOT EXISTS (SELECT 1 FROM claim_payment_events r WHERE r.reverses = e.id)
    ORDER BY e.provider_id, e.claim_id, (e.event IN ('denied', 'recovered')) DESC, e.id DESC;

-- A flag belongs to at most one undecided case: the database refuses a second.
CREATE TABLE case_flags (
    case_id   text NOT NULL REFERENCES fraud_cases (case_id),
    flag_id   text NOT NULL,
    undecided boolean NOT NULL DEFAULT true,
    PRIMARY KEY (case_id, flag_id)
);
CREATE UNIQUE INDEX case_flags_one_undecided ON case_flags (flag_id) WHERE undecided;
INSERT INTO case_flags (case_id, flag_id, undecided)
    SELECT case_id, unnest(flag_ids), state <> 'decided' FROM fraud_cases ORDER BY opened_at
    ON CONFLICT DO NOTHING;

-- +goose Down
DROP TABLE case_flags;
DROP VIEW claim_payments;
CREATE TABLE claim_payments (
    provider_id text NOT NULL,
    claim_id    text NOT NULL,
    status      text NOT NULL CHECK (status IN ('released', 'denied', 'recovered')),
    case_id     text NOT NULL REFERENCES fraud_cases (case_id),
    decided_at  timestamptz NOT NULL,
    PRIMARY KEY (provider_id, claim_id)
);
DROP TABLE claim_payment_events;
