-- +goose Up
-- Practitioners' payment qualification (FRAUD.md §9): the points ledger, append-only. A
-- confirmed finding assigns points to each person it names; an appeal's amendment posts
-- reversing entries. The qualification (suspended, terminated, until) is derived from
-- these rows and the clock, never stored.
CREATE TABLE practitioner_points (
    id              bigserial PRIMARY KEY,
    practitioner_id text NOT NULL CHECK (practitioner_id <> ''),
    at              timestamptz NOT NULL,
    year            int NOT NULL,
    points          int NOT NULL CHECK (points <> 0),
    case_id         text NOT NULL REFERENCES fraud_cases (case_id),
    finding         int NOT NULL CHECK (finding >= 1),
    kind            text NOT NULL CHECK (kind IN ('assigned', 'reversed')),
    CHECK ((kind = 'assigned') = (points > 0))
);
CREATE INDEX practitioner_points_person ON practitioner_points (practitioner_id, id);
CREATE TRIGGER practitioner_points_append_only BEFORE UPDATE OR DELETE ON practitioner_points
    FOR EACH ROW EXECUTE FUNCTION refuse_audit_change();
CREATE TRIGGER practitioner_points_no_truncate BEFORE TRUNCATE ON practitioner_points
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_audit_change();
REVOKE UPDATE, DELETE ON practitioner_points FROM medclaims_service;

-- +goose Down
DROP TABLE practitioner_points;
