-- +goose Up
-- Appeals (申诉, FRAUD.md §9): a decided case's appeal and its outcome, as package fraud
-- keeps them; the audit trail gains the appealed and appeal_decided events.
ALTER TABLE fraud_cases ADD COLUMN appeal jsonb;
ALTER TABLE case_events DROP CONSTRAINT case_events_event_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_event_check
    CHECK (event IN ('opened', 'notified', 'responded', 'decided', 'appealed', 'appeal_decided'));

-- +goose Down
ALTER TABLE case_events DROP CONSTRAINT case_events_event_check;
ALTER TABLE case_events ADD CONSTRAINT case_events_event_check CHECK (event IN ('opened', 'notified', 'responded', 'decided'));
ALTER TABLE fraud_cases DROP COLUMN appeal;
