package payment

import (
	"slices"
	"strings"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
)

// screening is the claim rules' verdict on one claim (FRAUD.md §1, §3).
type screening struct {
	fact  *fraud.Fact
	res   fraud.ClaimResult
	flags []fraud.Flag
	block *claim.FraudInfo
}

// params returns the fraud parameters of a policy version.
func (bk *Book) params(b *policy.Bundle) fraud.Params {
	if p, ok := bk.fraudParams[b]; ok {
		return p
	}
	if bk.fraudParams == nil {
		bk.fraudParams = map[*policy.Bundle]fraud.Params{}
	}
	p := fraud.NewParams(b.Fraud)
	bk.fraudParams[b] = p
	return p
}

// screen runs the claim rules on a claim against the member's live history and the live
// settlements of its traceability codes, keeps the claim's facts as live history, and
// returns the verdict; status is the result's status before any hold, priced the pricing
// (nil for a claim that was not priced).
func (bk *Book) screen(c *claim.Claim, b *policy.Bundle, m *policy.Member, version int, status string, priced *Priced, now time.Time) screening {
	f := fraud.NewFact(c, b.Catalogue)
	f.Version, f.Status = version, status
	in := fraud.ClaimInput{Claim: &f, History: bk.History[m.ID], Member: m, Catalogue: b.Catalogue, Trace: bk.Trace,
		Alliance: bk.alliances(b)}
	if priced != nil {
		f.DRG, f.Method, in.Coding = groupedDRG(priced.Result.DRG), priced.Method, priced.Coding
	}
	p := bk.params(b)
	res := fraud.EvaluateClaim(p, in)
	f.Score = res.Score
	bk.keepFact(&f)
	score := "0.0000"
	if !res.Score.IsZero() {
		score = res.Score.StringFixed(4)
	}
	return screening{fact: &f, res: res, flags: p.ClaimFlags(&f, res, now), block: &claim.FraudInfo{Score: score, Rules: res.Rules()}}
}

// hold applies the holds to an adjudicated result: the claim's own score at hold_score, or
// the provider under payment suspension. Member amounts stand; the provider payment is
// withheld.
func (bk *Book) hold(r *claim.Result, sc screening, b *policy.Bundle, p *policy.Provider) {
	params := bk.params(b)
	if sc.res.Score.GreaterThanOrEqual(params.HoldScore) {
		r.Reasons = append(r.Reasons, claim.Reason{Code: claim.ReasonFraudHold, Message: "claim score " + sc.block.Score +
			" reached hold_score " + params.HoldScore.String() + " (" + strings.Join(sc.block.Rules, ", ") + "): provider payment withheld pending review"})
	}
	if p.PaymentSuspended {
		r.Reasons = append(r.Reasons, claim.Reason{Code: claim.ReasonProviderSuspendedPayment, Message: "provider " + p.ID +
			" is under payment suspension (暂停拨付): provider payment withheld pending review"})
	}
	if r.HasReason(claim.ReasonFraudHold) || r.HasReason(claim.ReasonProviderSuspendedPayment) {
		r.Status, sc.block.Held = claim.StatusHeld, true
		sc.fact.Status = claim.StatusHeld
	}
	r.Fraud = sc.block
}

// alliances reads providers' alliances from a bundle (one function per version and book).
func (bk *Book) alliances(b *policy.Bundle) func(string) string {
	if f, ok := bk.allianceOf[b]; ok {
		return f
	}
	f := func(id string) string {
		if p := b.Providers[id]; p != nil {
			return p.AllianceID
		}
		return ""
	}
	if bk.allianceOf == nil {
		bk.allianceOf = map[*policy.Bundle]func(string) string{}
	}
	bk.allianceOf[b] = f
	return f
}

// keepFact makes f the member's live version of its claim. History stays in the order
// fraud.Less gives (claim date, provider, claim id), the order the store reads it in, so
// evidence does not depend on where batches begin.
func (bk *Book) keepFact(f *fraud.Fact) {
	if bk.History == nil {
		bk.History = map[string][]*fraud.Fact{}
	}
	if bk.dropHistory(f.MemberID, f.Key) {
		bk.dropTrace(f.Key) // an earlier version still live (a resubmitted member_deceased rejection)
	}
	h := bk.History[f.MemberID]
	i := len(h)
	for i > 0 && fraud.Less(f, h[i-1]) {
		i--
	}
	bk.History[f.MemberID] = slices.Insert(h, i, f)
	for _, u := range fraud.TraceUses(f) {
		if bk.Trace == nil {
			bk.Trace = map[string][]fraud.TraceUse{}
		}
		bk.Trace[u.Code] = append(bk.Trace[u.Code], u)
		if bk.traceIndex != nil {
			bk.indexUse(u)
		}
	}
}

// dropFact removes a claim's live facts from the member's history and frees its codes
// (void, replace).
func (bk *Book) dropFact(member string, k claim.Key) {
	bk.dropHistory(member, k)
	bk.dropTrace(k)
}

// dropHistory removes a claim's facts from the member's history; false when it had none.
func (bk *Book) dropHistory(member string, k claim.Key) bool {
	h := bk.History[member]
	n := len(h)
	for i := 0; i < len(h); i++ {
		if h[i].Key == k {
			h = append(h[:i:i], h[i+1:]...)
			i--
		}
	}
	bk.History[member] = h
	return len(h) < n
}

// dropTrace frees the codes a claim settled (void, replace), found through the index of
// the codes each claim settles.
func (bk *Book) dropTrace(k claim.Key) {
	if len(bk.Trace) == 0 {
		return
	}
	if bk.traceIndex == nil {
		bk.indexTrace()
	}
	for _, code := range bk.traceIndex[k] {
		bk.Trace[code] = slices.DeleteFunc(slices.Clone(bk.Trace[code]), func(u fraud.TraceUse) bool { return u.Key == k })
	}
	delete(bk.traceIndex, k)
}

// indexTrace builds the index of the codes each claim settles from the settlements.
func (bk *Book) indexTrace() {
	bk.traceIndex = map[claim.Key][]string{}
	for _, uses := range bk.Trace {
		for _, u := range uses {
			bk.indexUse(u)
		}
	}
}

func (bk *Book) indexUse(u fraud.TraceUse) {
	if codes := bk.traceIndex[u.Key]; !slices.Contains(codes, u.Code) {
		bk.traceIndex[u.Key] = append(codes, u.Code)
	}
}
