package payment

import (
	"fmt"
	"maps"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment/drg"
	"medclaims/policy"
)

// Record is the current version of an adjudicated (or voided) claim.
type Record struct {
	Key         claim.Key
	Version     int
	MemberID    string
	Status      string // adjudicated | held | voided
	ContentHash string
	Year        int
	CareType    string
	Deductible  decimal.Decimal
	Referral    *claim.Referral
	// Result is the adjudication result of this version; it never changes. It is nil when
	// the book keeps results in its Spool.
	Result *claim.Result
	// VoidResult is the result emitted when the version was voided (nil while active).
	VoidResult *claim.Result
	Deltas     []Delta
	// Period is the claim's settlement month (YYYY-MM of the discharge or service date).
	Period string
	// Capitation is the fund share recorded as the provider's capitation consumption.
	Capitation decimal.Decimal
}

// Current is the result that stands for this version now: the void result once voided.
func (r *Record) Current() claim.Result {
	if r.VoidResult != nil {
		return *r.VoidResult
	}
	return *r.Result
}

// Active reports whether the record holds its claim id (adjudicated or held).
func (r *Record) Active() bool {
	return r.Status == claim.StatusAdjudicated || r.Status == claim.StatusHeld
}

// groupedDRG is the DRG a result's case grouped to, for the peer cost comparison.
func groupedDRG(d *claim.DRGInfo) string {
	if d == nil || d.GroupStatus != drg.Success {
		return ""
	}
	return d.DRG
}

// ProviderEntry is a provider-ledger entry: capitation consumption of a claim version in
// its settlement period (negative when reversed by a void).
type ProviderEntry struct {
	ProviderID string
	Period     string
	Kind       string // capitation_consumption
	Amount     decimal.Decimal
	Key        claim.Key
	Version    int
	Reversal   bool
}

// KindCapitationConsumption is the provider-ledger kind of capitation consumption.
const KindCapitationConsumption = "capitation_consumption"

// Entry is one ledger entry: an accumulator change caused by a claim version.
type Entry struct {
	MemberID string
	Year     int
	Key      claim.Key
	Version  int
	Reversal bool
	Delta
}

// Effect is what processing one submission changes; the store persists it as a unit.
type Effect struct {
	// Result is what is emitted for the submission.
	Result claim.Result
	// New is a claim version adjudicated now (nil if none).
	New *Record
	// Voided is the version this submission voided (nil if none).
	Voided *Record
	// Entries are the ledger entries posted (reversals first).
	Entries []Entry
	// ProviderEntries are the provider-ledger entries posted (reversals first).
	ProviderEntries []ProviderEntry
	// Replayed is true when Result is a stored result returned again (idempotent resubmission).
	Replayed bool
	// Fact is the claim's facts, now live for the fraud rules (nil if none); Flags are the
	// claim flags its result raises.
	Fact  *fraud.Fact
	Flags []fraud.Flag
}

// Book applies submissions to an in-memory view of claims and member accumulators. The
// offline price path starts it empty; the pipeline fills it per micro-batch with the rows
// the batch needs, so both paths price through the same code.
type Book struct {
	Policies Policies
	Dir      Directory
	Claims   map[claim.Key]*Record
	Totals   map[MemberYear]*Totals
	Now      func() time.Time
	// Spool, when set, keeps the results of claim versions out of memory (records keep
	// what later claims need): the offline price path holds every version of a long file.
	Spool Spool
	// History holds each member's live claims for the fraud rules (FRAUD.md §2.1): the
	// pipeline fills it per batch for the batch's members; offline it grows with the file.
	History map[string][]*fraud.Fact
	// Points are the points ledgers of the practitioners the claims name (FRAUD.md §9): the
	// pipeline fills it per batch; offline it is empty.
	Points map[string][]fraud.PointsEntry
	// Trace holds the live settlements of traceability codes, each code's in the order
	// claims were stored (FRAUD.md §8.1): the pipeline fills it per batch with the codes
	// the batch carries (any member); offline it grows with the file.
	Trace map[string][]fraud.TraceUse

	fraudParams map[*policy.Bundle]fraud.Params
	groupers    map[string]*drg.Grouper
	quals       map[qualKey]fraud.Qualification // a practitioner's periods under a version, derived once per book
	traceIndex  map[claim.Key][]string          // the codes each claim settles (of Trace), built on first use
	allianceOf  map[*policy.Bundle]func(string) string
}

// grouper returns the bundle's DRG grouper (nil when its data set is missing).
func (bk *Book) grouper(name string) *drg.Grouper {
	if name == "" {
		name = drg.Default
	}
	if g, ok := bk.groupers[name]; ok {
		return g
	}
	g, err := drg.Scheme(name)
	if err != nil {
		g = nil
	}
	if bk.groupers == nil {
		bk.groupers = map[string]*drg.Grouper{}
	}
	bk.groupers[name] = g
	return g
}

// NewBook returns an empty book.
func NewBook(ps Policies, dir Directory, now func() time.Time) *Book {
	if now == nil {
		now = time.Now
	}
	return &Book{Policies: ps, Dir: dir, Claims: map[claim.Key]*Record{}, Totals: map[MemberYear]*Totals{}, Now: now}
}

func (bk *Book) totals(member string, year int) *Totals {
	k := MemberYear{member, year}
	t := bk.Totals[k]
	if t == nil {
		t = &Totals{}
		bk.Totals[k] = t
	}
	return t
}

// Process applies one submission and returns its effect. src names the Kafka record (nil
// offline).
func (bk *Book) Process(s *claim.Submission, src *claim.Source) Effect {
	now := bk.Now().UTC().Truncate(time.Millisecond)
	switch s.Kind {
	case claim.KindVoid:
		return bk.void(s, src, now)
	case claim.KindReplace:
		return bk.replace(s, src, now)
	default:
		return bk.claim(s, src, now)
	}
}

func (bk *Book) reject(s *claim.Submission, src *claim.Source, now time.Time, reasons []claim.Reason) Effect {
	r := claim.Rejected(s, reasons, now)
	r.Source = src
	return Effect{Result: r}
}

func (bk *Book) claim(s *claim.Submission, src *claim.Source, now time.Time) Effect {
	prev := bk.current(s)
	if prev != nil && prev.Active() {
		if prev.ContentHash == s.ContentHash && s.Problems.Empty() {
			return replay(bk.result(prev), s, src)
		}
		return bk.reject(s, src, now, []claim.Reason{{Code: claim.ReasonDuplicateConflict, Message: fmt.Sprintf(
			"claim %s of provider %s was already adjudicated (version %d) with different content; send a replace to correct it",
			s.Claim.ClaimID, s.Claim.ProviderID, prev.Version)}})
	}
	version := 1
	if prev != nil {
		version = prev.Version + 1
	}
	return bk.adjudicate(s, src, now, version)
}

// Spool keeps results by claim version outside the book.
type Spool interface {
	Put(k claim.Key, version int, r claim.Result)
	Get(k claim.Key, version int) claim.Result
}

// result is the record's adjudication result, from the spool when it is kept there.
func (bk *Book) result(rec *Record) claim.Result {
	if rec.Result != nil || bk.Spool == nil {
		return *rec.Result
	}
	return bk.Spool.Get(rec.Key, rec.Version)
}

// replay answers an idempotent resubmission: the stored result (amounts, version) with the
// resubmission's own source and batch id, so a consumer deduplicating on source keeps it.
func replay(stored claim.Result, s *claim.Submission, src *claim.Source) Effect {
	r := stored
	r.Source, r.BatchID = src, s.BatchID
	return Effect{Result: r, Replayed: true}
}

func (bk *Book) current(s *claim.Submission) *Record {
	if s.Claim.ProviderID == "" || s.Claim.ClaimID == "" {
		return nil
	}
	return bk.Claims[s.Key()]
}

// adjudicate validates and prices a claim as the given version and applies its effect.
func (bk *Book) adjudicate(s *claim.Submission, src *claim.Source, now time.Time, version int) Effect {
	c := &s.Claim
	reasons := claim.ProblemReasons(s.Problems)
	reasons = append(reasons, claim.Check(c, claim.Today(now))...)
	if len(reasons) > 0 {
		return bk.reject(s, src, now, reasons)
	}
	date := c.KeyDate()
	bundle := bk.Policies.InForce(date)
	if bundle == nil {
		return bk.reject(s, src, now, []claim.Reason{{Code: claim.ReasonNoPolicy,
			Message: "no policy version is in force on " + claim.FormatDate(date)}})
	}
	in, reasons := bk.parties(c, bundle, claim.Today(now))
	if len(reasons) > 0 {
		eff := bk.reject(s, src, now, reasons)
		if in.Member != nil && eff.Result.HasReason(claim.ReasonMemberDeceased) { // still seen by after_death
			sc := bk.screen(c, bundle, in.Member, 0, claim.StatusRejected, nil, now)
			eff.Result.Fraud, eff.Fact, eff.Flags = sc.block, sc.fact, sc.flags
		}
		return eff
	}
	m := in.Member
	year := date.Year()
	t := bk.totals(m.ID, year)
	in.Totals, in.Grouper = *t, bk.grouper(bundle.Grouper)
	if bundle.RepeatEdits() {
		in.Earlier = bk.sameCare(c, bundle)
	}
	if len(bk.Points) > 0 {
		in.People = bk.people(c, bundle, now)
	}
	if c.ApprovedReferral() {
		in.ChainDeductible = bk.chainDeductible(c)
	}
	priced := Adjudicate(in)
	r := priced.Result
	r.ClaimID, r.ProviderID, r.MemberID, r.BatchID, r.Kind = c.ClaimID, c.ProviderID, c.MemberID, s.BatchID, s.Kind
	r.Version, r.AdjudicatedAt, r.Source = version, now, src
	if r.Reasons == nil {
		r.Reasons = []claim.Reason{}
	}
	sc := bk.screen(c, bundle, m, version, r.Status, &priced, now)
	bk.hold(&r, sc, bundle, in.Provider)
	rec := &Record{Key: s.Key(), Version: version, MemberID: m.ID, Status: r.Status, ContentHash: s.ContentHash,
		Year: year, CareType: c.CareType, Deductible: r.Deductible.Dec(), Referral: c.Referral, Result: &r, Deltas: priced.Deltas,
		Period: date.Format("2006-01"), Capitation: priced.Capitation}
	if bk.Spool != nil {
		bk.Spool.Put(rec.Key, version, r)
		rec.Result = nil
	}
	t.Apply(priced.Deltas)
	bk.Claims[rec.Key] = rec
	eff := Effect{Result: r, New: rec, Entries: make([]Entry, 0, len(priced.Deltas)), Fact: sc.fact, Flags: sc.flags}
	for _, d := range priced.Deltas {
		eff.Entries = append(eff.Entries, Entry{MemberID: m.ID, Year: year, Key: rec.Key, Version: version, Delta: d})
	}
	if !rec.Capitation.IsZero() {
		eff.ProviderEntries = append(eff.ProviderEntries, ProviderEntry{ProviderID: rec.Key.ProviderID, Period: rec.Period,
			Kind: KindCapitationConsumption, Amount: rec.Capitation, Key: rec.Key, Version: version})
	}
	return eff
}

// qualKey is a practitioner under a policy version (its suspension months).
type qualKey struct {
	b  *policy.Bundle
	id string
}

// people are the qualifications of the claim's practitioners whose ledger gives them a
// suspension or termination.
func (bk *Book) people(c *claim.Claim, b *policy.Bundle, now time.Time) map[string]fraud.Qualification {
	var out map[string]fraud.Qualification
	for i := range c.Lines {
		id := c.Lines[i].PractitionerID
		if _, done := out[id]; id == "" || done || len(bk.Points[id]) == 0 {
			continue
		}
		q, ok := bk.quals[qualKey{b, id}]
		if !ok { // the periods do not depend on the clock: one derivation per person and book
			q = fraud.Qualify(bk.Points[id], now, bk.params(b).People)
			if bk.quals == nil {
				bk.quals = map[qualKey]fraud.Qualification{}
			}
			bk.quals[qualKey{b, id}] = q
		}
		if len(q.Periods) > 0 {
			if out == nil {
				out = map[string]fraud.Qualification{}
			}
			out[id] = q
		}
	}
	return out
}

// sameCare is the member's live claims (the claim rules' history) at the claim's provider
// or at a provider of its non-empty alliance (POLICY.md §10, repeat): mutual recognition of
// results holds within an alliance. Alliances are read from the bundle in force.
func (bk *Book) sameCare(c *claim.Claim, b *policy.Bundle) []*fraud.Fact {
	var out []*fraud.Fact
	alliance := ""
	if p := b.Providers[c.ProviderID]; p != nil {
		alliance = p.AllianceID
	}
	for _, f := range bk.History[c.MemberID] {
		if f.Key == (claim.Key{ProviderID: c.ProviderID, ClaimID: c.ClaimID}) {
			continue
		}
		if p := b.Providers[f.Key.ProviderID]; f.Key.ProviderID == c.ProviderID || (alliance != "" && p != nil && p.AllianceID == alliance) {
			out = append(out, f)
		}
	}
	return out
}

// parties resolves the provider, member, referring provider and primary-care signup of a
// claim and runs the provider and member checks (POLICY.md §2, §9.6–7); today is the
// processing date, which decides the provider's designation.
func (bk *Book) parties(c *claim.Claim, b *policy.Bundle, today time.Time) (Input, []claim.Reason) {
	in := Input{Claim: c, Bundle: b}
	p, m, reasons := bk.checkParties(c, b, today)
	if len(reasons) > 0 {
		in.Member = m
		return in, reasons
	}
	in.Provider, in.Member = p, m
	if c.ApprovedReferral() {
		in.ReferralSource, _ = bk.Dir.Provider(c.Referral.FromProviderID)
	}
	if !c.IsInpatient() {
		if s, ok := bk.Dir.Signup(m.ID, p.ID, c.KeyDate()); ok {
			in.Signup = &s
		}
	}
	return in, nil
}

// checkParties checks the provider's designation on the processing date (a bar that has run
// its course no longer refuses old claims: POLICY.md §9.7) and the member's enrolment on
// the claim's date.
func (bk *Book) checkParties(c *claim.Claim, b *policy.Bundle, today time.Time) (*policy.Provider, *policy.Member, []claim.Reason) {
	var reasons []claim.Reason
	date := c.KeyDate()
	p, ok := bk.Dir.Provider(c.ProviderID)
	if !ok {
		reasons = append(reasons, claim.Reason{Code: claim.ReasonUnknownProvider, Message: "provider " + c.ProviderID + " is not known"})
	} else {
		switch p.StatusOn(today) {
		case policy.Banned:
			reasons = append(reasons, claim.Reason{Code: claim.ReasonProviderBanned,
				Message: "provider " + p.ID + " is barred until " + claim.FormatDate(p.BannedUntil)})
		case policy.NotDesignated:
			msg := "provider " + p.ID + " is not designated on " + claim.FormatDate(today) + " (status " + p.Status
			if p.Status == policy.Suspended && !p.BannedUntil.IsZero() {
				msg += ", suspended until " + claim.FormatDate(p.BannedUntil)
			}
			if p.Status == policy.Terminated {
				msg += ", bar ended " + claim.FormatDate(p.BannedUntil) + ": may re-apply"
			}
			reasons = append(reasons, claim.Reason{Code: claim.ReasonProviderNotDesignated, Message: msg + ")"})
		}
		if b := p.OwnerBar; b != nil && today.Before(b.Until) && len(reasons) == 0 {
			reasons = append(reasons, claim.Reason{Code: claim.ReasonProviderBanned, Message: "provider " + p.ID + " is refused until " +
				claim.FormatDate(b.Until) + ": its owner " + p.OwnerID + " also owns provider " + b.ProviderID +
				", barred for fabricated services until " + claim.FormatDate(b.Until) + " (联合惩戒)"})
		}
	}
	m, ok := bk.Dir.Member(c.MemberID)
	if !ok {
		reasons = append(reasons, claim.Reason{Code: claim.ReasonUnknownMember, Message: "member " + c.MemberID + " is not known"})
		return p, nil, reasons
	}
	if _, known := b.Schemes[m.Scheme]; !known {
		reasons = append(reasons, claim.Reason{Code: claim.ReasonMemberNotEnrolled,
			Message: "member " + m.ID + " is in scheme " + m.Scheme + ", which policy " + b.Version + " does not cover"})
	} else if !m.EnrolledOn(date) {
		reasons = append(reasons, claim.Reason{Code: claim.ReasonMemberNotEnrolled,
			Message: "member " + m.ID + " is not enrolled on " + claim.FormatDate(date)})
	}
	if !m.DeathDate.IsZero() {
		for _, d := range c.Dates() {
			if d.After(m.DeathDate) {
				reasons = append(reasons, claim.Reason{Code: claim.ReasonMemberDeceased,
					Message: "member " + m.ID + " died on " + claim.FormatDate(m.DeathDate) + "; the claim has service on " + claim.FormatDate(d)})
				break
			}
		}
	}
	return p, m, reasons
}

// chainDeductible sums the deductibles paid along the claim's approved referral chain
// (POLICY.md §9.14, §9b): it stops at an unknown, voided, outpatient or other member's
// claim and counts each claim once.
func (bk *Book) chainDeductible(c *claim.Claim) decimal.Decimal {
	sum := zero
	seen := map[claim.Key]bool{}
	ref := c.Referral
	for ref != nil && ref.Approved {
		k := claim.Key{ProviderID: ref.FromProviderID, ClaimID: ref.FromClaimID}
		if k.ProviderID == "" || k.ClaimID == "" || seen[k] {
			break
		}
		seen[k] = true
		rec := bk.Claims[k]
		if rec == nil || !rec.Active() || rec.CareType != claim.Inpatient || rec.MemberID != c.MemberID {
			break
		}
		sum = sum.Add(rec.Deductible)
		ref = rec.Referral
	}
	return sum
}

func (bk *Book) void(s *claim.Submission, src *claim.Source, now time.Time) Effect {
	if !s.Problems.Empty() {
		return bk.reject(s, src, now, claim.ProblemReasons(s.Problems))
	}
	rec := bk.current(s)
	if rec == nil || rec.MemberID != s.Claim.MemberID {
		return bk.reject(s, src, now, []claim.Reason{{Code: claim.ReasonUnknownClaim, Message: fmt.Sprintf(
			"no adjudicated claim %s of provider %s for member %s to void", s.Claim.ClaimID, s.Claim.ProviderID, s.Claim.MemberID)}})
	}
	if !rec.Active() {
		return replay(rec.Current(), s, src) // a second void is idempotent
	}
	eff := bk.voidRecord(rec, s, src, now)
	eff.Result = *rec.VoidResult
	return eff
}

// voidRecord voids the record: reversing entries, status voided, the voided result.
func (bk *Book) voidRecord(rec *Record, s *claim.Submission, src *claim.Source, now time.Time) Effect {
	rev := Reverse(rec.Deltas)
	bk.totals(rec.MemberID, rec.Year).Apply(rev)
	bk.dropFact(rec.MemberID, rec.Key)
	adjudicated := bk.result(rec)
	rec.Status = claim.StatusVoided
	rec.VoidResult = &claim.Result{
		ClaimID: rec.Key.ClaimID, ProviderID: rec.Key.ProviderID, MemberID: rec.MemberID, BatchID: s.BatchID,
		Kind: s.Kind, Version: rec.Version, Status: claim.StatusVoided, Reasons: []claim.Reason{}, Method: adjudicated.Method,
		Explanation: []claim.Step{{Step: "void", Detail: fmt.Sprintf(
			"version %d voided by a %s submission; its accumulator entries are reversed", rec.Version, s.Kind)}},
		PolicyVersion: adjudicated.PolicyVersion, AdjudicatedAt: now, Source: src,
	}
	eff := Effect{Voided: rec}
	for _, d := range rev {
		eff.Entries = append(eff.Entries, Entry{MemberID: rec.MemberID, Year: rec.Year, Key: rec.Key, Version: rec.Version, Reversal: true, Delta: d})
	}
	if !rec.Capitation.IsZero() {
		eff.ProviderEntries = append(eff.ProviderEntries, ProviderEntry{ProviderID: rec.Key.ProviderID, Period: rec.Period,
			Kind: KindCapitationConsumption, Amount: rec.Capitation.Neg(), Key: rec.Key, Version: rec.Version, Reversal: true})
	}
	return eff
}

func (bk *Book) replace(s *claim.Submission, src *claim.Source, now time.Time) Effect {
	rec := bk.current(s)
	if rec != nil && rec.Active() && rec.ContentHash == s.ContentHash && s.Problems.Empty() {
		return replay(bk.result(rec), s, src)
	}
	if rec == nil || !rec.Active() || (s.Claim.MemberID != "" && rec.MemberID != s.Claim.MemberID) {
		if !s.Problems.Empty() && (s.Claim.ProviderID == "" || s.Claim.ClaimID == "") {
			return bk.reject(s, src, now, claim.ProblemReasons(s.Problems))
		}
		return bk.reject(s, src, now, []claim.Reason{{Code: claim.ReasonUnknownClaim, Message: fmt.Sprintf(
			"no adjudicated claim %s of provider %s for member %s to replace", s.Claim.ClaimID, s.Claim.ProviderID, s.Claim.MemberID)}})
	}
	// Atomic: undo the original in the accumulators, try the replacement, and restore the
	// original if the replacement is rejected.
	saved := *rec
	t := bk.totals(rec.MemberID, rec.Year)
	before := *t
	history := append([]*fraud.Fact(nil), bk.History[rec.MemberID]...)
	trace := maps.Clone(bk.Trace)
	voided := bk.voidRecord(rec, s, src, now)
	eff := bk.adjudicate(s, src, now, rec.Version+1)
	if eff.New == nil {
		*t = before
		*rec = saved
		bk.Claims[rec.Key] = rec
		bk.History[rec.MemberID], bk.Trace, bk.traceIndex = history, trace, nil
		eff.Fact, eff.Flags = nil, nil // the original stands
		return eff
	}
	eff.Voided = voided.Voided
	eff.Entries = append(voided.Entries, eff.Entries...)
	eff.ProviderEntries = append(voided.ProviderEntries, eff.ProviderEntries...)
	return eff
}

// ShardByMember splits submissions into n groups by member id (FNV-1a), keeping each
// member's submissions in order within its group: the same guarantee partitioning by
// member gives the pipeline, so groups can be priced in parallel with one book each.
func ShardByMember(subs []claim.Submission, n int) [][]claim.Submission {
	out := make([][]claim.Submission, n)
	for _, s := range subs {
		h := uint32(2166136261)
		for i := 0; i < len(s.Claim.MemberID); i++ {
			h = (h ^ uint32(s.Claim.MemberID[i])) * 16777619
		}
		out[h%uint32(n)] = append(out[h%uint32(n)], s)
	}
	return out
}
