package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// CreateSession stores a console session (by the hash of its id) for a token.
func (s *Store) CreateSession(ctx context.Context, hash []byte, tokenID string, now, expires time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO console_sessions (hash, token_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, tokenID, now.UTC(), expires.UTC()); err != nil {
		return fmt.Errorf("start a console session: %w", err)
	}
	return nil
}

// SessionToken is the token of a live console session: one not ended, not expired, whose
// token is not revoked. Anything else is ErrNoToken.
func (s *Store) SessionToken(ctx context.Context, hash []byte, now time.Time) (Token, error) {
	var t Token
	err := s.db.GetContext(ctx, &t, `SELECT t.token_id, t.name, t.role, t.provider_id, t.created_at, t.last_used_at, t.revoked_at
		FROM console_sessions cs JOIN api_tokens t USING (token_id)
		WHERE cs.hash = $1 AND cs.ended_at IS NULL AND cs.expires_at > $2 AND t.revoked_at IS NULL`, hash, now.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("look up console session: %w", err)
	}
	return t, nil
}

// EndSession ends a console session (logout).
func (s *Store) EndSession(ctx context.Context, hash []byte, now time.Time) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE console_sessions SET ended_at = $2 WHERE hash = $1 AND ended_at IS NULL`, hash, now.UTC()); err != nil {
		return fmt.Errorf("end console session: %w", err)
	}
	return nil
}
