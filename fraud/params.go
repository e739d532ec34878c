// Package fraud is the fraud stage's pure core (FRAUD.md): the claim rules run beside
// pricing, the provider rules and peer groups scoring evaluates, scores, the payment-
// suspension latch, and the parameters a bundle sets; cases, decisions, fines, sanctions,
// and what each case move does to flags, payments and designation and publishes. It takes
// values and returns values; it never reads a database or a topic.
package fraud

import (
	"github.com/shopspring/decimal"

	"medclaims/policy"
)

// Rule ids (FRAUD.md §1).
const (
	AfterDeath      = "after_death"
	OverlappingStay = "overlapping_stay"
	DailyCap        = "daily_cap"
	HoursOver24     = "hours_over_24"
	BedDaysOverStay = "bed_days_over_stay"
	DuplicateCharge = "duplicate_charge"
	SplitAdmission  = "split_admission"
	TraceCodeReused = "trace_code_reused"
	UnsupportedCC   = "unsupported_cc"
	CostShifting    = "cost_shifting"

	CensusOverBeds      = "census_over_beds"
	GroupAdmission      = "group_admission"
	ClonedClaims        = "cloned_claims"
	PractitionerOver24h = "practitioner_over_24h"
	PeerOutlier         = "peer_outlier"
	LowSeverity         = "low_severity_admissions"
	SeverityUpcoding    = "severity_upcoding"
)

// ClaimRuleIDs and ProviderRuleIDs list the rules in the order they are evaluated.
var (
	ClaimRuleIDs = []string{AfterDeath, OverlappingStay, DailyCap, HoursOver24, BedDaysOverStay, DuplicateCharge, SplitAdmission,
		TraceCodeReused, UnsupportedCC, CostShifting}
	ProviderRuleIDs = []string{CensusOverBeds, GroupAdmission, ClonedClaims, PractitionerOver24h, PeerOutlier, LowSeverity, SeverityUpcoding}
)

// Parameter names beyond weight.
const (
	keyWeight     = "weight"
	keyDays       = "days"
	keyMinMembers = "min_members"
	keyIQRFactor  = "iqr_factor"
	keyMinCases   = "min_cases"
	keyMinPeers   = "min_peers"
	keyMaxHours   = "max_hours"
	keyMaxLOS     = "max_los"
)

// defaults are every rule's weight and thresholds when the bundle is silent.
var defaults = map[string]map[string]decimal.Decimal{
	AfterDeath:          {keyWeight: d("0.95")},
	OverlappingStay:     {keyWeight: d("0.90")},
	DailyCap:            {keyWeight: d("0.85")},
	HoursOver24:         {keyWeight: d("0.90"), keyMaxHours: d("24")},
	BedDaysOverStay:     {keyWeight: d("0.85")},
	DuplicateCharge:     {keyWeight: d("0.70")},
	SplitAdmission:      {keyWeight: d("0.60"), keyDays: d("15")},
	CensusOverBeds:      {keyWeight: d("0.95")},
	GroupAdmission:      {keyWeight: d("0.80"), keyMinMembers: d("8")},
	ClonedClaims:        {keyWeight: d("0.80"), keyMinMembers: d("5"), keyDays: d("30")},
	PractitionerOver24h: {keyWeight: d("0.85"), keyMaxHours: d("24")},
	PeerOutlier:         {keyWeight: d("0.50"), keyIQRFactor: d("1.5"), keyMinCases: d("5"), keyMinPeers: d("4")},
	TraceCodeReused:     {keyWeight: d("0.90")},
	UnsupportedCC:       {keyWeight: d("0.60")},
	CostShifting:        {keyWeight: d("0.50"), keyDays: d("3")},
	LowSeverity:         {keyWeight: d("0.50"), keyMaxLOS: d("2"), keyIQRFactor: d("1.5"), keyMinCases: d("5"), keyMinPeers: d("4")},
	SeverityUpcoding:    {keyWeight: d("0.50"), keyIQRFactor: d("1.5"), keyMinCases: d("5"), keyMinPeers: d("4")},
}

func d(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// RuleKeys describes the parameters each rule takes, for validating a bundle.
func RuleKeys() map[string]map[string]string {
	out := map[string]map[string]string{}
	for id, keys := range defaults {
		out[id] = map[string]string{}
		for k := range keys {
			switch k {
			case keyWeight:
				out[id][k] = policy.FraudWeight
			case keyIQRFactor, keyMaxHours:
				out[id][k] = policy.FraudDecimal
			default:
				out[id][k] = policy.FraudInt
			}
		}
	}
	return out
}

// Params are the fraud parameters in force: the bundle's, over the defaults.
type Params struct {
	FlagScore, HoldScore     decimal.Decimal
	WindowDays, ResponseDays int
	People                   PeopleParams
	rules                    map[string]rule
}

type rule struct {
	enabled bool
	values  map[string]decimal.Decimal
}

// NewParams applies a bundle's fraud section over the defaults.
func NewParams(p policy.FraudParams) Params {
	out := Params{FlagScore: d("0.5"), HoldScore: d("0.8"), WindowDays: 90, ResponseDays: 15, People: peopleOver(p.People), rules: map[string]rule{}}
	if p.FlagScore != nil {
		out.FlagScore = *p.FlagScore
	}
	if p.HoldScore != nil {
		out.HoldScore = *p.HoldScore
	}
	if p.WindowDays > 0 {
		out.WindowDays = p.WindowDays
	}
	if p.ResponseDays > 0 {
		out.ResponseDays = p.ResponseDays
	}
	for id, def := range defaults {
		r := rule{enabled: true, values: map[string]decimal.Decimal{}}
		for k, v := range def {
			r.values[k] = v
		}
		if bp, ok := p.Rules[id]; ok {
			if bp.Enabled != nil {
				r.enabled = *bp.Enabled
			}
			for k, v := range bp.Values {
				r.values[k] = v
			}
		}
		out.rules[id] = r
	}
	return out
}

// Enabled reports whether a rule runs.
func (p Params) Enabled(id string) bool { return p.rules[id].enabled }

// Weight is a rule's weight.
func (p Params) Weight(id string) decimal.Decimal { return p.rules[id].values[keyWeight] }

// Reach is how many days before a claim's earliest date the claim rules may find a live
// claim of the member to compare it with. split_admission looks back its gap in days; the
// other pair rules compare claims sharing a date or a night, and a live claim's dates end on
// its claim date (discharge or visit). A month more covers a live claim whose lines run past
// its claim date (a member_deceased rejection is live with whatever dates it was sent with).
// A member's live claims dated from earliest − Reach on are all the history the rules see.
// cost_shifting looks its days before an admission and after a discharge.
func (p Params) Reach() int {
	return max(0, p.int(SplitAdmission, keyDays), p.int(CostShifting, keyDays)) + 31
}

func (p Params) value(id, key string) decimal.Decimal { return p.rules[id].values[key] }

func (p Params) int(id, key string) int { return int(p.rules[id].values[key].IntPart()) }

// AllOff is a fraud section that switches every rule off: pricing as it was before the
// fraud stage, to compare with.
func AllOff() policy.FraudParams {
	no := false
	p := policy.FraudParams{Rules: map[string]policy.FraudRuleParams{}}
	for _, id := range append(append([]string{}, ClaimRuleIDs...), ProviderRuleIDs...) {
		p.Rules[id] = policy.FraudRuleParams{Enabled: &no}
	}
	return p
}
