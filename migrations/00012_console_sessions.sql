-- +goose Up
-- Console sessions: the cookie holds a random session id, of which only the SHA-256 is kept;
-- a session ends at logout, at its expiry, or when its token is revoked.
CREATE TABLE console_sessions (
    hash       bytea PRIMARY KEY,
    token_id   text NOT NULL REFERENCES api_tokens (token_id),
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    ended_at   timestamptz
);
CREATE INDEX console_sessions_token ON console_sessions (token_id);

-- +goose Down
DROP TABLE console_sessions;
