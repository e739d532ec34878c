package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// Token is a stored API token: everything but the token itself, of which only a hash is
// kept.
type Token struct {
	ID         string     `db:"token_id" json:"token_id"`
	Name       string     `db:"name" json:"name"`
	Role       string     `db:"role" json:"role"`
	ProviderID string     `db:"provider_id" json:"provider_id,omitempty"`
	CreatedAt  time.Time  `db:"created_at" json:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at" json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `db:"revoked_at" json:"revoked_at,omitempty"`
}

// ErrNoToken is returned for a token hash or id that is not stored.
var ErrNoToken = errors.New("no such token")

// ErrUnknownProvider is returned when a hospital token names a provider no loaded policy
// lists.
var ErrUnknownProvider = errors.New("unknown provider")

const tokenCols = `token_id, name, role, provider_id, created_at, last_used_at, revoked_at`

// CreateToken stores a token's hash with its name and role. A hospital token's provider
// must be a loaded provider.
func (s *Store) CreateToken(ctx context.Context, t Token, hash []byte) error {
	if t.Role == "hospital" {
		var n int
		if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM providers WHERE provider_id = $1`, t.ProviderID); err != nil {
			return fmt.Errorf("create token: %w", err)
		}
		if n == 0 {
			return fmt.Errorf("create token: %w %q (load a policy bundle that lists it first)", ErrUnknownProvider, t.ProviderID)
		}
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (token_id, name, role, provider_id, hash, created_at)
		VALUES ($1, $2, $3, $4, $5, $6)`, t.ID, text(t.Name), t.Role, t.ProviderID, hash, t.CreatedAt.UTC())
	if err != nil {
		return fmt.Errorf("create token: %w", err)
	}
	return nil
}

// Tokens lists every token, oldest first.
func (s *Store) Tokens(ctx context.Context) ([]Token, error) {
	var out []Token
	if err := s.db.SelectContext(ctx, &out, `SELECT `+tokenCols+` FROM api_tokens ORDER BY created_at, token_id`); err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	return out, nil
}

// RevokeToken revokes a token by id; revoking a revoked token changes nothing and says so.
func (s *Store) RevokeToken(ctx context.Context, id string, at time.Time) (already bool, err error) {
	var revoked *time.Time
	err = s.db.GetContext(ctx, &revoked, `UPDATE api_tokens SET revoked_at = COALESCE(revoked_at, $2) WHERE token_id = $1
		RETURNING CASE WHEN revoked_at = $2 THEN NULL ELSE revoked_at END`, id, at.UTC())
	if errors.Is(err, sql.ErrNoRows) {
		return false, fmt.Errorf("revoke token %s: %w", id, ErrNoToken)
	}
	if err != nil {
		return false, fmt.Errorf("revoke token %s: %w", id, err)
	}
	return revoked != nil, nil
}

// TokenByHash finds the token with this hash and records its use (at most once a minute,
// so a busy client does not rewrite its row on every request). A revoked token is returned
// with RevokedAt set; an unknown one is ErrNoToken.
func (s *Store) TokenByHash(ctx context.Context, hash []byte, now time.Time) (Token, error) {
	var t Token
	err := s.db.GetContext(ctx, &t, `SELECT `+tokenCols+` FROM api_tokens WHERE hash = $1`, hash)
	if errors.Is(err, sql.ErrNoRows) {
		return Token{}, ErrNoToken
	}
	if err != nil {
		return Token{}, fmt.Errorf("look up token: %w", err)
	}
	if t.RevokedAt == nil && (t.LastUsedAt == nil || now.Sub(*t.LastUsedAt) > time.Minute) {
		if _, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET last_used_at = $2 WHERE token_id = $1`, t.ID, now.UTC()); err != nil {
			return Token{}, fmt.Errorf("record token use: %w", err)
		}
	}
	return t, nil
}
