package fraud

import (
	"maps"
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"
)

// divPlaces is how far means and ratios are carried before comparing.
const divPlaces = 16

// peerOutlier compares the provider with its peers on cost per case within each DRG and
// on inpatient cases per approved bed (FRAUD.md §2.7); the window is the peer group's.
func peerOutlier(p Params, in ProviderInput, _ []*Fact, _, _ time.Time) *Hit {
	cases, from := peerCases(p, in)
	var found []map[string]any
	if e := casesPerBed(p, in, cases); e != nil {
		found = append(found, e)
	}
	found = append(found, costPerCase(p, in, cases)...)
	if len(found) == 0 {
		return nil
	}
	return &Hit{Evidence: map[string]any{"window_from": date(from), "outliers": found}}
}

// peerCases are the peer group's cases (live inpatient claims adjudicated or held) in the
// group's window, by provider, and the window's first date.
func peerCases(p Params, in ProviderInput) (map[string][]*Fact, time.Time) {
	var all []*Fact
	for _, peer := range in.Peers {
		all = append(all, peer.Claims...)
	}
	_, from, _ := inWindow(p, all)
	cases := map[string][]*Fact{}
	for _, peer := range in.Peers {
		for _, c := range peer.Claims {
			if c.Inpatient && (c.Status == "adjudicated" || c.Status == "held") && !c.ClaimDate().Before(from) {
				cases[peer.Provider.ID] = append(cases[peer.Provider.ID], c)
			}
		}
	}
	return cases, from
}

func casesPerBed(p Params, in ProviderInput, cases map[string][]*Fact) map[string]any {
	minCases := p.int(PeerOutlier, keyMinCases)
	values := map[string]decimal.Decimal{}
	for _, peer := range in.Peers {
		if n := len(cases[peer.Provider.ID]); n >= minCases && peer.Provider.Beds > 0 {
			values[peer.Provider.ID] = decimal.NewFromInt(int64(n)).DivRound(decimal.NewFromInt(int64(peer.Provider.Beds)), divPlaces)
		}
	}
	return outlier(p, PeerOutlier, in.Provider.ID, values, map[string]any{"metric": "cases_per_bed"})
}

func costPerCase(p Params, in ProviderInput, cases map[string][]*Fact) []map[string]any {
	minCases := p.int(PeerOutlier, keyMinCases)
	byDRG := map[string]map[string][]*Fact{} // drg → provider → cases
	for id, cs := range cases {
		for _, c := range cs {
			if c.DRG == "" {
				continue
			}
			if byDRG[c.DRG] == nil {
				byDRG[c.DRG] = map[string][]*Fact{}
			}
			byDRG[c.DRG][id] = append(byDRG[c.DRG][id], c)
		}
	}
	var out []map[string]any
	for _, g := range slices.Sorted(maps.Keys(byDRG)) {
		values := map[string]decimal.Decimal{}
		for id, cs := range byDRG[g] {
			if len(cs) >= minCases {
				sum := decimal.Zero
				for _, c := range cs {
					sum = sum.Add(c.Total)
				}
				values[id] = sum.DivRound(decimal.NewFromInt(int64(len(cs))), divPlaces)
			}
		}
		if e := outlier(p, PeerOutlier, in.Provider.ID, values, map[string]any{"metric": "cost_per_case", "drg": g}); e != nil {
			out = append(out, e)
		}
	}
	return out
}

// outlier reports whether the provider's value lies above Q3 + k × IQR of the values
// (at least min_peers of them; k and min_peers the rule's), with the quartiles, fence and
// every peer's value.
func outlier(p Params, rule, self string, values map[string]decimal.Decimal, e map[string]any) map[string]any {
	mine, ok := values[self]
	if !ok || len(values) < p.int(rule, keyMinPeers) {
		return nil
	}
	xs := make([]decimal.Decimal, 0, len(values))
	for _, v := range values {
		xs = append(xs, v)
	}
	q1, q3 := Quartiles(xs)
	fence := q3.Add(p.value(rule, keyIQRFactor).Mul(q3.Sub(q1)))
	if !mine.GreaterThan(fence) {
		return nil
	}
	peers := map[string]string{}
	for id, v := range values {
		peers[id] = v.Round(4).String()
	}
	e["value"], e["q1"], e["q3"] = mine.Round(4).String(), q1.Round(4).String(), q3.Round(4).String()
	e["fence"], e["iqr_factor"], e["peers"] = fence.Round(4).String(), p.value(rule, keyIQRFactor).String(), peers
	return e
}

// Quartiles returns Q1 and Q3 by the inclusive method (Python's
// statistics.quantiles(n=4, method='inclusive')); at least two values.
func Quartiles(xs []decimal.Decimal) (q1, q3 decimal.Decimal) {
	s := append([]decimal.Decimal(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i].LessThan(s[j]) })
	m := len(s)
	if m == 1 {
		return s[0], s[0]
	}
	at := func(i int) decimal.Decimal {
		j, delta := i*(m-1)/4, i*(m-1)%4
		if delta == 0 {
			return s[j]
		}
		return s[j].Mul(decimal.NewFromInt(int64(4 - delta))).Add(s[j+1].Mul(decimal.NewFromInt(int64(delta)))).Div(decimal.NewFromInt(4))
	}
	return at(1), at(3)
}
