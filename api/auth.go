package api

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"medclaims/store"
)

// Roles a token can have (CONTRACT.md).
const (
	RoleHospital     = "hospital"
	RoleAgency       = "agency"
	RoleInvestigator = "investigator"
)

// Principal is who a request acts for: the token's id, name and role, and for a hospital
// its provider.
type Principal struct {
	TokenID    string
	Name       string
	Role       string
	ProviderID string
}

// RoleString is the role as CONTRACT.md writes it: hospital:<provider_id>, agency,
// investigator.
func (p Principal) RoleString() string {
	if p.Role == RoleHospital {
		return RoleHospital + ":" + p.ProviderID
	}
	return p.Role
}

// ParseRole reads hospital:<provider_id>, agency or investigator.
func ParseRole(s string) (role, providerID string, err error) {
	switch {
	case s == RoleAgency || s == RoleInvestigator:
		return s, "", nil
	case strings.HasPrefix(s, RoleHospital+":") && len(s) > len(RoleHospital)+1:
		return RoleHospital, strings.TrimPrefix(s, RoleHospital+":"), nil
	}
	return "", "", fmt.Errorf("role %q: want hospital:<provider_id>, agency or investigator", s)
}

// NewToken makes a token: "mct_" and 32 random bytes, base64url; a short id to name it by
// (list, revoke); and the hash that is stored. The token itself is never stored.
func NewToken() (token, id string, hash []byte) {
	var b [32]byte
	_, _ = rand.Read(b[:])
	var idb [5]byte
	_, _ = rand.Read(idb[:])
	token = "mct_" + base64.RawURLEncoding.EncodeToString(b[:])
	return token, "tok_" + hex.EncodeToString(idb[:]), HashToken(token)
}

// HashToken is the stored form of a token. Tokens carry 256 random bits, so one SHA-256
// is enough: there is nothing to guess that a slow hash would protect.
func HashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

type principalKey struct{}

// principalOf is the request's principal (set by authenticate).
func principalOf(ctx context.Context) Principal {
	if h, ok := ctx.Value(principalKey{}).(*Principal); ok {
		return *h
	}
	return Principal{}
}

// authenticate checks the bearer token and that its role may use the route: a missing,
// unknown or revoked token is 401, a role not in roles 403.
func (s *Server) authenticate(roles []string, next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, aerr := s.principal(r)
		if aerr != nil {
			writeError(w, aerr)
			return
		}
		record(r, p)
		if !slices.Contains(roles, p.Role) {
			writeError(w, errorf(codeForbidden, "role %s may not %s %s", p.RoleString(), r.Method, r.URL.Path))
			return
		}
		next(w, r)
	}
}

func (s *Server) principal(r *http.Request) (Principal, *apiError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return Principal{}, errorf(codeUnauthorized, "missing Authorization: Bearer <token> header")
	}
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return Principal{}, errorf(codeUnauthorized, "the Authorization header must be: Bearer <token>")
	}
	return s.tokenPrincipal(r.Context(), strings.TrimSpace(token))
}

// record tells the access log who the request acts for.
func record(r *http.Request, p Principal) {
	if h, ok := r.Context().Value(principalKey{}).(*Principal); ok {
		*h = p
	}
}

// tokenPrincipal looks a token up: unknown or revoked is 401.
func (s *Server) tokenPrincipal(ctx context.Context, token string) (Principal, *apiError) {
	t, err := s.cfg.Store.TokenByHash(ctx, HashToken(token), s.cfg.Now())
	return s.principalOfToken(t, err, "unknown token")
}

// principalOfToken is who a looked-up token acts for: a lookup that found nothing is 401
// with the message given, a revoked token 401, a failed lookup 503.
func (s *Server) principalOfToken(t store.Token, err error, unknown string) (Principal, *apiError) {
	if errors.Is(err, store.ErrNoToken) {
		return Principal{}, errorf(codeUnauthorized, "%s", unknown)
	}
	if err != nil {
		s.log.Error("token lookup failed", "err", err)
		return Principal{}, errorf(codeUnavailable, "cannot check the token now: the database does not answer")
	}
	if t.RevokedAt != nil {
		return Principal{}, errorf(codeUnauthorized, "token %s was revoked at %s", t.ID, t.RevokedAt.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return Principal{TokenID: t.ID, Name: t.Name, Role: t.Role, ProviderID: t.ProviderID}, nil
}

// ownProvider refuses a hospital reaching another provider's data (403).
func ownProvider(p Principal, providerID string) *apiError {
	if p.Role == RoleHospital && p.ProviderID != providerID {
		return errorf(codeForbidden, "token of %s may not read provider %s's data", p.RoleString(), providerID)
	}
	return nil
}
