package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
)

// Facts reads the members' live claims for the fraud rules, each member's from its date in
// since on ("" for all): one index range per member (LATERAL … OFFSET 0 keeps the planner,
// whose statistics lag behind a growing table, from scanning every live fact instead).
func (b *Batch) Facts(ctx context.Context, members, since []string) (map[string][]*fraud.Fact, error) {
	rows, err := b.tx.QueryContext(ctx, `SELECT f.provider_id, f.claim_id, f.fact FROM unnest($1::text[], $2::text[]) AS m(id, since)
		CROSS JOIN LATERAL (SELECT provider_id, claim_id, fact, claim_date FROM claim_facts
			WHERE member_id = m.id AND live AND claim_date >= COALESCE(NULLIF(m.since, '')::date, '-infinity') OFFSET 0) f
		ORDER BY f.claim_date, f.provider_id COLLATE "C", f.claim_id COLLATE "C"`, pq.Array(members), pq.Array(since)) // the order of fraud.Less
	if err != nil {
		return nil, fmt.Errorf("read claim facts: %w", err)
	}
	return scanFacts(rows, func(f *fraud.Fact) string { return f.MemberID })
}

// scanFacts reads rows of (provider_id, claim_id, fact), grouped by the key by returns.
func scanFacts(rows *sql.Rows, by func(*fraud.Fact) string) (map[string][]*fraud.Fact, error) {
	defer rows.Close()
	out := map[string][]*fraud.Fact{}
	for rows.Next() {
		var k claim.Key
		var text string
		if err := rows.Scan(&k.ProviderID, &k.ClaimID, &text); err != nil {
			return nil, err
		}
		f, err := fraud.DecodeFact(text)
		if err != nil {
			return nil, fmt.Errorf("claim facts %s/%s: %w", k.ProviderID, k.ClaimID, err)
		}
		f.Key = k
		out[by(&f)] = append(out[by(&f)], &f)
	}
	return out, rows.Err()
}

// ClaimFlags reads the claim flags raised by the given claims (to publish again when their
// records are redelivered).
func (b *Batch) ClaimFlags(ctx context.Context, keys []claim.Key) ([]fraud.Flag, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	ps, cs := make([]string, len(keys)), make([]string, len(keys))
	for i, k := range keys {
		ps[i], cs[i] = k.ProviderID, k.ClaimID
	}
	return scanFlags(b.tx.QueryContext(ctx, `SELECT `+flagCols+` FROM unnest($1::text[], $2::text[]) AS k(p, c)
		CROSS JOIN LATERAL (SELECT * FROM fraud_flags WHERE provider_id = k.p AND (claim_ids[1]) = k.c AND level = 'claim' OFFSET 0) f
		ORDER BY f.flag_id`, pq.Array(ps), pq.Array(cs)))
}

const flagCols = `f.flag_id, f.provider_id, f.member_id, f.claim_ids, f.rule, f.level, f.score::text, f.severity, f.status, f.evidence, f.created_at, f.updated_at`

type rowsFunc interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}

func scanFlags[R rowsFunc](rows R, err error) ([]fraud.Flag, error) {
	if err != nil {
		return nil, fmt.Errorf("read flags: %w", err)
	}
	defer rows.Close()
	var out []fraud.Flag
	for rows.Next() {
		var f fraud.Flag
		var ids pq.StringArray
		var score string
		var ev []byte
		if err := rows.Scan(&f.FlagID, &f.ProviderID, &f.MemberID, &ids, &f.Rule, &f.Level, &score, &f.Severity, &f.Status, &ev,
			&f.CreatedAt, &f.UpdatedAt); err != nil {
			return nil, err
		}
		f.ClaimIDs, f.Score = ids, decimal.RequireFromString(score)
		if err := json.Unmarshal(ev, &f.Evidence); err != nil {
			return nil, fmt.Errorf("flag %s evidence: %w", f.FlagID, err)
		}
		f.CreatedAt, f.UpdatedAt = f.CreatedAt.UTC(), f.UpdatedAt.UTC()
		out = append(out, f)
	}
	return out, rows.Err()
}

// saveFacts makes the outcomes' facts live (a new version retires the older ones), retires
// the facts of voided versions and moves the claims' traceability codes the same way, in a
// few statements for the whole batch. A fact that a later submission of the batch ended
// (voided, replaced) is stored in that final state: not live, its codes not settled; its
// submission stays for replays.
func (b *Batch) saveFacts(ctx context.Context, outs []Outcome) error {
	var vp, vc []string
	var vv []int64
	ended := map[claim.Key]int{}
	for _, o := range outs {
		if r := o.Effect.Voided; r != nil {
			vp, vc, vv = append(vp, r.Key.ProviderID), append(vc, r.Key.ClaimID), append(vv, int64(r.Version))
			ended[r.Key] = max(ended[r.Key], r.Version)
		}
	}
	if len(vp) > 0 {
		if _, err := b.tx.ExecContext(ctx, `UPDATE claim_facts f SET live = false FROM unnest($1::text[], $2::text[], $3::int[]) AS x(p, c, v)
			WHERE f.provider_id = x.p AND f.claim_id = x.c AND f.version <= x.v AND f.live`, pq.Array(vp), pq.Array(vc), pq.Array(vv)); err != nil {
			return fmt.Errorf("retire facts of voided claims: %w", err)
		}
		if _, err := b.tx.ExecContext(ctx, `UPDATE trace_settlements t SET live = false FROM unnest($1::text[], $2::text[], $3::int[]) AS x(p, c, v)
			WHERE t.provider_id = x.p AND t.claim_id = x.c AND t.version <= x.v AND t.live`, pq.Array(vp), pq.Array(vc), pq.Array(vv)); err != nil {
			return fmt.Errorf("free traceability codes of voided claims: %w", err)
		}
	}
	facts, subs, live := batchFacts(outs, ended)
	if len(facts) == 0 {
		return nil
	}
	if err := b.insertFacts(ctx, facts, subs, live); err != nil {
		return err
	}
	var settled []*fraud.Fact
	for i, f := range facts {
		if live[i] {
			settled = append(settled, f)
		}
	}
	return b.saveTrace(ctx, settled)
}

// batchFacts are the batch's facts, one per claim version (the last), with their
// submissions and whether they are still live at the batch's end.
func batchFacts(outs []Outcome, ended map[claim.Key]int) ([]*fraud.Fact, [][]byte, []bool) {
	type kv struct {
		k claim.Key
		v int
	}
	last := map[kv]int{}
	for i, o := range outs {
		if f := o.Effect.Fact; f != nil {
			last[kv{f.Key, f.Version}] = i
		}
	}
	var facts []*fraud.Fact
	var subs [][]byte
	var live []bool
	for i, o := range outs {
		f := o.Effect.Fact
		if f == nil || last[kv{f.Key, f.Version}] != i {
			continue
		}
		v, wasEnded := ended[f.Key]
		sub := o.Submission
		if !json.Valid(sub) {
			sub = []byte(`null`)
		}
		facts, subs, live = append(facts, f), append(subs, sub), append(live, !wasEnded || f.Version > v)
	}
	return facts, subs, live
}

func (b *Batch) insertFacts(ctx context.Context, facts []*fraud.Fact, subs [][]byte, live []bool) error {
	n := len(facts)
	prov, cid, mem, status, score, fp, claimDate := make([]string, n), make([]string, n), make([]string, n), make([]string, n),
		make([]string, n), make([]string, n), make([]string, n)
	ver := make([]int64, n)
	inp := make([]bool, n)
	docs := make([]string, n)
	for i, f := range facts {
		prov[i], cid[i], mem[i], status[i], score[i], fp[i] = f.Key.ProviderID, f.Key.ClaimID, f.MemberID, f.Status, f.Score.String(), fraud.Fingerprint(f)
		claimDate[i], ver[i], inp[i], docs[i] = f.ClaimDate().Format("2006-01-02"), int64(f.Version), f.Inpatient, f.Encode()
	}
	if _, err := b.tx.ExecContext(ctx, `UPDATE claim_facts f SET live = false FROM unnest($1::text[], $2::text[], $3::int[]) AS x(p, c, v)
		WHERE f.provider_id = x.p AND f.claim_id = x.c AND f.version <> x.v AND f.live`, pq.Array(prov), pq.Array(cid), pq.Array(ver)); err != nil {
		return fmt.Errorf("retire older facts: %w", err)
	}
	if _, err := b.tx.ExecContext(ctx, `
		INSERT INTO claim_facts (provider_id, claim_id, version, member_id, live, inpatient, claim_date, status, score, fingerprint, fact, submission)
		SELECT p, c, v, m, lv, i, d::date, st, sc::numeric, fp, fa, su.doc::json
		FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::bool[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $12::bool[])
			WITH ORDINALITY AS x(p, c, v, m, i, d, st, sc, fp, fa, lv, n)
		JOIN json_array_elements($11::json) WITH ORDINALITY AS su(doc, n) ON su.n = x.n
		ON CONFLICT (provider_id, claim_id, version) DO UPDATE SET live = EXCLUDED.live, status = EXCLUDED.status, score = EXCLUDED.score,
			fact = EXCLUDED.fact, submission = EXCLUDED.submission, claim_date = EXCLUDED.claim_date, fingerprint = EXCLUDED.fingerprint`,
		pq.Array(prov), pq.Array(cid), pq.Array(ver), pq.Array(mem), pq.Array(inp), pq.Array(claimDate), pq.Array(status), pq.Array(score),
		pq.Array(fp), pq.Array(docs), jsonArray(subs), pq.Array(live)); err != nil {
		return fmt.Errorf("save claim facts: %w", err)
	}
	return nil
}

// SaveFlags upserts flags in one statement: a new one is stored, an undecided one takes the
// new evidence and score (its created_at stays). It returns the flags it stored or changed,
// as stored, by flag id; an unchanged or decided flag is not returned.
func (b *Batch) SaveFlags(ctx context.Context, flags []fraud.Flag) ([]fraud.Flag, error) {
	flags = lastOfEach(flags)
	if len(flags) == 0 {
		return nil, nil
	}
	n := len(flags)
	col := func() []string { return make([]string, n) }
	id, prov, mem, ids, rule, level, score, sev, status, ev, at := col(), col(), col(), col(), col(), col(), col(), col(), col(), col(), col()
	for i, f := range flags {
		e, err := json.Marshal(f.Evidence)
		if err != nil {
			return nil, fmt.Errorf("flag %s evidence: %w", f.FlagID, err)
		}
		c, _ := json.Marshal(f.ClaimIDs)
		id[i], prov[i], mem[i], ids[i], rule[i], level[i] = f.FlagID, f.ProviderID, f.MemberID, string(c), f.Rule, f.Level
		score[i], sev[i], status[i], ev[i] = f.Score.String(), f.Severity, f.Status, string(e)
		at[i] = f.UpdatedAt.UTC().Truncate(time.Microsecond).Format(time.RFC3339Nano)
	}
	return scanFlags(b.tx.QueryContext(ctx, `
		WITH saved AS (
			INSERT INTO fraud_flags AS f (flag_id, provider_id, member_id, claim_ids, rule, level, score, severity, status, evidence, created_at, updated_at)
			SELECT id, p, m, ARRAY(SELECT json_array_elements_text(ci::json)), r, l, sc::numeric, sv, st, ev::jsonb, at::timestamptz, at::timestamptz
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
				AS x(id, p, m, ci, r, l, sc, sv, st, ev, at)
			ON CONFLICT (flag_id) DO UPDATE SET claim_ids = EXCLUDED.claim_ids, score = EXCLUDED.score, severity = EXCLUDED.severity,
				evidence = EXCLUDED.evidence, updated_at = EXCLUDED.updated_at
			WHERE f.status IN ('open', 'in_case') AND (f.evidence, f.score, f.claim_ids) IS DISTINCT FROM (EXCLUDED.evidence, EXCLUDED.score, EXCLUDED.claim_ids)
			RETURNING f.*)
		SELECT `+flagCols+` FROM saved f ORDER BY f.flag_id`,
		pq.Array(id), pq.Array(prov), pq.Array(mem), pq.Array(ids), pq.Array(rule), pq.Array(level), pq.Array(score), pq.Array(sev),
		pq.Array(status), pq.Array(ev), pq.Array(at)))
}

// lastOfEach keeps the last of the flags sharing an id, in the order of their first
// appearance: one statement may write a row only once, and the last evidence is the newest.
func lastOfEach(flags []fraud.Flag) []fraud.Flag {
	at := make(map[string]int, len(flags))
	out := make([]fraud.Flag, 0, len(flags))
	for _, f := range flags {
		if i, seen := at[f.FlagID]; seen {
			out[i] = f
			continue
		}
		at[f.FlagID] = len(out)
		out = append(out, f)
	}
	return out
}
