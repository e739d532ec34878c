// Package payment adjudicates claims: eligible amounts, member cost sharing, provider
// payment and the explanation of every amount (POLICY.md §3–§6, §9). Its functions are
// pure over (claim, policy, member and provider facts, accumulators); it never speaks SQL,
// Kafka or HTTP. The Book applies submissions (claim, void, replace) to an in-memory view of
// claims and accumulators so the offline price path and the Kafka path share one code path.
package payment

import (
	"fmt"

	"github.com/shopspring/decimal"
)

// Kind is a member accumulator (a ledger entry kind).
type Kind int

// Accumulator kinds, per member and calendar year (POLICY.md §5).
const (
	AdmissionsL1 Kind = iota // adjudicated inpatient stays at level 1 (2, 3 below)
	AdmissionsL2
	AdmissionsL3
	DeductiblePaid
	BasicPaid
	EligibleOOP // eligible out-of-pocket, eligible − basic, inpatient and outpatient together
	CriticalPaid
	AssistancePaid
	OPDeductiblePaid
	OPBasicPaid
	numKinds
)

var kindNames = [numKinds]string{"admissions_l1", "admissions_l2", "admissions_l3",
	"deductible", "basic", "eligible_oop", "critical", "assistance", "op_deductible", "op_basic"}

func (k Kind) String() string { return kindNames[k] }

// ParseKind maps a stored kind name back to its Kind.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown accumulator kind %q", s)
}

// Kinds lists every accumulator kind.
func Kinds() []Kind {
	out := make([]Kind, numKinds)
	for i := range out {
		out[i] = Kind(i)
	}
	return out
}

// Totals are a member's year-to-date accumulators.
type Totals [numKinds]decimal.Decimal

// Get returns one accumulator.
func (t *Totals) Get(k Kind) decimal.Decimal { return t[k] }

// Admitted reports whether any inpatient stay is on the accumulators (at any level).
func (t *Totals) Admitted() bool {
	return t[AdmissionsL1].IsPositive() || t[AdmissionsL2].IsPositive() || t[AdmissionsL3].IsPositive()
}

// Delta is a signed change of one accumulator.
type Delta struct {
	Kind   Kind
	Amount decimal.Decimal
}

// Apply adds the deltas to the totals.
func (t *Totals) Apply(ds []Delta) {
	for _, d := range ds {
		t[d.Kind] = t[d.Kind].Add(d.Amount)
	}
}

// Reverse returns the deltas with the opposite sign (a void's reversing entries).
func Reverse(ds []Delta) []Delta {
	out := make([]Delta, len(ds))
	for i, d := range ds {
		out[i] = Delta{Kind: d.Kind, Amount: d.Amount.Neg()}
	}
	return out
}

// MemberYear keys a member's accumulators.
type MemberYear struct {
	MemberID string
	Year     int
}

// Equal reports whether two totals are numerically equal.
func (t *Totals) Equal(o *Totals) bool {
	for i := range t {
		if !t[i].Equal(o[i]) {
			return false
		}
	}
	return true
}
