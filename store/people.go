package store

import (
	"context"
	"fmt"

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
