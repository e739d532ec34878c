package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
)

// Batch is one micro-batch's database transaction: it locks the members involved, reads
// the state the batch needs and writes the batch's effects.
type Batch struct{ tx *sqlx.Tx }

// InBatch runs fn inside one transaction and returns the commit error.
func (s *Store) InBatch(ctx context.Context, fn func(*Batch) error) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return fn(&Batch{tx: tx}) })
}

// BatchQuery collects what a micro-batch must read: its members, providers (with the
// referring ones), claims (with the claims referrals point at) and record offsets.
type BatchQuery struct {
	// Reach is how many days before a claim's earliest date its member's history is read
	// (payment.Policies.Reach).
	Reach              int
	members, providers []string
	since              map[string]time.Time // a member's earliest claim date in the batch
	undated            map[string]bool      // a member with a submission that has no date
	keys               []claim.Key
	topic              string
	partitions         []int
	offsets            []int64
}

// Add adds one decoded submission and the record that carried it.
func (q *BatchQuery) Add(s *claim.Submission, src claim.Source) {
	c := &s.Claim
	q.members = append(q.members, c.MemberID)
	q.addDates(c)
	q.providers = append(q.providers, c.ProviderID)
	q.keys = append(q.keys, s.Key())
	if c.Referral != nil {
		q.providers = append(q.providers, c.Referral.FromProviderID)
		q.keys = append(q.keys, claim.Key{ProviderID: c.Referral.FromProviderID, ClaimID: c.Referral.FromClaimID})
	}
	q.topic = src.Topic
	q.partitions = append(q.partitions, src.Partition)
	q.offsets = append(q.offsets, src.Offset)
}

// addDates keeps the earliest history date the member's claims in the batch need
// (payment.HistoryFrom); an undated submission needs the whole history.
func (q *BatchQuery) addDates(c *claim.Claim) {
	if q.since == nil {
		q.since, q.undated = map[string]time.Time{}, map[string]bool{}
	}
	from, ok := payment.HistoryFrom(c, q.Reach)
	if !ok {
		q.undated[c.MemberID] = true
		return
	}
	if t, seen := q.since[c.MemberID]; !seen || from.Before(t) {
		q.since[c.MemberID] = from
	}
}

// historySince lists the batch's members, each with the first claim date of its history
// to read ("" for all of it: a member with an undated submission).
func (q *BatchQuery) historySince() (members, since []string) {
	members = nonEmpty(q.members)
	since = make([]string, len(members))
	for i, m := range members {
		if t, ok := q.since[m]; ok && !q.undated[m] {
			since[i] = t.Format(time.DateOnly)
		}
	}
	return members, since
}

// State is what a micro-batch read: the parties, the claims and accumulators it touches,
// and the stored results of records already processed (redeliveries).
type State struct {
	Providers map[string]*policy.Provider
	Members   map[string]*policy.Member
	Signups   []policy.Signup
	Claims    map[claim.Key]*payment.Record
	Totals    map[payment.MemberYear]*payment.Totals
	Done      map[claim.Source]claim.Result
	// History is the members' live claims for the fraud rules; DoneFlags the claim flags of
	// the redelivered records, to publish again.
	History   map[string][]*fraud.Fact
	DoneFlags []fraud.Flag
}

// Directory serves the state's parties to payment.Book.
func (s *State) Directory() payment.Directory { return stateDirectory{s} }

type stateDirectory struct{ s *State }

func (d stateDirectory) Provider(id string) (*policy.Provider, bool) {
	p, ok := d.s.Providers[id]
	return p, ok
}
func (d stateDirectory) Member(id string) (*policy.Member, bool) {
	m, ok := d.s.Members[id]
	return m, ok
}
func (d stateDirectory) Signup(memberID, providerID string, date time.Time) (policy.Signup, bool) {
	return policy.FindSignup(d.s.Signups, memberID, providerID, date)
}

// Load locks the batch's members and reads everything the batch needs.
func (b *Batch) Load(ctx context.Context, q BatchQuery) (*State, error) {
	var st State
	var err error
	if st.Members, err = b.LockMembers(ctx, q.members); err != nil {
		return nil, err
	}
	if st.Providers, err = b.Providers(ctx, q.providers); err != nil {
		return nil, err
	}
	if st.Done, err = b.Processed(ctx, q.topic, q.partitions, q.offsets); err != nil {
		return nil, err
	}
	if st.Claims, err = b.Claims(ctx, q.keys); err != nil {
		return nil, err
	}
	if st.Totals, err = b.Totals(ctx, q.members); err != nil {
		return nil, err
	}
	if st.Signups, err = b.Signups(ctx, q.members); err != nil {
		return nil, err
	}
	members, since := q.historySince()
	if st.History, err = b.Facts(ctx, members, since); err != nil {
		return nil, err
	}
	var redelivered []claim.Key
	for _, r := range st.Done {
		if r.Fraud != nil && len(r.Fraud.Rules) > 0 {
			redelivered = append(redelivered, claim.Key{ProviderID: r.ProviderID, ClaimID: r.ClaimID})
		}
	}
	if st.DoneFlags, err = b.ClaimFlags(ctx, redelivered); err != nil {
		return nil, err
	}
	return &st, nil
}

// LockMembers reads the members and locks their rows until the transaction ends, so one
// member's accumulators are updated by one transaction at a time (in id order: no deadlock).
func (b *Batch) LockMembers(ctx context.Context, ids []string) (map[string]*policy.Member, error) {
	var rows []memberRow
	if err := b.tx.SelectContext(ctx, &rows, `SELECT `+memberCols+` FROM members WHERE member_id = ANY($1) ORDER BY member_id FOR UPDATE`,
		pq.Array(nonEmpty(ids))); err != nil {
		return nil, fmt.Errorf("lock members: %w", err)
	}
	out := make(map[string]*policy.Member, len(rows))
	for _, r := range rows {
		out[r.ID] = r.member()
	}
	return out, nil
}

// Providers reads providers as they stand now.
func (b *Batch) Providers(ctx context.Context, ids []string) (map[string]*policy.Provider, error) {
	var rows []providerRow
	if err := b.tx.SelectContext(ctx, &rows, `SELECT `+providerCols+` FROM providers WHERE provider_id = ANY($1)`, pq.Array(nonEmpty(ids))); err != nil {
		return nil, fmt.Errorf("read providers: %w", err)
	}
	out := make(map[string]*policy.Provider, len(rows))
	for _, r := range rows {
		out[r.ID] = r.provider()
	}
	return out, nil
}

// Processed returns the stored results of records already processed, by offset. Each
// offset is one primary-key probe: LATERAL … LIMIT 1 keeps the planner, whose statistics lag
// behind a growing table, from hashing every submission of the topic instead.
func (b *Batch) Processed(ctx context.Context, topic string, partitions []int, offsets []int64) (map[claim.Source]claim.Result, error) {
	out := map[claim.Source]claim.Result{}
	if len(offsets) == 0 {
		return out, nil
	}
	parts := make([]int64, len(partitions))
	for i, p := range partitions {
		parts[i] = int64(p)
	}
	rows, err := b.tx.QueryContext(ctx, `
		SELECT s.partition, s."offset",
		       COALESCE(s.result, CASE s.result_ref WHEN 'result' THEN r.result WHEN 'voided' THEN r.voided_result END)
		FROM unnest($2::int[], $3::bigint[]) AS w(p, o)
		CROSS JOIN LATERAL (SELECT * FROM submissions WHERE topic = $1 AND partition = w.p AND "offset" = w.o LIMIT 1) s
		LEFT JOIN claim_results r ON s.result_ref <> '' AND r.provider_id = s.provider_id AND r.claim_id = s.claim_id AND r.version = s.version`, topic, pq.Array(parts), pq.Array(offsets))
	if err != nil {
		return nil, fmt.Errorf("find processed submissions: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var p int
		var o int64
		var rj []byte
		if err := rows.Scan(&p, &o, &rj); err != nil {
			return nil, err
		}
		var r claim.Result
		if err := json.Unmarshal(rj, &r); err != nil {
			return nil, fmt.Errorf("stored result %s/%d/%d: %w", topic, p, o, err)
		}
		out[claim.Source{Topic: topic, Partition: p, Offset: o}] = r
	}
	return out, rows.Err()
}

// Claims reads the current version of each claim and, recursively, of the claims their
// approved referrals point at (for referral-chain deductibles). The current version is one
// index probe per claim (LATERAL … LIMIT 1): the recursive part's row estimate is many times
// the batch, and a plain join then scans every stored result.
func (b *Batch) Claims(ctx context.Context, keys []claim.Key) (map[claim.Key]*payment.Record, error) {
	out := map[claim.Key]*payment.Record{}
	var ps, cs []string
	for _, k := range keys {
		if k.ProviderID != "" && k.ClaimID != "" {
			ps, cs = append(ps, k.ProviderID), append(cs, k.ClaimID)
		}
	}
	if len(ps) == 0 {
		return out, nil
	}
	rows, err := b.tx.QueryContext(ctx, `
		WITH RECURSIVE want(provider_id, claim_id, depth) AS (
			SELECT p, c, 0 FROM unnest($1::text[], $2::text[]) AS t(p, c)
			UNION
			SELECT cur.ref_provider_id, cur.ref_claim_id, w.depth + 1
			FROM want w
			JOIN LATERAL (SELECT r.ref_provider_id, r.ref_claim_id, r.ref_approved FROM claim_results r
			              WHERE r.provider_id = w.provider_id AND r.claim_id = w.claim_id
			              ORDER BY r.version DESC LIMIT 1) cur ON true
			WHERE cur.ref_approved AND cur.ref_provider_id <> '' AND cur.ref_claim_id <> '' AND w.depth < 32
		)
		SELECT r.provider_id, r.claim_id, r.version, r.member_id, r.status, r.content_hash, r.year, r.care_type,
			r.deductible::text, r.ref_provider_id, r.ref_claim_id, r.ref_direction, r.ref_approved, r.deltas, r.result, r.voided_result,
			r.period, r.capitation::text
		FROM (SELECT DISTINCT provider_id, claim_id FROM want) w
		CROSS JOIN LATERAL (SELECT * FROM claim_results r WHERE r.provider_id = w.provider_id AND r.claim_id = w.claim_id
		                    ORDER BY r.version DESC LIMIT 1) r`, pq.Array(ps), pq.Array(cs))
	if err != nil {
		return nil, fmt.Errorf("read claims: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		rec := &payment.Record{}
		var ded, refP, refC, refD, capitation string
		var refA bool
		var deltas, result []byte
		var voided []byte
		if err := rows.Scan(&rec.Key.ProviderID, &rec.Key.ClaimID, &rec.Version, &rec.MemberID, &rec.Status, &rec.ContentHash,
			&rec.Year, &rec.CareType, &ded, &refP, &refC, &refD, &refA, &deltas, &result, &voided, &rec.Period, &capitation); err != nil {
			return nil, err
		}
		rec.Deductible = decimal.RequireFromString(ded)
		rec.Capitation = decimal.RequireFromString(capitation)
		if refP != "" || refC != "" || refD != "" || refA {
			rec.Referral = &claim.Referral{FromProviderID: refP, FromClaimID: refC, Direction: refD, Approved: refA}
		}
		if rec.Deltas, err = decodeDeltas(deltas); err != nil {
			return nil, fmt.Errorf("claim %s/%s: %w", rec.Key.ProviderID, rec.Key.ClaimID, err)
		}
		if err := json.Unmarshal(result, &rec.Result); err != nil {
			return nil, fmt.Errorf("claim %s/%s result: %w", rec.Key.ProviderID, rec.Key.ClaimID, err)
		}
		if voided != nil {
			rec.VoidResult = &claim.Result{}
			if err := json.Unmarshal(voided, rec.VoidResult); err != nil {
				return nil, fmt.Errorf("claim %s/%s void result: %w", rec.Key.ProviderID, rec.Key.ClaimID, err)
			}
		}
		out[rec.Key] = rec
	}
	return out, rows.Err()
}

func encodeDeltas(ds []payment.Delta) []byte {
	m := make(map[string]string, len(ds))
	for _, d := range ds {
		m[d.Kind.String()] = d.Amount.String()
	}
	b, _ := json.Marshal(m)
	return b
}

func decodeDeltas(b []byte) ([]payment.Delta, error) {
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	out := make([]payment.Delta, 0, len(m))
	for k, v := range m {
		kind, err := payment.ParseKind(k)
		if err != nil {
			return nil, err
		}
		d, err := decimal.NewFromString(v)
		if err != nil {
			return nil, err
		}
		out = append(out, payment.Delta{Kind: kind, Amount: d})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Kind < out[j].Kind })
	return out, nil
}

// Totals reads every accumulator of the members (all years).
func (b *Batch) Totals(ctx context.Context, members []string) (map[payment.MemberYear]*payment.Totals, error) {
	rows, err := b.tx.QueryContext(ctx, `SELECT member_id, year, kind, amount::text FROM member_totals WHERE member_id = ANY($1)`, pq.Array(nonEmpty(members)))
	if err != nil {
		return nil, fmt.Errorf("read member totals: %w", err)
	}
	defer rows.Close()
	out := map[payment.MemberYear]*payment.Totals{}
	for rows.Next() {
		var my payment.MemberYear
		var kind, amt string
		if err := rows.Scan(&my.MemberID, &my.Year, &kind, &amt); err != nil {
			return nil, err
		}
		k, err := payment.ParseKind(kind)
		if err != nil {
			return nil, err
		}
		t := out[my]
		if t == nil {
			t = &payment.Totals{}
			out[my] = t
		}
		t[k] = decimal.RequireFromString(amt)
	}
	return out, rows.Err()
}

// Outcome is one processed submission: where it came from and what it changed.
type Outcome struct {
	Source claim.Source
	Kind   string
	// Key and MemberID are the submission's validated ids ("" when invalid): the columns
	// that find it. The result may carry the ids as sent.
	Key      claim.Key
	MemberID string
	Effect   payment.Effect
	// Submission is the record's value, kept with the claim's facts.
	Submission []byte
	// JSON is Effect.Result encoded once, for the database and the results topic alike.
	JSON []byte
}

// Save writes the batch's outcomes: the submissions, new claim versions, voids, ledger
// entries, running totals, the claims' facts and their flags. Records created and voided in
// the same batch are written in their final state. It returns the flags that are new or
// changed, to publish.
func (b *Batch) Save(ctx context.Context, outs []Outcome, now time.Time) ([]fraud.Flag, error) {
	if len(outs) == 0 {
		return nil, nil
	}
	if err := b.saveClaims(ctx, outs, now); err != nil {
		return nil, err
	}
	if err := b.saveFacts(ctx, outs); err != nil {
		return nil, err
	}
	var flags []fraud.Flag
	for _, o := range outs {
		flags = append(flags, o.Effect.Flags...)
	}
	return b.SaveFlags(ctx, flags)
}

// saveClaims writes the submissions, claim versions, voids and ledgers.
func (b *Batch) saveClaims(ctx context.Context, outs []Outcome, now time.Time) error {
	if err := b.saveSubmissions(ctx, outs, now); err != nil {
		return err
	}
	type vk struct {
		k claim.Key
		v int
	}
	created := map[vk]*payment.Record{}
	var newRecs, voided []*payment.Record
	var newJSON [][]byte
	var entries []payment.Entry
	var pentries []payment.ProviderEntry
	for _, o := range outs {
		pentries = append(pentries, o.Effect.ProviderEntries...)
		if r := o.Effect.New; r != nil {
			created[vk{r.Key, r.Version}] = r
			newRecs = append(newRecs, r)
			newJSON = append(newJSON, o.JSON) // a new version's result is the outcome's result
		}
		entries = append(entries, o.Effect.Entries...)
	}
	for _, o := range outs {
		if r := o.Effect.Voided; r != nil {
			if _, isNew := created[vk{r.Key, r.Version}]; !isNew {
				voided = append(voided, r)
			}
		}
	}
	if err := b.insertResults(ctx, newRecs, newJSON); err != nil {
		return err
	}
	for _, r := range voided {
		vr, _ := json.Marshal(r.VoidResult)
		if _, err := b.tx.ExecContext(ctx, `UPDATE claim_results SET status = 'voided', voided_result = $4, voided_at = $5
			WHERE provider_id = $1 AND claim_id = $2 AND version = $3`, r.Key.ProviderID, r.Key.ClaimID, r.Version, vr, r.VoidResult.AdjudicatedAt); err != nil {
			return fmt.Errorf("void claim %s/%s v%d: %w", r.Key.ProviderID, r.Key.ClaimID, r.Version, err)
		}
	}
	if err := b.saveLedger(ctx, entries, now); err != nil {
		return err
	}
	return b.saveProviderLedger(ctx, pentries, now)
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

// Signups reads the primary-care signups of the members.
func (b *Batch) Signups(ctx context.Context, members []string) ([]policy.Signup, error) {
	rows, err := b.tx.QueryContext(ctx, `SELECT member_id, provider_id, from_date, to_date FROM signups WHERE member_id = ANY($1)`, pq.Array(nonEmpty(members)))
	if err != nil {
		return nil, fmt.Errorf("read signups: %w", err)
	}
	defer rows.Close()
	var out []policy.Signup
	for rows.Next() {
		var s policy.Signup
		var to sql.NullTime
		if err := rows.Scan(&s.MemberID, &s.ProviderID, &s.From, &to); err != nil {
			return nil, err
		}
		s.From = s.From.UTC()
		if to.Valid {
			s.To = to.Time.UTC()
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

func (b *Batch) saveSubmissions(ctx context.Context, outs []Outcome, now time.Time) error {
	n := len(outs)
	topics, kinds, batches, provs, claims, members, statuses := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	parts, versions := make([]int64, n), make([]int64, n)
	offsets := make([]int64, n)
	reasons, results, refs := make([]string, n), make([]string, n), make([]string, n)
	for i, o := range outs {
		r := o.Effect.Result
		topics[i], parts[i], offsets[i] = o.Source.Topic, int64(o.Source.Partition), o.Source.Offset
		kinds[i], batches[i], provs[i], claims[i], members[i], statuses[i] = o.Kind, text(r.BatchID), o.Key.ProviderID, o.Key.ClaimID, o.MemberID, r.Status
		versions[i] = int64(r.Version)
		rs, _ := json.Marshal(r.Reasons)
		reasons[i] = string(rs)
		switch {
		case o.Effect.Replayed:
			results[i] = string(o.JSON) // a duplicate's result names its own source and batch
		case r.Status == claim.StatusAdjudicated || r.Status == claim.StatusHeld:
			refs[i] = "result" // the claim_results row holds it; not stored twice
		case r.Status == claim.StatusVoided:
			refs[i] = "voided"
		default:
			results[i] = string(o.JSON)
		}
	}
	_, err := b.tx.ExecContext(ctx, `
		INSERT INTO submissions (topic, partition, "offset", kind, batch_id, provider_id, claim_id, member_id, status, version, reasons, result, result_ref, processed_at)
		SELECT t, p, o, k, b, pr, c, m, s, v, rs::jsonb, NULLIF(rj, '')::json, rr, $14
		FROM unnest($1::text[], $2::int[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::int[], $11::text[], $12::text[], $13::text[])
		  AS x(t, p, o, k, b, pr, c, m, s, v, rs, rj, rr)
		ON CONFLICT (topic, partition, "offset") DO NOTHING`,
		pq.Array(topics), pq.Array(parts), pq.Array(offsets), pq.Array(kinds), pq.Array(batches), pq.Array(provs), pq.Array(claims),
		pq.Array(members), pq.Array(statuses), pq.Array(versions), pq.Array(reasons), pq.Array(results), pq.Array(refs), now)
	if err != nil {
		return fmt.Errorf("save submissions: %w", err)
	}
	return nil
}

func (b *Batch) insertResults(ctx context.Context, recs []*payment.Record, resultJSON [][]byte) error {
	if len(recs) == 0 {
		return nil
	}
	n := len(recs)
	col := func() []string { return make([]string, n) }
	prov, cid, mem, batch, status, method, hash, care, ded := col(), col(), col(), col(), col(), col(), col(), col(), col()
	refP, refC, refD := col(), col(), col()
	total, elig, fund, mpays, ftp := col(), col(), col(), col(), col()
	deltas, voided, pver := col(), col(), col()
	srcT := col()
	version, year, srcP, srcO := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
	refA := make([]bool, n)
	adjAt, voidAt := col(), col()
	period, standard, margin, drgCode, rw, points, outlier, capitation := col(), col(), col(), col(), col(), col(), col(), col()
	for i, r := range recs {
		period[i], capitation[i] = r.Period, r.Capitation.String()
		if r.Result.Standard != nil {
			standard[i], margin[i] = amount(r.Result.Standard), amount(r.Result.ProviderMargin)
		}
		if d := r.Result.DRG; d != nil {
			drgCode[i], outlier[i] = d.DRG, d.Outlier
			if d.RW != nil {
				rw[i], points[i] = d.RW.String(), d.Points.String()
			}
		}
		res := r.Result
		prov[i], cid[i], mem[i], batch[i], status[i], method[i], hash[i], care[i] = r.Key.ProviderID, r.Key.ClaimID, r.MemberID, res.BatchID, r.Status, res.Method, r.ContentHash, r.CareType
		ded[i] = r.Deductible.String()
		if r.Referral != nil {
			refP[i], refC[i], refD[i], refA[i] = r.Referral.FromProviderID, r.Referral.FromClaimID, r.Referral.Direction, r.Referral.Approved
		}
		total[i], elig[i], fund[i], mpays[i], ftp[i] = amount(res.Total), amount(res.Eligible), amount(res.FundTotal), amount(res.MemberPays), amount(res.FundToProvider)
		deltas[i] = string(encodeDeltas(r.Deltas))
		if r.VoidResult != nil {
			vj, _ := json.Marshal(r.VoidResult)
			voided[i] = string(vj)
			voidAt[i] = r.VoidResult.AdjudicatedAt.Format(time.RFC3339Nano)
		}
		pver[i] = res.PolicyVersion
		version[i], year[i] = int64(r.Version), int64(r.Year)
		srcP[i], srcO[i] = -1, -1
		if res.Source != nil {
			srcT[i], srcP[i], srcO[i] = res.Source.Topic, int64(res.Source.Partition), res.Source.Offset
		}
		adjAt[i] = res.AdjudicatedAt.Format(time.RFC3339Nano)
	}
	_, err := b.tx.ExecContext(ctx, `
		INSERT INTO claim_results (provider_id, claim_id, version, member_id, batch_id, status, method, content_hash, year, care_type,
			deductible, ref_provider_id, ref_claim_id, ref_direction, ref_approved, total, eligible, fund_total, member_pays, fund_to_provider,
			deltas, result, voided_result, policy_version, source_topic, source_partition, source_offset, adjudicated_at, voided_at,
			period, standard, provider_margin, drg, rw, points, outlier, capitation)
		SELECT p, c, v, m, b, s, me, h, y, ct, d::numeric, rp, rc, rd, ra, t::numeric, e::numeric, f::numeric, mp::numeric, fp::numeric,
			dl::jsonb, rj::json, NULLIF(vj, '')::json, pv, NULLIF(st, ''), NULLIF(sp, -1), NULLIF(so, -1), aa::timestamptz, NULLIF(va, '')::timestamptz,
			pe, NULLIF(sd, '')::numeric, NULLIF(mg, '')::numeric, dc, NULLIF(rw, '')::numeric, NULLIF(pt, '')::numeric, ol, cp::numeric
		FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[],
			$11::text[], $12::text[], $13::text[], $14::text[], $15::bool[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[],
			$21::text[], $23::text[], $24::text[], $25::text[], $26::int[], $27::bigint[], $28::text[], $29::text[],
			$30::text[], $31::text[], $32::text[], $33::text[], $34::text[], $35::text[], $36::text[], $37::text[])
		  WITH ORDINALITY AS x(p, c, v, m, b, s, me, h, y, ct, d, rp, rc, rd, ra, t, e, f, mp, fp, dl, vj, pv, st, sp, so, aa, va,
		       pe, sd, mg, dc, rw, pt, ol, cp, n)
		JOIN json_array_elements($22::json) WITH ORDINALITY AS r(rj, rn) ON r.rn = x.n`,
		pq.Array(prov), pq.Array(cid), pq.Array(version), pq.Array(mem), pq.Array(batch), pq.Array(status), pq.Array(method), pq.Array(hash),
		pq.Array(year), pq.Array(care), pq.Array(ded), pq.Array(refP), pq.Array(refC), pq.Array(refD), pq.Array(refA),
		pq.Array(total), pq.Array(elig), pq.Array(fund), pq.Array(mpays), pq.Array(ftp),
		pq.Array(deltas), jsonArray(resultJSON), pq.Array(voided), pq.Array(pver), pq.Array(srcT), pq.Array(srcP), pq.Array(srcO),
		pq.Array(adjAt), pq.Array(voidAt),
		pq.Array(period), pq.Array(standard), pq.Array(margin), pq.Array(drgCode), pq.Array(rw), pq.Array(points), pq.Array(outlier), pq.Array(capitation))
	if err != nil {
		return fmt.Errorf("save claim results: %w", err)
	}
	return nil
}

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

// text makes a string storable in a text column: PostgreSQL refuses NUL and invalid UTF-8.
func text(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// amount renders an amount for a numeric column with the scale results show ("12.50").
func amount(m *claim.Money) string {
	if m == nil {
		return "0.00"
	}
	return m.String()
}

// jsonArray joins JSON documents into one JSON array: large documents travel as one
// parameter instead of an escaped text[] literal.
func jsonArray(docs [][]byte) string {
	n := 2
	for _, d := range docs {
		n += len(d) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, d := range docs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, d...)
	}
	return string(append(b, ']'))
}
