-- +goose Up
-- Period statements (POLICY.md §7): every close of a period that changed something is a new
-- version; the document is the statement of CONTRACT.md, its hash tells an unchanged re-close.
CREATE TABLE statements (
    period    text NOT NULL CHECK (period ~ '^[0-9]{4}-(0[1-9]|1[0-2])$'),
    version   int NOT NULL CHECK (version > 0),
    closed_at timestamptz NOT NULL,
    hash      text NOT NULL,
    doc       jsonb NOT NULL,
    PRIMARY KEY (period, version)
);

-- +goose Down
DROP TABLE statements;
