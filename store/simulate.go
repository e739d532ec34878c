package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"

	"medclaims/claim"
	"medclaims/payment"
)

// WindowEvent is what once happened to a claim of a simulation window, to replay: a
// version adjudicated (its submission as sent, its stored result) or a void.
type WindowEvent struct {
	Void       bool
	Key        claim.Key
	Version    int
	MemberID   string
	Submission []byte       // a version's submission (claim or replace)
	Result     claim.Result // a version's stored result
	Live       bool         // the claim's current, adjudicated or held, version
	At         time.Time
}

// WindowEvents reads, in their original processing order, every version and every void of
// the claims with a version dated from..to (inclusive) that was adjudicated or held: the
// stream that made the window's live claims what they are (POLICY.md §11).
func (b *Batch) WindowEvents(ctx context.Context, from, to time.Time) ([]WindowEvent, error) {
	rows, err := b.tx.QueryContext(ctx, `WITH keys AS (SELECT DISTINCT provider_id, claim_id FROM claim_facts
			WHERE claim_date BETWEEN $1 AND $2 AND status IN ('adjudicated', 'held'))
		SELECT false, r.provider_id, r.claim_id, r.version, r.member_id, f.submission, r.result, f.live AND r.status <> 'voided',
			r.adjudicated_at AS at, r.source_partition AS part, r.source_offset AS off
		FROM claim_results r JOIN keys USING (provider_id, claim_id) JOIN claim_facts f USING (provider_id, claim_id, version)
		UNION ALL
		SELECT true, s.provider_id, s.claim_id, s.version, s.member_id, NULL, NULL, false, v.voided_at, s.partition, s."offset"
		FROM submissions s JOIN keys USING (provider_id, claim_id)
		JOIN claim_results v ON v.provider_id = s.provider_id AND v.claim_id = s.claim_id AND v.version = s.version
		WHERE s.kind = 'void' AND s.status = 'voided'
		ORDER BY at, part, off`, from, to)
	if err != nil {
		return nil, fmt.Errorf("read the window's claims: %w", err)
	}
	defer rows.Close()
	var out []WindowEvent
	for rows.Next() {
		var w WindowEvent
		var sub, result []byte
		var part sql.NullInt64
		var off sql.NullInt64
		if err := rows.Scan(&w.Void, &w.Key.ProviderID, &w.Key.ClaimID, &w.Version, &w.MemberID, &sub, &result, &w.Live, &w.At, &part, &off); err != nil {
			return nil, err
		}
		w.Submission = sub
		if !w.Void {
			if err := json.Unmarshal(result, &w.Result); err != nil {
				return nil, fmt.Errorf("stored result of %s/%s: %w", w.Key.ProviderID, w.Key.ClaimID, err)
			}
		}
		out = append(out, w)
	}
	return out, rows.Err()
}

// TotalsBefore is each window member's accumulators as the ledger had them before the
// member's first window event: the entries posted before the first of the window claims'
// own (a member whose window claims posted nothing: every entry but theirs).
func (b *Batch) TotalsBefore(ctx context.Context, events []WindowEvent) (map[payment.MemberYear]*payment.Totals, error) {
	var ps, cs, ms []string
	for _, w := range events {
		ps, cs, ms = append(ps, w.Key.ProviderID), append(cs, w.Key.ClaimID), append(ms, w.MemberID)
	}
	rows, err := b.tx.QueryContext(ctx, `WITH w AS (SELECT DISTINCT * FROM unnest($1::text[], $2::text[]) AS w(p, c)),
		own AS (SELECT e.id, e.member_id FROM ledger_entries e JOIN w ON e.provider_id = w.p AND e.claim_id = w.c),
		first AS (SELECT member_id, min(id) AS id FROM own GROUP BY member_id)
		SELECT e.member_id, e.year, e.kind, sum(e.amount)::text FROM ledger_entries e LEFT JOIN first USING (member_id)
		WHERE e.member_id = ANY($3) AND e.id < COALESCE(first.id, 9223372036854775807) AND e.id NOT IN (SELECT id FROM own)
		GROUP BY 1, 2, 3`, pq.Array(ps), pq.Array(cs), pq.Array(nonEmpty(ms)))
	if err != nil {
		return nil, fmt.Errorf("read the ledger before the window: %w", err)
	}
	return scanTotals(rows)
}
