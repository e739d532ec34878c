package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/fraud"
	"medclaims/policy"
)

// Scoring is one micro-batch of the provider scoring consumer in a transaction.
type Scoring struct{ batch *Batch } // the scoring transaction

// InScoring runs fn in one transaction.
func (s *Store) InScoring(ctx context.Context, fn func(*Scoring) error) error {
	return s.InBatch(ctx, func(b *Batch) error { return fn(&Scoring{batch: b}) })
}

// PeerGroups returns the providers of the given providers' peer groups (same level and
// region), the given ones included.
func (s *Scoring) PeerGroups(ctx context.Context, ids []string) (map[string]*policy.Provider, error) {
	var rows []providerRow
	if err := s.batch.tx.SelectContext(ctx, &rows, `SELECT `+providerCols+` FROM providers WHERE (level, region) IN
		(SELECT level, region FROM providers WHERE provider_id = ANY($1)) ORDER BY provider_id`, pq.Array(nonEmpty(ids))); err != nil {
		return nil, fmt.Errorf("read peer groups: %w", err)
	}
	out := make(map[string]*policy.Provider, len(rows))
	for _, r := range rows {
		out[r.ID] = r.provider()
	}
	return out, nil
}

// LiveFacts reads the live claims of the providers whose claim dates lie within windowDays
// of the earliest of their latest claim dates (enough for each provider's own window and
// the group's).
func (s *Scoring) LiveFacts(ctx context.Context, ids []string, windowDays int) (map[string][]*fraud.Fact, error) {
	rows, err := s.batch.tx.QueryContext(ctx, `
		WITH latest AS (SELECT min(d) AS d FROM (SELECT max(claim_date) AS d FROM claim_facts WHERE live AND provider_id = ANY($1) GROUP BY provider_id) x)
		SELECT f.provider_id, f.claim_id, f.fact FROM claim_facts f, latest
		WHERE f.live AND f.provider_id = ANY($1) AND f.claim_date > latest.d - $2::int
		ORDER BY f.claim_date, f.provider_id COLLATE "C", f.claim_id COLLATE "C"`, pq.Array(nonEmpty(ids)), windowDays)
	if err != nil {
		return nil, fmt.Errorf("read providers' live claims: %w", err)
	}
	return scanFacts(rows, func(f *fraud.Fact) string { return f.Key.ProviderID })
}

// ProviderScore is a provider's fraud state as the scoring consumer leaves it.
type ProviderScore struct {
	ProviderID       string
	Score            string
	Rules            []string
	FlaggedShare     string
	PaymentSuspended bool
	SuspendedAt      *time.Time
	UpdatedAt        time.Time
}

// Standings reads the providers' payment suspensions, locked until the transaction ends
// (a decision lifting one waits); a provider never scored has none.
func (s *Scoring) Standings(ctx context.Context, ids []string) (map[string]fraud.Standing, error) {
	rows, err := s.batch.tx.QueryContext(ctx, `SELECT provider_id, payment_suspended, suspended_at, cleared_score::text FROM provider_fraud
		WHERE provider_id = ANY($1) ORDER BY provider_id FOR UPDATE`, pq.Array(ids))
	if err != nil {
		return nil, fmt.Errorf("read payment suspensions: %w", err)
	}
	defer rows.Close()
	out := map[string]fraud.Standing{}
	for rows.Next() {
		var id string
		var st fraud.Standing
		var at sql.NullTime
		var cleared sql.NullString
		if err := rows.Scan(&id, &st.Suspended, &at, &cleared); err != nil {
			return nil, err
		}
		if at.Valid {
			t := at.Time.UTC()
			st.SuspendedAt = &t
		}
		if cleared.Valid {
			c := decimal.RequireFromString(cleared.String)
			st.ClearedScore = &c
		}
		out[id] = st
	}
	return out, rows.Err()
}

// SaveScore records a provider's score and its payment suspension as decided
// (fraud.NextStanding).
func (s *Scoring) SaveScore(ctx context.Context, p ProviderScore) error {
	var at any
	if p.SuspendedAt != nil {
		at = p.SuspendedAt.UTC()
	}
	_, err := s.batch.tx.ExecContext(ctx, `
		INSERT INTO provider_fraud (provider_id, score, rules, flagged_share, payment_suspended, suspended_at, updated_at)
		VALUES ($1, $2::numeric, $3, $4::numeric, $5, $6, $7)
		ON CONFLICT (provider_id) DO UPDATE SET score = EXCLUDED.score, rules = EXCLUDED.rules, flagged_share = EXCLUDED.flagged_share,
			payment_suspended = EXCLUDED.payment_suspended, suspended_at = EXCLUDED.suspended_at, updated_at = EXCLUDED.updated_at`,
		p.ProviderID, p.Score, pq.Array(p.Rules), p.FlaggedShare, p.PaymentSuspended, at, p.UpdatedAt.UTC())
	if err != nil {
		return fmt.Errorf("save score of %s: %w", p.ProviderID, err)
	}
	return nil
}

// OpenFlags reads a provider's open flags (claim and provider flags), locked until the
// transaction ends: an investigator opening a case on one of them meanwhile waits, and a
// flag an investigator took first is not read.
func (s *Scoring) OpenFlags(ctx context.Context, providerID string) ([]fraud.Flag, error) {
	return scanFlags(s.batch.tx.QueryContext(ctx, `SELECT `+flagCols+` FROM fraud_flags f WHERE f.provider_id = $1 AND f.status = 'open'
		ORDER BY f.flag_id FOR UPDATE`, providerID))
}

// SaveCase writes a case transition in the scoring transaction (see Store.SaveCase).
func (s *Scoring) SaveCase(ctx context.Context, ch CaseChange) error {
	return saveCase(ctx, s.batch.tx, ch)
}

// SaveFlags upserts flags (see Batch.SaveFlags).
func (s *Scoring) SaveFlags(ctx context.Context, flags []fraud.Flag) ([]fraud.Flag, error) {
	return s.batch.SaveFlags(ctx, flags)
}

// ProviderScores lists every provider with its fraud state (no row: score 0).
func (s *Store) ProviderScores(ctx context.Context) ([]ProviderScore, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT p.provider_id, COALESCE(f.score::text, '0'), COALESCE(f.rules, '{}'),
		COALESCE(f.flagged_share::text, '0'), COALESCE(f.payment_suspended, false), f.suspended_at, COALESCE(f.updated_at, p.updated_at)
		FROM providers p LEFT JOIN provider_fraud f USING (provider_id) ORDER BY COALESCE(f.score, 0) DESC, p.provider_id`)
	if err != nil {
		return nil, fmt.Errorf("read provider scores: %w", err)
	}
	defer rows.Close()
	var out []ProviderScore
	for rows.Next() {
		var p ProviderScore
		var rules pq.StringArray
		if err := rows.Scan(&p.ProviderID, &p.Score, &rules, &p.FlaggedShare, &p.PaymentSuspended, &p.SuspendedAt, &p.UpdatedAt); err != nil {
			return nil, err
		}
		p.Rules = rules
		out = append(out, p)
	}
	return out, rows.Err()
}

// MarkDirty records that results of these providers arrived (idempotent).
func (s *Store) MarkDirty(ctx context.Context, ids []string, at time.Time) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO fraud_dirty (provider_id, touched_at) SELECT unnest($1::text[]), $2
		ON CONFLICT (provider_id) DO UPDATE SET touched_at = EXCLUDED.touched_at`, pq.Array(nonEmpty(ids)), at); err != nil {
		return fmt.Errorf("mark providers for scoring: %w", err)
	}
	return nil
}

// TakeDirty removes and returns the providers waiting for evaluation (rows another
// evaluator holds are skipped); the removal commits with the evaluation.
func (s *Scoring) TakeDirty(ctx context.Context) ([]string, error) {
	var ids []string
	if err := s.batch.tx.SelectContext(ctx, &ids, `DELETE FROM fraud_dirty WHERE provider_id IN
		(SELECT provider_id FROM fraud_dirty ORDER BY provider_id FOR UPDATE SKIP LOCKED) RETURNING provider_id`); err != nil {
		return nil, fmt.Errorf("take providers to score: %w", err)
	}
	return ids, nil
}

// SaveProviderFlags upserts provider flags as not yet published (the outbox).
func (s *Scoring) SaveProviderFlags(ctx context.Context, flags []fraud.Flag) error {
	saved, err := s.batch.SaveFlags(ctx, flags)
	if err != nil || len(saved) == 0 {
		return err
	}
	ids := make([]string, len(saved))
	for i, f := range saved {
		ids[i] = f.FlagID
	}
	if _, err := s.batch.tx.ExecContext(ctx, `UPDATE fraud_flags SET published = false WHERE flag_id = ANY($1)`, pq.Array(ids)); err != nil {
		return fmt.Errorf("queue flags: %w", err)
	}
	return nil
}

// UnpublishedFlags lists the flags waiting to be published.
func (s *Store) UnpublishedFlags(ctx context.Context) ([]fraud.Flag, error) {
	return scanFlags(s.db.QueryContext(ctx, `SELECT `+flagCols+` FROM fraud_flags f WHERE NOT f.published ORDER BY f.flag_id`))
}

// MarkPublished records that these versions of the flags were published (a flag updated
// since stays queued).
func (s *Store) MarkPublished(ctx context.Context, flags []fraud.Flag) error {
	ids, at := make([]string, len(flags)), make([]string, len(flags))
	for i, f := range flags {
		ids[i], at[i] = f.FlagID, f.UpdatedAt.UTC().Format(time.RFC3339Nano)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE fraud_flags f SET published = true FROM unnest($1::text[], $2::timestamptz[]) AS x(id, at)
		WHERE f.flag_id = x.id AND f.updated_at = x.at`, pq.Array(ids), pq.Array(at)); err != nil {
		return fmt.Errorf("mark flags published: %w", err)
	}
	return nil
}

// Flags lists every flag.
func (s *Store) Flags(ctx context.Context) ([]fraud.Flag, error) {
	return scanFlags(s.db.QueryContext(ctx, `SELECT `+flagCols+` FROM fraud_flags f ORDER BY f.flag_id`))
}

// ScoringPending counts the providers waiting for evaluation and the flags waiting to be
// published: both 0 when scoring has caught up.
func (s *Store) ScoringPending(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT (SELECT count(*) FROM fraud_dirty) + (SELECT count(*) FROM fraud_flags WHERE NOT published)`)
	if err != nil {
		return 0, fmt.Errorf("count pending scoring: %w", err)
	}
	return n, nil
}

// CountSubmissions counts the processed submissions.
func (s *Store) CountSubmissions(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM submissions`); err != nil {
		return 0, fmt.Errorf("count submissions: %w", err)
	}
	return n, nil
}

// ProviderFacts reads a provider's live claims of the last windowDays (up to its latest
// claim date), for the console's census chart.
func (s *Store) ProviderFacts(ctx context.Context, providerID string, windowDays int) ([]*fraud.Fact, error) {
	rows, err := s.db.QueryContext(ctx, `
		SELECT f.provider_id, f.claim_id, f.fact FROM claim_facts f
		WHERE f.live AND f.provider_id = $1
		  AND f.claim_date > (SELECT max(claim_date) FROM claim_facts WHERE live AND provider_id = $1) - $2::int
		ORDER BY f.claim_date, f.claim_id COLLATE "C"`, providerID, windowDays)
	if err != nil {
		return nil, fmt.Errorf("read live claims of %s: %w", providerID, err)
	}
	facts, err := scanFacts(rows, func(*fraud.Fact) string { return "" })
	return facts[""], err
}
