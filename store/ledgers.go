package store

// What a micro-batch writes to the member and provider ledgers.

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/payment"
)

func (b *Batch) saveLedger(ctx context.Context, entries []payment.Entry, now time.Time) error {
	if len(entries) == 0 {
		return nil
	}
	n := len(entries)
	mem, prov, cid, kind, amt := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	year, ver := make([]int64, n), make([]int64, n)
	rev := make([]bool, n)
	type tk struct {
		m    string
		y    int
		kind payment.Kind
	}
	sums := map[tk]decimal.Decimal{}
	for i, e := range entries {
		mem[i], prov[i], cid[i], kind[i], amt[i] = e.MemberID, e.Key.ProviderID, e.Key.ClaimID, e.Kind.String(), e.Amount.String()
		year[i], ver[i], rev[i] = int64(e.Year), int64(e.Version), e.Reversal
		k := tk{e.MemberID, e.Year, e.Kind}
		sums[k] = sums[k].Add(e.Amount)
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO ledger_entries (member_id, year, provider_id, claim_id, version, kind, amount, reversal, created_at)
		SELECT m, y, p, c, v, k, a::numeric, r, $9 FROM unnest($1::text[], $2::int[], $3::text[], $4::text[], $5::int[], $6::text[], $7::text[], $8::bool[])
		  AS x(m, y, p, c, v, k, a, r)`,
		pq.Array(mem), pq.Array(year), pq.Array(prov), pq.Array(cid), pq.Array(ver), pq.Array(kind), pq.Array(amt), pq.Array(rev), now); err != nil {
		return fmt.Errorf("save ledger entries: %w", err)
	}
	keys := make([]tk, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if keys[i].m != keys[j].m {
			return keys[i].m < keys[j].m
		}
		if keys[i].y != keys[j].y {
			return keys[i].y < keys[j].y
		}
		return keys[i].kind < keys[j].kind
	})
	tm, tkind, tamt := make([]string, len(keys)), make([]string, len(keys)), make([]string, len(keys))
	ty := make([]int64, len(keys))
	for i, k := range keys {
		tm[i], ty[i], tkind[i], tamt[i] = k.m, int64(k.y), k.kind.String(), sums[k].String()
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO member_totals (member_id, year, kind, amount)
		SELECT m, y, k, a::numeric FROM unnest($1::text[], $2::int[], $3::text[], $4::text[]) AS x(m, y, k, a)
		ON CONFLICT (member_id, year, kind) DO UPDATE SET amount = member_totals.amount + EXCLUDED.amount`,
		pq.Array(tm), pq.Array(ty), pq.Array(tkind), pq.Array(tamt)); err != nil {
		return fmt.Errorf("update member totals: %w", err)
	}
	return nil
}

func (b *Batch) saveProviderLedger(ctx context.Context, entries []payment.ProviderEntry, now time.Time) error {
	if len(entries) == 0 {
		return nil
	}
	n := len(entries)
	prov, period, kind, amt, cid := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	ver := make([]int64, n)
	rev := make([]bool, n)
	for i, e := range entries {
		prov[i], period[i], kind[i], amt[i], cid[i], ver[i], rev[i] = e.ProviderID, e.Period, e.Kind, e.Amount.String(), e.Key.ClaimID, int64(e.Version), e.Reversal
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO provider_ledger (provider_id, period, kind, amount, claim_id, version, reversal, created_at)
		SELECT p, pe, k, a::numeric, c, v, r, $8 FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::bool[])
		  AS x(p, pe, k, a, c, v, r)`,
		pq.Array(prov), pq.Array(period), pq.Array(kind), pq.Array(amt), pq.Array(cid), pq.Array(ver), pq.Array(rev), now); err != nil {
		return fmt.Errorf("save provider ledger: %w", err)
	}
	return nil
}

func encodeDeltas(ds []payment.Delta) []byte {
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		m[d.Kind.String()] = d.Amount.String()
	}
	b, _ := json.Marshal(m)
	return b
}
