package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"medclaims/fraud"
)

// savePoints appends practitioners' points ledger entries (FRAUD.md §9).
func savePoints(ctx context.Context, tx *sqlx.Tx, entries []fraud.PointsEntry) error {
	for _, e := range entries {
		if _, err := tx.ExecContext(ctx, `INSERT INTO practitioner_points (practitioner_id, at, year, points, case_id, finding, kind)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, e.PractitionerID, e.At.UTC(), e.Year, e.Points, e.CaseID, e.Finding, e.Kind); err != nil {
			return fmt.Errorf("points of %s: %w", e.PractitionerID, err)
		}
	}
	return nil
}

// Points reads the points ledgers of the practitioners, in ledger order.
func (b *Batch) Points(ctx context.Context, ids []string) (map[string][]fraud.PointsEntry, error) {
	return readPoints(ctx, b.tx, ids)
}

// Points reads the points ledgers of the practitioners (all when ids is nil).
func (s *Store) Points(ctx context.Context, ids []string) (map[string][]fraud.PointsEntry, error) {
	return readPoints(ctx, s.db, ids)
}

func readPoints(ctx context.Context, q sqlx.QueryerContext, ids []string) (map[string][]fraud.PointsEntry, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.practitioner_id, p.at, p.year, p.points, p.case_id, p.finding, p.kind, c.provider_id
		FROM practitioner_points p JOIN fraud_cases c USING (case_id)
		WHERE $1::text[] IS NULL OR p.practitioner_id = ANY($1) ORDER BY p.id`, pqArrayOrNull(ids))
	if err != nil {
		return nil, fmt.Errorf("read points ledgers: %w", err)
	}
	defer rows.Close()
	out := map[string][]fraud.PointsEntry{}
	for rows.Next() {
		var e fraud.PointsEntry
		if err := rows.Scan(&e.PractitionerID, &e.At, &e.Year, &e.Points, &e.CaseID, &e.Finding, &e.Kind, &e.CaseProvider); err != nil {
			return nil, err
		}
		out[e.PractitionerID] = append(out[e.PractitionerID], e)
	}
	return out, rows.Err()
}

func pqArrayOrNull(ids []string) any {
	if ids == nil {
		return nil
	}
	return pq.Array(ids)
}

// SuspendForStaff applies FRAUD.md §9.3's staff rule to a provider in one transaction: it
// suspends the provider's payment, raises the staff_suspended flag and opens the system's
// case on it (c, opened on that flag). A provider whose payment is suspended already is
// left as it is: it reports false.
func (s *Store) SuspendForStaff(ctx context.Context, f fraud.Flag, c fraud.Case, now time.Time) (bool, error) {
	acted := false
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var id string
		err := tx.GetContext(ctx, &id, `INSERT INTO provider_fraud (provider_id, score, payment_suspended, suspended_at, updated_at)
			VALUES ($1, 0, true, $2, $2)
			ON CONFLICT (provider_id) DO UPDATE SET payment_suspended = true, suspended_at = $2, updated_at = $2
			WHERE NOT provider_fraud.payment_suspended RETURNING provider_id`, f.ProviderID, now.UTC())
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("suspend the payment of %s: %w", f.ProviderID, err)
		}
		evidence, err := json.Marshal(f.Evidence)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO fraud_flags (flag_id, provider_id, claim_ids, rule, level, score, severity, status, evidence, created_at, updated_at)
			VALUES ($1, $2, '{}', $3, $4, $5, $6, 'open', $7, $8, $8)
			ON CONFLICT (flag_id) DO UPDATE SET status = 'open', score = EXCLUDED.score, evidence = EXCLUDED.evidence, updated_at = $8, published = false`,
			f.FlagID, f.ProviderID, f.Rule, f.Level, f.Score.String(), f.Severity, evidence, now.UTC()); err != nil {
			return fmt.Errorf("raise %s of %s: %w", f.Rule, f.ProviderID, err)
		}
		acted = true
		return saveCase(ctx, tx, NewCaseChange(c, "", nil, now))
	})
	return acted, err
}
