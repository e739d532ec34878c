package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lib/pq"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
)

// ErrNotFound is returned when the thing asked for is not stored.
var ErrNotFound = errors.New("not found")

// ClaimVersion is one stored version of a claim.
type ClaimVersion struct {
	Version        int        `db:"version"`
	Status         string     `db:"status"`
	BatchID        string     `db:"batch_id"`
	Method         string     `db:"method"`
	Total          string     `db:"total"`
	FundToProvider string     `db:"fund_to_provider"`
	MemberPays     string     `db:"member_pays"`
	PolicyVersion  string     `db:"policy_version"`
	AdjudicatedAt  time.Time  `db:"adjudicated_at"`
	VoidedAt       *time.Time `db:"voided_at"`
}

// ClaimView is a claim as it stands: its current result (the latest version's, or the
// latest rejection when no version was ever adjudicated), its versions and its flags.
type ClaimView struct {
	Current  claim.Result
	Versions []ClaimVersion
	Flags    []fraud.Flag
	// Decided is what a case decision made of the claim's payment: released, denied or
	// recovered ("" when no decision touched it).
	Decided string
}

// Claim reads a claim for the API.
func (s *Store) Claim(ctx context.Context, k claim.Key) (*ClaimView, error) {
	v := &ClaimView{Versions: []ClaimVersion{}}
	if err := s.db.SelectContext(ctx, &v.Versions, `SELECT version, status, batch_id, method, total::text AS total,
		fund_to_provider::text AS fund_to_provider, member_pays::text AS member_pays, policy_version, adjudicated_at, voided_at
		FROM claim_results WHERE provider_id = $1 AND claim_id = $2 ORDER BY version`, k.ProviderID, k.ClaimID); err != nil {
		return nil, fmt.Errorf("read claim %s/%s: %w", k.ProviderID, k.ClaimID, err)
	}
	var doc []byte
	var err error
	if n := len(v.Versions); n > 0 {
		err = s.db.GetContext(ctx, &doc, `SELECT COALESCE(voided_result, result) FROM claim_results
			WHERE provider_id = $1 AND claim_id = $2 AND version = $3`, k.ProviderID, k.ClaimID, v.Versions[n-1].Version)
	} else {
		err = s.db.GetContext(ctx, &doc, `SELECT result FROM submissions WHERE provider_id = $1 AND claim_id = $2 AND result IS NOT NULL
			ORDER BY processed_at DESC, "offset" DESC LIMIT 1`, k.ProviderID, k.ClaimID)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read claim %s/%s: %w", k.ProviderID, k.ClaimID, err)
	}
	r, err := decodeResult(doc)
	if err != nil {
		return nil, err
	}
	v.Current = *r
	if err := s.db.GetContext(ctx, &v.Decided, `SELECT status FROM claim_payments WHERE provider_id = $1 AND claim_id = $2`,
		k.ProviderID, k.ClaimID); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("read payment of claim %s/%s: %w", k.ProviderID, k.ClaimID, err)
	}
	v.Flags, err = scanFlags(s.db.QueryContext(ctx, `SELECT `+flagCols+` FROM fraud_flags f
		WHERE f.provider_id = $1 AND $2 = ANY(f.claim_ids) ORDER BY f.created_at, f.flag_id`, k.ProviderID, k.ClaimID))
	return v, err
}

// ProviderView is a provider's designation and fraud standing (the API shows it as JSON).
type ProviderView struct {
	ProviderID       string
	Name             string
	Level            int
	Region           string
	Beds             int
	Methods          []string
	Status           string
	BannedUntil      *string
	PaymentSuspended bool
	SuspendedAt      *time.Time
	Score            string
	Rules            []string
}

// ProviderStanding reads one provider for the API as it stands on now: a bar that has ended
// shows as applicant (it may re-apply; it is never designated again by itself).
func (s *Store) ProviderStanding(ctx context.Context, id string, now time.Time) (*ProviderView, error) {
	var p ProviderView
	var methods, rules pq.StringArray
	var banned sql.NullTime
	err := s.db.QueryRowContext(ctx, `SELECT p.provider_id, p.name, p.level, p.region, p.beds, p.methods, p.status, p.banned_until,
			COALESCE(f.payment_suspended, false), f.suspended_at, COALESCE(f.score::text, '0'), COALESCE(f.rules, '{}')
		FROM providers p LEFT JOIN provider_fraud f USING (provider_id) WHERE p.provider_id = $1`, id).Scan(
		&p.ProviderID, &p.Name, &p.Level, &p.Region, &p.Beds, &methods, &p.Status, &banned, &p.PaymentSuspended, &p.SuspendedAt,
		&p.Score, &rules)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read provider %s: %w", id, err)
	}
	p.Methods, p.Rules = []string(methods), []string(rules)
	if banned.Valid {
		d := banned.Time.Format("2006-01-02")
		p.BannedUntil = &d
		p.Status = (&policy.Provider{Status: p.Status, BannedUntil: banned.Time}).StandingOn(claim.Today(now))
	}
	if p.SuspendedAt != nil {
		t := p.SuspendedAt.UTC()
		p.SuspendedAt = &t
	}
	return &p, nil
}

// FlagFilter selects flags; empty fields select everything. After is the keyset cursor:
// flags strictly older than it in (created_at, flag_id) descending order.
type FlagFilter struct {
	Status, ProviderID, Rule, Level string
	AfterTime                       time.Time
	AfterID                         string
	Limit                           int
}

// FlagPage lists flags newest first; it reads one more than the limit to know whether
// another page follows.
func (s *Store) FlagPage(ctx context.Context, f FlagFilter) (flags []fraud.Flag, more bool, err error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", fmt.Sprintf("$%d", len(args))))
	}
	for _, c := range []struct{ col, v string }{{"f.status", f.Status}, {"f.provider_id", f.ProviderID}, {"f.rule", f.Rule}, {"f.level", f.Level}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.AfterID != "" {
		args = append(args, f.AfterTime.UTC(), f.AfterID)
		where = append(where, fmt.Sprintf("(f.created_at, f.flag_id) < ($%d, $%d)", len(args)-1, len(args)))
	}
	q := `SELECT ` + flagCols + ` FROM fraud_flags f`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	args = append(args, f.Limit+1)
	q += fmt.Sprintf(" ORDER BY f.created_at DESC, f.flag_id DESC LIMIT $%d", len(args))
	flags, err = scanFlags(s.db.QueryContext(ctx, q, args...))
	if err != nil {
		return nil, false, err
	}
	if len(flags) > f.Limit {
		return flags[:f.Limit], true, nil
	}
	return flags, false, nil
}
