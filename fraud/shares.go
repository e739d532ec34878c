package fraud

import (
	"time"

	"github.com/shopspring/decimal"
)

// share splits a provider's cases into a rule's denominator and numerator.
type share func(p Params, cases []*Fact) (num, den []*Fact)

// lowSeverity: of all its stays, the non-emergency ones with LOS ≤ max_los and no
// procedure (低标入院, FRAUD.md §8.3). Stays stored before procedures were kept are left
// out of both: their procedures are unknown.
func lowSeverity(p Params, cases []*Fact) (num, den []*Fact) {
	maxLOS := p.int(LowSeverity, keyMaxLOS)
	for _, c := range cases {
		if c.Legacy {
			continue
		}
		den = append(den, c)
		if !c.Emergency && c.LOS() <= maxLOS && !c.Procedures {
			num = append(num, c)
		}
	}
	return num, den
}

// severeShare: of its drg stays in ADRGs with severity subgroups, those grouped to a CC or
// MCC subgroup (FRAUD.md §8.3).
func severeShare(_ Params, cases []*Fact) (num, den []*Fact) {
	for _, c := range cases {
		if c.Method != methodDRG || !HasSubgroups(c.DRG) {
			continue
		}
		den = append(den, c)
		if SeveritySubgroup(c.DRG) {
			num = append(num, c)
		}
	}
	return num, den
}

func lowSeverityAdmissions(p Params, in ProviderInput, _ []*Fact, _, _ time.Time) *Hit {
	return shareOutlier(p, LowSeverity, in, lowSeverity)
}

func severityUpcoding(p Params, in ProviderInput, _ []*Fact, _, _ time.Time) *Hit {
	return shareOutlier(p, SeverityUpcoding, in, severeShare)
}

// shareOutlier compares the provider's share with its peers' (peers, window, quartiles as
// peer_outlier): a provider is compared with at least min_cases in the denominator and fires
// only with at least min_cases in the numerator.
func shareOutlier(p Params, rule string, in ProviderInput, split share) *Hit {
	cases, from := peerCases(p, in)
	minCases := p.int(rule, keyMinCases)
	values := map[string]decimal.Decimal{}
	var mine, mineDen []*Fact
	for _, peer := range in.Peers {
		num, den := split(p, cases[peer.Provider.ID])
		if len(den) < minCases {
			continue
		}
		values[peer.Provider.ID] = decimal.NewFromInt(int64(len(num))).DivRound(decimal.NewFromInt(int64(len(den))), divPlaces)
		if peer.Provider.ID == in.Provider.ID {
			mine, mineDen = num, den
		}
	}
	if len(mine) < minCases {
		return nil
	}
	e := outlier(p, rule, in.Provider.ID, values, map[string]any{"metric": "share", "numerator": len(mine), "denominator": len(mineDen),
		"min_cases": minCases, "window_from": date(from), "claims": keys(mine, 50)})
	if e == nil {
		return nil
	}
	if rule == LowSeverity {
		e["max_los"] = p.int(rule, keyMaxLOS)
	}
	return &Hit{Others: claimKeys(mine), Evidence: e}
}
