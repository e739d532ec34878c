package claim_test

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/sample"
)

// plain is Result without its methods: encoding/json renders it by reflection.
type plain claim.Result

// TestResultJSONMatchesEncodingJSON holds Result.AppendJSON byte for byte equal to
// encoding/json over the results of the demo batch, synthetic claims of every payment
// method, the labelled fraud stream and hand-made edge cases, and checks that those
// results set every field at least once, so a field added to Result and forgotten by
// AppendJSON fails here.
func TestResultJSONMatchesEncodingJSON(t *testing.T) {
	results := edgeResults()
	demo, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	synthetic, err := sample.SyntheticBundle(300)
	if err != nil {
		t.Fatal(err)
	}
	stream, err := sample.Eval(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	results = append(results, priced(t, demo, sample.DemoBatch())...)
	results = append(results, priced(t, synthetic, sample.Synthetic(1500, 300, 7))...)
	results = append(results, priced(t, stream.Bundle, stream.Items)...)
	for i := range results {
		r := &results[i]
		want, err := json.Marshal((*plain)(r))
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); !bytes.Equal(got, want) {
			t.Fatalf("result %d (%s/%s):\n got %s\nwant %s", i, r.ProviderID, r.ClaimID, got, want)
		}
	}
	setAtLeastOnce(t, results)
}

// priced runs the items through a Book as the adjudicator does, voids and replaces included.
func priced(t *testing.T, b *policy.Bundle, items [][]byte) []claim.Result {
	t.Helper()
	now := func() time.Time { return time.Date(2026, 12, 1, 8, 30, 0, 123456789, time.UTC) }
	book := payment.NewBook(payment.NewPolicies(b), payment.BundleDirectory{Bundle: b}, now)
	var out []claim.Result
	for i, it := range items {
		s, err := claim.DecodeSubmission(it)
		if err != nil {
			continue
		}
		if i%2 == 0 {
			s.BatchID = "B<2026>&1"
		}
		eff := book.Process(&s, &claim.Source{Topic: "claims.submitted", Partition: i % 8, Offset: int64(i)})
		out = append(out, eff.Result)
		if eff.Voided != nil && eff.Voided.VoidResult != nil {
			out = append(out, *eff.Voided.VoidResult)
		}
	}
	return out
}

func edgeResults() []claim.Result {
	m := claim.M(decimal.RequireFromString("12.345"))
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	return []claim.Result{
		{ClaimID: "<a&b>", ProviderID: "H\u2028\u2029", MemberID: "bad \xff utf8 \x00\x01\b\f\n\r\t \"q\" \\", Status: claim.StatusRejected,
			AdjudicatedAt: at},
		{ClaimID: "C1", Reasons: []claim.Reason{}, DRG: &claim.DRGInfo{}, Fraud: &claim.FraudInfo{Score: "0"}, Version: -3,
			Explanation: []claim.Step{{Step: "a<b", Detail: "x & y \u2028", Amount: m}, {Step: "", Detail: ""}}},
		{ClaimID: "C2", Reasons: []claim.Reason{{Code: "c", Message: "m <>"}}, Fraud: &claim.FraudInfo{Score: "1.5", Rules: []string{}, Held: true},
			Source: &claim.Source{Topic: "t", Partition: 0, Offset: 0}, DRG: &claim.DRGInfo{Outlier: "high"}},
	}
}

// setAtLeastOnce fails for a field of Result, or of its DRG and fraud blocks, that no
// result sets.
func setAtLeastOnce(t *testing.T, results []claim.Result) {
	t.Helper()
	check := func(name string, typ reflect.Type, get func(claim.Result) (reflect.Value, bool)) {
		for i := range typ.NumField() {
			seen := false
			for _, r := range results {
				if v, ok := get(r); ok && !v.Field(i).IsZero() {
					seen = true
					break
				}
			}
			if !seen {
				t.Errorf("no result sets %s.%s: add one that does", name, typ.Field(i).Name)
			}
		}
	}
	check("Result", reflect.TypeFor[claim.Result](), func(r claim.Result) (reflect.Value, bool) { return reflect.ValueOf(r), true })
	check("DRGInfo", reflect.TypeFor[claim.DRGInfo](), func(r claim.Result) (reflect.Value, bool) {
		return reflect.ValueOf(r.DRG).Elem(), r.DRG != nil
	})
	check("FraudInfo", reflect.TypeFor[claim.FraudInfo](), func(r claim.Result) (reflect.Value, bool) {
		return reflect.ValueOf(r.Fraud).Elem(), r.Fraud != nil
	})
}
