// Package settlement is the period close's pure core (POLICY.md §7, §9.25–§9.27): the DRG
// point value of a region, each provider's DRG payment and adjustment, capitation heads and
// amounts, and the year-end global budget. It takes values and returns values; reading
// claims and storing statements belong to store and the shell.
package settlement

import (
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/policy"
)

// DRGClaim is what the point method needs of a drg-method claim of the period.
type DRGClaim struct {
	ProviderID     string
	Points         decimal.Decimal
	MemberPays     decimal.Decimal
	FundToProvider decimal.Decimal // provisional, by the rate method
}

// Region is one region's point value; PointValue and Budget are nil without a drg_region
// budget (the rate-method amounts stand).
type Region struct {
	Region        string
	Cases         int
	Budget        *decimal.Decimal
	SumPoints     decimal.Decimal
	SumMemberPays decimal.Decimal
	PointValue    *decimal.Decimal
}

// ProviderDRG is a provider's DRG settlement: the point-method payment against the
// provisional rate-method amount.
type ProviderDRG struct {
	Cases       int
	Points      decimal.Decimal
	MemberPays  decimal.Decimal
	DRGPayment  decimal.Decimal
	Provisional decimal.Decimal
	Adjustment  decimal.Decimal
}

// PointMethod settles a region's drg claims: point_value = Round(4)((budget + Σ member_pays)
// / Σ points); per provider drg_payment = Round(2)(Σ points × point_value) − Σ member_pays,
// adjustment = drg_payment − Σ provisional fund_to_provider. Without a budget, or without
// points, the provisional amounts stand and the adjustment is zero.
func PointMethod(region string, budget *decimal.Decimal, claims []DRGClaim) (Region, map[string]ProviderDRG) {
	r := Region{Region: region, Cases: len(claims), Budget: budget}
	per := map[string]ProviderDRG{}
	for _, c := range claims {
		p := per[c.ProviderID]
		p.Cases++
		p.Points, p.MemberPays, p.Provisional = p.Points.Add(c.Points), p.MemberPays.Add(c.MemberPays), p.Provisional.Add(c.FundToProvider)
		per[c.ProviderID] = p
		r.SumPoints, r.SumMemberPays = r.SumPoints.Add(c.Points), r.SumMemberPays.Add(c.MemberPays)
	}
	if budget != nil && r.SumPoints.IsPositive() {
		pv := budget.Add(r.SumMemberPays).DivRound(r.SumPoints, 4)
		r.PointValue = &pv
	}
	for id, p := range per {
		p.DRGPayment = p.Provisional
		if r.PointValue != nil {
			p.DRGPayment = p.Points.Mul(*r.PointValue).Round(2).Sub(p.MemberPays)
		}
		p.Adjustment = p.DRGPayment.Sub(p.Provisional)
		per[id] = p
	}
	return r, per
}

// Heads counts capitation heads per provider and scheme for a month: living members,
// enrolled on its first day, whose signup covers that day (dates inclusive), with a
// provider designated that day.
func Heads(month time.Time, members map[string]*policy.Member, providers map[string]*policy.Provider, signups []policy.Signup) map[string]map[string]int {
	first := time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	out := map[string]map[string]int{}
	for _, s := range signups {
		m, p := members[s.MemberID], providers[s.ProviderID]
		switch {
		case m == nil || p == nil:
			continue
		case !m.DeathDate.IsZero() && !m.DeathDate.After(first): // died on or before the 1st
			continue
		case !m.EnrolledOn(first), p.StatusOn(first) != policy.Allowed:
			continue
		case s.From.After(first), !s.To.IsZero() && s.To.Before(first):
			continue
		}
		if out[s.ProviderID] == nil {
			out[s.ProviderID] = map[string]int{}
		}
		out[s.ProviderID][m.Scheme]++
	}
	return out
}

// CapitationAmount is Σ heads × capitation_per_head_month of each scheme (a scheme without
// a rate pays nothing).
func CapitationAmount(heads map[string]int, schemes map[string]*policy.Scheme) decimal.Decimal {
	names := make([]string, 0, len(heads))
	for s := range heads {
		names = append(names, s)
	}
	sort.Strings(names)
	total := decimal.Zero
	for _, s := range names {
		if sc := schemes[s]; sc != nil && sc.CapitationPerHeadMonth != nil {
			total = total.Add(sc.CapitationPerHeadMonth.Mul(decimal.NewFromInt(int64(heads[s]))))
		}
	}
	return total
}

// GlobalOutcome is a provider's year-end global-budget settlement.
type GlobalOutcome struct {
	Budget, Actual, Final, Adjustment decimal.Decimal
}

// GlobalBudget applies §7: A ≤ B keeps a share of the surplus, up to retention_cap × B;
// A > B shares the overspend within overspend_band × B. final = Round(2)(…), adjustment =
// final − A.
func GlobalBudget(budget, actual decimal.Decimal, p policy.GlobalBudget) GlobalOutcome {
	var final decimal.Decimal
	if actual.LessThanOrEqual(budget) {
		kept := decimal.Min(budget.Sub(actual).Mul(p.RetentionRatio), p.RetentionCap.Mul(budget))
		final = actual.Add(kept)
	} else {
		shared := decimal.Min(actual.Sub(budget), p.OverspendBand.Mul(budget)).Mul(p.OverspendShare)
		final = budget.Add(shared)
	}
	final = final.Round(2)
	return GlobalOutcome{Budget: budget, Actual: actual, Final: final, Adjustment: final.Sub(actual)}
}
