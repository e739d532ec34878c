package store

import (
	"context"
	"fmt"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/fraud"
)

// traceLockClass is the first key of the advisory locks that serialise batches settling
// the same traceability code (the second is the code's hash).
const traceLockClass = 17

// TraceSettlements locks the codes, then reads their live settlements in the order claims
// were stored (FRAUD.md §8.1). Two batches on two partitions that carry one code take its
// lock in turn, in hash order (so never a deadlock): the second reads the first's
// settlement once it commits, and exactly one claim is the first settlement. A pre-check
// reads without locking.
func (b *Batch) TraceSettlements(ctx context.Context, codes []string) (map[string][]fraud.TraceUse, error) {
	if !b.readOnly {
		// A volatile function in the output list is evaluated after ORDER BY's sort (PostgreSQL
		// 9.6 on), so the locks are taken in hash order.
		if _, err := b.tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($2, h) FROM
			(SELECT DISTINCT hashtext(c) AS h FROM unnest($1::text[]) AS c) AS codes ORDER BY h`, pq.Array(codes), traceLockClass); err != nil {
			return nil, fmt.Errorf("lock traceability codes: %w", err)
		}
	}
	rows, err := b.tx.QueryContext(ctx, `SELECT code, provider_id, claim_id, version, member_id, line_no, item_code, quantity::text, service_date
		FROM trace_settlements WHERE code = ANY($1) AND live ORDER BY seq`, pq.Array(codes))
	if err != nil {
		return nil, fmt.Errorf("read traceability codes: %w", err)
	}
	defer rows.Close()
	out := map[string][]fraud.TraceUse{}
	for rows.Next() {
		var u fraud.TraceUse
		var qty string
		if err := rows.Scan(&u.Code, &u.Key.ProviderID, &u.Key.ClaimID, &u.Version, &u.MemberID, &u.Line, &u.Item, &qty, &u.Date); err != nil {
			return nil, err
		}
		u.Qty, u.Date = decimal.RequireFromString(qty), u.Date.UTC()
		out[u.Code] = append(out[u.Code], u)
	}
	return out, rows.Err()
}

// saveTrace settles the codes of the facts a batch made live. A new version follows a void
// or a replace, which freed the codes of the version before.
func (b *Batch) saveTrace(ctx context.Context, facts []*fraud.Fact) error {
	var uses []fraud.TraceUse
	for _, f := range facts {
		uses = append(uses, fraud.TraceUses(f)...)
	}
	if len(uses) == 0 {
		return nil
	}
	n := len(uses)
	code, prov, cid, mem, item, qty, on := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n)
	ver, line := make([]int64, n), make([]int64, n)
	for i, u := range uses {
		code[i], prov[i], cid[i], mem[i], item[i], qty[i] = u.Code, u.Key.ProviderID, u.Key.ClaimID, u.MemberID, u.Item, u.Qty.String()
		ver[i], line[i], on[i] = int64(u.Version), int64(u.Line), u.Date.Format("2006-01-02")
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO trace_settlements (code, provider_id, claim_id, version, member_id, line_no, item_code, quantity, service_date)
		SELECT * FROM (SELECT co, p, c, v, m, l, it, q::numeric, d::date
			FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::text[], $6::int[], $7::text[], $8::text[], $9::text[])
				WITH ORDINALITY AS x(co, p, c, v, m, l, it, q, d, n) ORDER BY n) AS u
		ON CONFLICT (provider_id, claim_id, version, line_no, code) DO UPDATE SET live = true`,
		pq.Array(code), pq.Array(prov), pq.Array(cid), pq.Array(ver), pq.Array(mem), pq.Array(line), pq.Array(item), pq.Array(qty),
		pq.Array(on)); err != nil {
		return fmt.Errorf("settle traceability codes: %w", err)
	}
	return nil
}
