package fraud

import (
	"sort"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// ProviderInput is what the provider rules see: the provider, its live claims, and its
// peer group (same level and region, itself included) with theirs.
type ProviderInput struct {
	Provider *policy.Provider
	Claims   []*Fact
	Peers    []Peer
}

// Peer is one provider of a peer group with its live claims.
type Peer struct {
	Provider *policy.Provider
	Claims   []*Fact
}

// ProviderResult is a provider's score and the patterns that fire in its window.
type ProviderResult struct {
	Score        decimal.Decimal
	FlaggedShare decimal.Decimal // s: share of its window's claims with a claim score ≥ flag_score
	WindowFrom   time.Time       // first claim date in the window
	WindowTo     time.Time       // the latest claim date
	Claims       int             // live claims in the window
	Hits         []Hit
}

type providerRule func(p Params, in ProviderInput, window []*Fact, from, to time.Time) *Hit

var providerRules = map[string]providerRule{
	CensusOverBeds: censusOverBeds, GroupAdmission: groupAdmission, ClonedClaims: clonedClaims,
	PractitionerOver24h: practitionerOver24h, PeerOutlier: peerOutlier, LowSeverity: lowSeverityAdmissions,
	SeverityUpcoding: severityUpcoding,
}

// inWindow keeps the claims dated in the window_days up to the latest claim date.
func inWindow(p Params, claims []*Fact) ([]*Fact, time.Time, time.Time) {
	var to time.Time
	for _, c := range claims {
		if d := c.ClaimDate(); d.After(to) {
			to = d
		}
	}
	from := to.AddDate(0, 0, -p.WindowDays+1)
	var out []*Fact
	for _, c := range claims {
		if d := c.ClaimDate(); !d.Before(from) {
			out = append(out, c)
		}
	}
	return out, from, to
}

// EvaluateProvider runs the enabled provider rules over the provider's window.
func EvaluateProvider(p Params, in ProviderInput) ProviderResult {
	window, from, to := inWindow(p, in.Claims)
	r := ProviderResult{WindowFrom: from, WindowTo: to, Claims: len(window), FlaggedShare: decimal.Zero}
	if len(window) == 0 {
		r.Score = decimal.Zero
		return r
	}
	flagged := 0
	for _, c := range window {
		if c.Score.GreaterThanOrEqual(p.FlagScore) {
			flagged++
		}
	}
	r.FlaggedShare = decimal.NewFromInt(int64(flagged)).DivRound(decimal.NewFromInt(int64(len(window))), 4)
	for _, id := range ProviderRuleIDs {
		if !p.Enabled(id) {
			continue
		}
		if h := providerRules[id](p, in, window, from, to); h != nil {
			h.Rule, h.Weight = id, p.Weight(id)
			r.Hits = append(r.Hits, *h)
		}
	}
	r.Score = combine(r.Hits, r.FlaggedShare)
	return r
}

func keys(fs []*Fact, n int) []map[string]any {
	var out []map[string]any
	for i, f := range fs {
		if i == n {
			break
		}
		out = append(out, map[string]any{"claim_id": f.Key.ClaimID, "member_id": f.MemberID})
	}
	return out
}

func censusOverBeds(_ Params, in ProviderInput, window []*Fact, from, to time.Time) *Hit {
	beds := in.Provider.Beds
	census := map[time.Time][]*Fact{}
	for _, c := range window {
		if !c.Inpatient {
			continue
		}
		nf, nt := c.nights()
		for d := later(nf, from); d.Before(nt) && !d.After(to); d = d.AddDate(0, 0, 1) {
			census[d] = append(census[d], c)
		}
	}
	var over []map[string]any
	var peak time.Time
	for _, day := range sortedDays(census) {
		n := len(census[day])
		if n > beds {
			over = append(over, map[string]any{"date": date(day), "census": n})
			if peak.IsZero() || n > len(census[peak]) {
				peak = day
			}
		}
	}
	if len(over) == 0 {
		return nil
	}
	return &Hit{Others: claimKeys(census[peak]), Evidence: map[string]any{"beds": beds, "days_over_beds": len(over),
		"days": over, "peak_date": date(peak), "peak_census": len(census[peak]), "in_bed_on_peak": keys(census[peak], 50),
		"window": map[string]any{"from": date(from), "to": date(to)}}}
}

func claimKeys(fs []*Fact) []claim.Key {
	out := make([]claim.Key, len(fs))
	for i, f := range fs {
		out[i] = f.Key
	}
	return out
}

func groupAdmission(p Params, _ ProviderInput, window []*Fact, _, _ time.Time) *Hit {
	min := p.int(GroupAdmission, keyMinMembers)
	type span struct{ a, d time.Time }
	groups := map[span][]*Fact{}
	for _, c := range window {
		if c.Inpatient {
			s := span{c.Admitted, c.Discharged}
			groups[s] = append(groups[s], c)
		}
	}
	var found []map[string]any
	var others []claim.Key
	for s, cs := range groups {
		if n := distinctMembers(cs); n >= min {
			found = append(found, map[string]any{"admitted": date(s.a), "discharged": date(s.d), "members": n, "claims": keys(cs, 50)})
			others = append(others, claimKeys(cs)...)
		}
	}
	if len(found) == 0 {
		return nil
	}
	sort.Slice(found, func(i, j int) bool { return found[i]["admitted"].(string) < found[j]["admitted"].(string) })
	return &Hit{Others: others, Evidence: map[string]any{"min_members": min, "groups": found}}
}

func distinctMembers(cs []*Fact) int {
	seen := map[string]bool{}
	for _, c := range cs {
		seen[c.MemberID] = true
	}
	return len(seen)
}

// Fingerprint is the multiset of (item, quantity, amount) of a claim's lines (FRAUD.md §2.6).
func Fingerprint(f *Fact) string {
	parts := make([]string, len(f.Lines))
	for i, l := range f.Lines {
		parts[i] = l.Item + "×" + l.Qty.String() + "=" + l.Amount.String()
	}
	sort.Strings(parts)
	return strings.Join(parts, "|")
}

func clonedClaims(p Params, _ ProviderInput, window []*Fact, _, _ time.Time) *Hit {
	min, span := p.int(ClonedClaims, keyMinMembers), p.int(ClonedClaims, keyDays)
	groups := map[string][]*Fact{}
	for _, c := range window {
		fp := Fingerprint(c)
		groups[fp] = append(groups[fp], c)
	}
	var found []map[string]any
	var others []claim.Key
	for fp, cs := range groups {
		best := densest(cs, span)
		if n := distinctMembers(best); n >= min {
			found = append(found, map[string]any{"fingerprint": fp, "members": n, "from": date(best[0].ClaimDate()),
				"to": date(best[len(best)-1].ClaimDate()), "claims": keys(best, 50)})
			others = append(others, claimKeys(best)...)
		}
	}
	if len(found) == 0 {
		return nil
	}
	sort.Slice(found, func(i, j int) bool { return found[i]["fingerprint"].(string) < found[j]["fingerprint"].(string) })
	return &Hit{Others: others, Evidence: map[string]any{"min_members": min, "days": span, "clones": found}}
}

// densest returns the claims whose dates lie within span days of each other that have the
// most distinct members.
func densest(cs []*Fact, span int) []*Fact {
	sorted := append([]*Fact(nil), cs...)
	sort.Slice(sorted, func(i, j int) bool { return sorted[i].ClaimDate().Before(sorted[j].ClaimDate()) })
	var best []*Fact
	bestN := 0
	for i := range sorted {
		j := i
		for j < len(sorted) && days(sorted[i].ClaimDate(), sorted[j].ClaimDate()) <= span {
			j++
		}
		if n := distinctMembers(sorted[i:j]); n > bestN {
			best, bestN = sorted[i:j], n
		}
	}
	return best
}

func practitionerOver24h(p Params, _ ProviderInput, window []*Fact, _, _ time.Time) *Hit {
	max := p.value(PractitionerOver24h, keyMaxHours)
	type key struct {
		who string
		day time.Time
	}
	hours := map[key]decimal.Decimal{}
	claims := map[key][]*Fact{}
	for _, c := range window {
		for _, l := range c.Lines {
			if l.Practitioner == "" || !l.Hours.IsPositive() {
				continue
			}
			k := key{l.Practitioner, l.Date}
			hours[k] = hours[k].Add(l.Hours)
			if cs := claims[k]; len(cs) == 0 || cs[len(cs)-1] != c {
				claims[k] = append(claims[k], c)
			}
		}
	}
	var over []map[string]any
	var others []claim.Key
	for k, h := range hours {
		if h.GreaterThan(max) {
			over = append(over, map[string]any{"practitioner_id": k.who, "date": date(k.day), "hours": h.String(), "claims": keys(claims[k], 50)})
			others = append(others, claimKeys(claims[k])...)
		}
	}
	if len(over) == 0 {
		return nil
	}
	sort.Slice(over, func(i, j int) bool {
		a, b := over[i], over[j]
		return a["practitioner_id"].(string)+a["date"].(string) < b["practitioner_id"].(string)+b["date"].(string)
	})
	return &Hit{Others: others, Evidence: map[string]any{"max_hours": max.String(), "over_hours": over}}
}
