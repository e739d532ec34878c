-- +goose Up
-- Traceability codes (药品追溯码, FRAUD.md §8): every code a live claim line carries, with the
-- units it charged to the code. This history is global, not the member's: a box settled
-- twice may be settled by two members at two providers on two partitions. seq is the order
-- in which claims were stored, so the first live row of a code is its first settlement; a
-- void or a replace retires the rows of the version it ends.
CREATE TABLE trace_settlements (
    seq          bigserial PRIMARY KEY,
    code         text    NOT NULL,
    provider_id  text    NOT NULL,
    claim_id     text    NOT NULL,
    version      integer NOT NULL,
    member_id    text    NOT NULL,
    line_no      integer NOT NULL,
    item_code    text    NOT NULL,
    quantity     numeric NOT NULL,
    service_date date    NOT NULL,
    live         boolean NOT NULL DEFAULT true,
    UNIQUE (provider_id, claim_id, version, line_no, code)
);
CREATE INDEX trace_settlements_code ON trace_settlements (code, seq) WHERE live;
-- A void finds its claim's rows through the unique index's (provider_id, claim_id) prefix.

-- +goose Down
DROP TABLE trace_settlements;
