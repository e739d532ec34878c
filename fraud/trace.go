package fraud

import (
	"slices"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

// TraceUse is one live line's settlement of a traceability code (FRAUD.md §8): the claim
// version and line that carried it and the units it charged to the code (a line carrying k
// codes charges quantity / k to each). A code's uses are kept in the order their claims
// were stored: the first is the code's first settlement.
type TraceUse struct {
	Code     string
	Key      claim.Key
	Version  int
	MemberID string
	Line     int
	Item     string
	Qty      decimal.Decimal
	Date     time.Time
}

// TraceUses lists what a fact settles, code by code in line order.
func TraceUses(f *Fact) []TraceUse {
	n := 0
	for _, l := range f.Lines {
		n += len(l.TraceCodes)
	}
	if n == 0 {
		return nil
	}
	out := make([]TraceUse, 0, n)
	for _, l := range f.Lines {
		if len(l.TraceCodes) == 0 {
			continue
		}
		per := l.Qty
		if len(l.TraceCodes) > 1 {
			per = l.Qty.DivRound(decimal.NewFromInt(int64(len(l.TraceCodes))), divPlaces)
		}
		for _, code := range l.TraceCodes {
			out = append(out, TraceUse{Code: code, Key: f.Key, Version: f.Version, MemberID: f.MemberID, Line: l.No, Item: l.Item,
				Qty: per, Date: l.Date})
		}
	}
	return out
}

// traceCodeReused fires when a code the claim carries was already settled by another live
// claim (any member, any provider), unless the item is sold split (pack_units above 1) and
// the units of all live lines carrying the code stay within pack_units (FRAUD.md §8.1).
// Each code names its first settlement.
func traceCodeReused(_ Params, in ClaimInput) *Hit {
	if !settledElsewhere(in) {
		return nil // most claims: no code another claim settled, nothing is built
	}
	own := TraceUses(in.Claim)
	var reused []map[string]any
	var others []claim.Key
	for i, u := range own {
		if slices.ContainsFunc(own[:i], func(e TraceUse) bool { return e.Code == u.Code }) {
			continue // one report per code
		}
		prior := settledBefore(in.Trace[u.Code], in.Claim.Key)
		if len(prior) == 0 {
			continue
		}
		e := map[string]any{"code": u.Code, "line": u.Line, "item_code": u.Item, "settlements_before": len(prior),
			"first_settlement": settlement(prior[0])}
		if pack := in.Catalogue[u.Item].PackUnits; pack > 1 {
			units := sumQty(prior).Add(ownUnits(own, u.Code))
			if units.LessThanOrEqual(decimal.NewFromInt(int64(pack))) {
				continue // a split sale within the box
			}
			e["pack_units"], e["units_settled"] = pack, units.Round(4).String()
		}
		reused = append(reused, e)
		if !slices.Contains(others, prior[0].Key) {
			others = append(others, prior[0].Key)
		}
	}
	if len(reused) == 0 {
		return nil
	}
	return &Hit{Others: others, Evidence: map[string]any{"reused_codes": reused}}
}

// settledElsewhere reports whether another claim settled a code the claim carries.
func settledElsewhere(in ClaimInput) bool {
	for _, l := range in.Claim.Lines {
		for _, code := range l.TraceCodes {
			for _, u := range in.Trace[code] {
				if u.Key != in.Claim.Key {
					return true
				}
			}
		}
	}
	return false
}

// settledBefore is a code's uses by claims other than k.
func settledBefore(uses []TraceUse, k claim.Key) []TraceUse {
	var out []TraceUse
	for _, u := range uses {
		if u.Key != k {
			out = append(out, u)
		}
	}
	return out
}

func ownUnits(own []TraceUse, code string) decimal.Decimal {
	sum := decimal.Zero
	for _, u := range own {
		if u.Code == code {
			sum = sum.Add(u.Qty)
		}
	}
	return sum
}

func sumQty(uses []TraceUse) decimal.Decimal {
	sum := decimal.Zero
	for _, u := range uses {
		sum = sum.Add(u.Qty)
	}
	return sum
}

// settlement names a use in evidence.
func settlement(u TraceUse) map[string]any {
	return map[string]any{"provider_id": u.Key.ProviderID, "claim_id": u.Key.ClaimID, "member_id": u.MemberID, "line": u.Line,
		"date": date(u.Date)}
}
