package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sort"
	"time"

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
type Batch struct {
	tx       *sqlx.Tx
	readOnly bool // a pre-check's reading: no locks, nothing written
}

// InBatch runs fn inside one transaction and returns the commit error.
func (s *Store) InBatch(ctx context.Context, fn func(*Batch) error) error {
	return s.inTx(ctx, func(tx *sqlx.Tx) error { return fn(&Batch{tx: tx}) })
}

// Peek runs fn in a read-only transaction, one snapshot, that is rolled back: a pre-check
// reads what adjudication would read, locks no member and writes nothing (POLICY.md §11).
func (s *Store) Peek(ctx context.Context, fn func(*Batch) error) error {
	tx, err := s.db.BeginTxx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("begin read-only transaction: %w", err)
	}
	defer func() { _ = tx.Rollback() }()
	return fn(&Batch{tx: tx, readOnly: true})
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
	practitioners      []string // named on the batch's lines: their points ledgers are read
	codes              []string // the traceability codes on the batch's lines
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
	for i := range c.Lines {
		if id := c.Lines[i].PractitionerID; id != "" {
			q.practitioners = append(q.practitioners, id)
		}
		q.codes = append(q.codes, c.Lines[i].TraceCodes...)
	}
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
	// Points are the points ledgers of the practitioners the batch's lines name.
	Points map[string][]fraud.PointsEntry
	// Trace is the live settlements of the traceability codes the batch's lines carry.
	Trace map[string][]fraud.TraceUse
}

// Directory serves the state's parties to payment.Book.
func (s *State) Directory() payment.Directory {
	return payment.Parties{Providers: s.Providers, Members: s.Members, Signups: s.Signups}
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
	if len(q.practitioners) > 0 {
		if st.Points, err = b.Points(ctx, nonEmpty(q.practitioners)); err != nil {
			return nil, err
		}
	}
	if len(q.codes) > 0 {
		if st.Trace, err = b.TraceSettlements(ctx, nonEmpty(q.codes)); err != nil {
			return nil, err
		}
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
	lock := " FOR UPDATE"
	if b.readOnly {
		lock = ""
	}
	if err := b.tx.SelectContext(ctx, &rows, `SELECT `+memberCols+` FROM members WHERE member_id = ANY($1) ORDER BY member_id`+lock,
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

// Totals reads every accumulator of the members (all years).
func (b *Batch) Totals(ctx context.Context, members []string) (map[payment.MemberYear]*payment.Totals, error) {
	rows, err := b.tx.QueryContext(ctx, `SELECT member_id, year, kind, amount::text FROM member_totals WHERE member_id = ANY($1)`, pq.Array(nonEmpty(members)))
	if err != nil {
		return nil, fmt.Errorf("read member totals: %w", err)
	}
	return scanTotals(rows)
}

// scanTotals reads rows of (member_id, year, kind, amount) into accumulators.
func scanTotals(rows *sql.Rows) (map[payment.MemberYear]*payment.Totals, error) {
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
