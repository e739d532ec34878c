package payment

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"

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

// dated is a line on a date.
type dated struct {
	ln
	date string
}

var testCatalogue = func() map[string]policy.Item {
	b, err := policy.LoadDir("../sample/bundle", PolicyOptions())
	if err != nil {
		panic(err)
	}
	return b.Catalogue
}()

// billByDay bills a quantity above the item's max_daily_qty as hospitals do, day by day
// from the admission (the last day takes what is left), so the claim's own lines stay
// within the daily caps the fraud rules check; other lines are dated on the first day.
func billByDay(lines []ln, from, to string) []dated {
	start, _ := time.Parse("2006-01-02", from)
	end, _ := time.Parse("2006-01-02", to)
	var out []dated
	for _, l := range lines {
		item := testCatalogue[l.item]
		q := dec(l.qty)
		if item.MaxDailyQty == nil || !q.GreaterThan(*item.MaxDailyQty) || !q.IsInteger() {
			out = append(out, dated{l, from})
			continue
		}
		day := start
		for q.IsPositive() {
			take := decimal.Min(q, *item.MaxDailyQty)
			if !day.AddDate(0, 0, 1).Before(end) {
				take = q
			}
			out = append(out, dated{ln{l.item, take.String(), l.price}, day.Format("2006-01-02")})
			q, day = q.Sub(take), day.AddDate(0, 0, 1)
		}
	}
	return out
}

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
	for _, l := range billByDay(lines, from, to) {
		amt := mul(l.qty, l.price)
		ls = append(ls, map[string]any{"line_no": len(ls) + 1, "item_code": l.item, "service_date": l.date,
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
