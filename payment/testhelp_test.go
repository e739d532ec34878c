package payment

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/policy"
)

// fixedNow is the processing time of every test: 2027-06-30 in Shanghai, so stays in 2026
// and early 2027 are in the past.
func fixedNow() time.Time { return time.Date(2027, 6, 30, 4, 0, 0, 0, time.UTC) }

func sampleBundle(t testing.TB) *policy.Bundle {
	t.Helper()
	b, err := policy.LoadDir("../sample/bundle", PolicyOptions())
	if err != nil {
		t.Fatalf("load sample bundle: %v", err)
	}
	return b
}

func newBook(b *policy.Bundle) *Book {
	return NewBook(NewPolicies(b), BundleDirectory{Bundle: b}, fixedNow)
}

// ln is a claim line: item, quantity, unit price (amount = quantity × price).
type ln struct{ item, qty, price string }

// stay builds an inpatient claim submission; opts edit the claim object.
func stay(id, provider, member, admitted, discharged string, lines []ln, opts ...func(map[string]any)) claim.Submission {
	return build("inpatient", id, provider, member, admitted, discharged, lines, opts...)
}

// visit builds an outpatient claim submission.
func visit(id, provider, member, date string, lines []ln, opts ...func(map[string]any)) claim.Submission {
	return build("outpatient", id, provider, member, date, date, lines, opts...)
}

func build(care, id, provider, member, from, to string, lines []ln, opts ...func(map[string]any)) claim.Submission {
	c := map[string]any{"claim_id": id, "provider_id": provider, "member_id": member, "care_type": care,
		"diagnoses": []string{"K35.800"}}
	if care == "inpatient" {
		c["admitted"], c["discharged"] = from, to
	} else {
		c["service_date"] = from
	}
	var ls []any
	total := "0"
	for i, l := range lines {
		amt := mul(l.qty, l.price)
		ls = append(ls, map[string]any{"line_no": i + 1, "item_code": l.item, "service_date": from,
			"quantity": l.qty, "unit_price": l.price, "amount": amt})
		total = add(total, amt)
	}
	c["lines"], c["total"] = ls, total
	for _, o := range opts {
		o(c)
	}
	b, _ := json.Marshal(map[string]any{"kind": "claim", "batch_id": "T", "claim": c})
	s, err := claim.DecodeSubmission(b)
	if err != nil {
		panic(err)
	}
	return s
}

func mul(a, b string) string { return dec(a).Mul(dec(b)).String() }
func add(a, b string) string { return dec(a).Add(dec(b)).String() }

func referral(from, fromClaim, dir string) func(map[string]any) {
	return func(c map[string]any) {
		c["referral"] = map[string]any{"from_provider_id": from, "from_claim_id": fromClaim, "direction": dir, "approved": true}
	}
}

func emergency(c map[string]any) { c["emergency"] = true }

func crossRegion(kind string) func(map[string]any) {
	return func(c map[string]any) { c["cross_region"] = kind }
}

// amounts renders the member-side amounts of a result for comparison.
func amounts(r claim.Result) string {
	f := func(m *claim.Money) string {
		if m == nil {
			return "-"
		}
		return m.StringFixed(2)
	}
	return fmt.Sprintf("eligible=%s self_pay=%s deductible=%s basic=%s critical=%s assistance=%s fund=%s member=%s",
		f(r.Eligible), f(r.SelfPay), f(r.Deductible), f(r.Basic), f(r.Critical), f(r.Assistance), f(r.FundTotal), f(r.MemberPays))
}
