package payment

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/policy"
)

func decode(t *testing.T, s string) claim.Submission {
	t.Helper()
	sub, err := claim.DecodeSubmission([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return sub
}

func codes(r claim.Result) string { return strings.Join(r.ReasonCodes(), ",") }

func TestValidationReasons(t *testing.T) {
	b := sampleBundle(t)
	line := []ln{{"PRC02", "1", "1000"}}
	tests := []struct {
		name string
		sub  claim.Submission
		want string
		msg  string
	}{
		{"unknown provider and member together", stay("X", "H9999", "M999999", "2026-03-01", "2026-03-03", line), "unknown_provider,unknown_member", "H9999"},
		{"banned provider", stay("X", "H3009", "M000001", "2026-03-01", "2026-03-03", line), "provider_banned", "barred until 2029-04-01"},
		{"deceased member", stay("X", "H1001", "M000005", "2026-02-08", "2026-02-12", line), "member_deceased", "died on 2026-02-10"},
		{"not enrolled", stay("X", "H1001", "M000006", "2026-03-01", "2026-03-03", line), "member_not_enrolled", "not enrolled on 2026-03-03"},
		{"no policy in force", stay("X", "H1001", "M000001", "2025-12-01", "2025-12-03", line), "no_policy_in_force", "2025-12-03"},
		{"claim defects before party checks", stay("X", "H9999", "M000001", "2026-03-05", "2026-03-01", line), "bad_dates", "before admitted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eff := newBook(b).Process(&tc.sub, nil)
			if eff.Result.Status != claim.StatusRejected || codes(eff.Result) != tc.want {
				t.Fatalf("status %s codes %s, want rejected %s", eff.Result.Status, codes(eff.Result), tc.want)
			}
			if !strings.Contains(eff.Result.Reasons[0].Message, tc.msg) {
				t.Errorf("message %q lacks %q", eff.Result.Reasons[0].Message, tc.msg)
			}
			if eff.New != nil || len(eff.Entries) > 0 {
				t.Error("a rejection must change nothing")
			}
		})
	}
}

// TestDesignationOnTheProcessingDate: a provider's bar and suspension are read on the date
// the claim is processed (POLICY.md §9.7), whatever the claim's own dates: a claim of
// March 2026 processed after the bar ended finds an applicant, not a barred provider.
func TestDesignationOnTheProcessingDate(t *testing.T) {
	b := sampleBundle(t)
	p := *b.Providers["H3009"]
	p.BannedUntil = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
	b.Providers["H3009"] = &p
	during := func() time.Time { return time.Date(2026, 12, 5, 19, 0, 0, 0, time.UTC) } // 03:00 on 6 December in Beijing
	for _, c := range []struct {
		name      string
		provider  string
		now       func() time.Time
		want, msg string
	}{
		{"barred, processed during the bar", "H3009", during, "provider_banned", "barred until 2027-03-01"},
		{"barred, processed after the bar", "H3009", fixedNow, "provider_not_designated", "may re-apply"},
		{"suspended, processed during the suspension", "H2002", during, "provider_not_designated", "not designated on 2026-12-06 (status suspended, suspended until 2027-01-31)"},
		{"suspended, processed after it", "H2002", fixedNow, "", ""},
	} {
		sub := stay("X", c.provider, "M000001", "2026-03-02", "2026-03-04", []ln{{"PRC02", "1", "100"}})
		eff := NewBook(NewPolicies(b), BundleDirectory{Bundle: b}, c.now).Process(&sub, nil)
		if got := codes(eff.Result); !strings.HasPrefix(got, c.want) || (c.want == "" && eff.Result.Status == claim.StatusRejected) {
			t.Errorf("%s: %s %v, want %q", c.name, eff.Result.Status, eff.Result.Reasons, c.want)
		} else if c.msg != "" && !strings.Contains(eff.Result.Reasons[0].Message, c.msg) {
			t.Errorf("%s: %q lacks %q", c.name, eff.Result.Reasons[0].Message, c.msg)
		}
	}
}

func TestIdempotencyConflictAndVersions(t *testing.T) {
	bk := newBook(sampleBundle(t))
	first := stay("C1", "H1001", "M000001", "2026-03-01", "2026-03-03", []ln{{"PRC02", "1", "1000"}})
	eff := bk.Process(&first, &claim.Source{Topic: "t", Partition: 1, Offset: 10})
	if eff.Result.Status != claim.StatusAdjudicated || eff.Result.Version != 1 {
		t.Fatalf("first: %+v", eff.Result)
	}
	totals := *bk.Totals[MemberYear{"M000001", 2026}]

	// Same content, decimals written differently: the stored amounts and version, nothing
	// applied, answered with the resubmission's own source and batch id (CONTRACT.md).
	same := decode(t, strings.Replace(string(mustJSON(first)), `"1000"`, `"1000.00"`, -1))
	same.BatchID = "B2"
	again := bk.Process(&same, &claim.Source{Topic: "t", Partition: 1, Offset: 11})
	if !again.Replayed || again.Result.Source.Offset != 11 || again.Result.BatchID != "B2" || again.New != nil {
		t.Errorf("idempotent resubmission: replayed %v source %+v batch %q", again.Replayed, again.Result.Source, again.Result.BatchID)
	}
	if again.Result.Version != 1 || !again.Result.FundTotal.Equal(eff.Result.FundTotal.Dec()) || len(again.Result.Explanation) != len(eff.Result.Explanation) {
		t.Errorf("idempotent resubmission: version %d fund %s, want the stored result", again.Result.Version, again.Result.FundTotal)
	}
	if eff.Result.Source.Offset != 10 {
		t.Errorf("the replay changed the stored result's source: %+v", eff.Result.Source)
	}
	if !bk.Totals[MemberYear{"M000001", 2026}].Equal(&totals) {
		t.Error("an idempotent resubmission changed the accumulators")
	}

	// Different content under the same id: duplicate_conflict, checked before claim checks.
	conflict := stay("C1", "H1001", "M000001", "2026-03-05", "2026-03-01", []ln{{"PRC02", "1", "999"}})
	if r := bk.Process(&conflict, nil).Result; codes(r) != "duplicate_conflict" {
		t.Errorf("conflict: %v", r.Reasons)
	}

	// A rejected claim does not hold its id: its corrected version is adjudicated.
	bad := stay("C2", "H1001", "M000001", "2026-03-05", "2026-03-01", []ln{{"PRC02", "1", "10"}})
	if r := bk.Process(&bad, nil).Result; r.Status != claim.StatusRejected {
		t.Fatalf("bad: %s", r.Status)
	}
	fixed := stay("C2", "H1001", "M000001", "2026-03-01", "2026-03-05", []ln{{"PRC02", "1", "10"}})
	if r := bk.Process(&fixed, nil).Result; r.Status != claim.StatusAdjudicated || r.Version != 1 {
		t.Errorf("corrected resubmission: %s v%d %v", r.Status, r.Version, r.Reasons)
	}
}

func mustJSON(s claim.Submission) []byte {
	c := s.Claim
	lines := []map[string]any{}
	for _, l := range c.Lines {
		lines = append(lines, map[string]any{"line_no": l.LineNo, "item_code": l.ItemCode, "service_date": claim.FormatDate(l.ServiceDate),
			"quantity": l.Quantity.String(), "unit_price": l.UnitPrice.String(), "amount": l.Amount.String()})
	}
	m := map[string]any{"claim_id": c.ClaimID, "provider_id": c.ProviderID, "member_id": c.MemberID, "care_type": c.CareType,
		"admitted": claim.FormatDate(c.Admitted), "discharged": claim.FormatDate(c.Discharged), "diagnoses": c.Diagnoses,
		"lines": lines, "total": c.Total.String()}
	b, _ := json.Marshal(m)
	return b
}

func TestVoidAndReplace(t *testing.T) {
	bk := newBook(sampleBundle(t))
	key := MemberYear{"M000001", 2026}
	a := stay("A", "H1001", "M000001", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "1000"}})
	bk.Process(&a, nil)
	afterA := *bk.Totals[key]
	b := stay("B", "H1001", "M000001", "2026-03-01", "2026-03-05", []ln{{"PRC02", "1", "2000"}})
	if r := bk.Process(&b, nil).Result; r.Deductible.Dec().String() != "200" {
		t.Fatalf("B is a readmission: deductible %s", r.Deductible.Dec())
	}

	voidB := decode(t, `{"kind":"void","claim":{"provider_id":"H1001","claim_id":"B","member_id":"M000001"}}`)
	eff := bk.Process(&voidB, nil)
	if eff.Result.Status != claim.StatusVoided || eff.Result.Method != "ffs" || eff.Result.FundTotal != nil || eff.Voided == nil {
		t.Fatalf("void: %+v", eff.Result)
	}
	if !bk.Totals[key].Equal(&afterA) {
		t.Errorf("void did not restore the accumulators:\n got %v\nwant %v", *bk.Totals[key], afterA)
	}
	for _, e := range eff.Entries {
		if !e.Reversal {
			t.Errorf("void posted a non-reversing entry %+v", e)
		}
	}
	if again := bk.Process(&voidB, nil); !again.Replayed || again.Result.Status != claim.StatusVoided {
		t.Errorf("second void: %+v", again.Result)
	}
	otherMember := decode(t, `{"kind":"void","claim":{"provider_id":"H1001","claim_id":"A","member_id":"M000002"}}`)
	if r := bk.Process(&otherMember, nil).Result; codes(r) != "unknown_claim" {
		t.Errorf("void of another member's claim: %v", r.Reasons)
	}
	noIDs := decode(t, `{"kind":"void","claim":{}}`)
	if r := bk.Process(&noIDs, nil).Result; codes(r) != "missing_field" {
		t.Errorf("void without ids: %v", r.Reasons)
	}
	// A claim under a voided id is adjudicated as a new version.
	if r := bk.Process(&b, nil).Result; r.Status != claim.StatusAdjudicated || r.Version != 2 || r.Deductible.Dec().String() != "200" {
		t.Errorf("resubmission after void: %s v%d D %s", r.Status, r.Version, r.Deductible.Dec())
	}

	// Replace: atomic. A rejected replacement leaves the original standing.
	before := *bk.Totals[key]
	badRepl := decode(t, strings.Replace(string(mustJSON(stay("A", "H1001", "M000001", "2026-02-05", "2026-02-01", []ln{{"PRC02", "1", "1500"}}))), `{"claim_id"`, `{"claim_id"`, 1))
	badRepl.Kind = claim.KindReplace
	if r := bk.Process(&badRepl, nil).Result; r.Status != claim.StatusRejected || codes(r) != "bad_dates" {
		t.Fatalf("bad replacement: %s %v", r.Status, r.Reasons)
	}
	if !bk.Totals[key].Equal(&before) || bk.Claims[claim.Key{ProviderID: "H1001", ClaimID: "A"}].Status != claim.StatusAdjudicated {
		t.Fatal("a rejected replacement changed the original")
	}
	repl := stay("A", "H1001", "M000001", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "1500"}})
	repl.Kind = claim.KindReplace
	eff = bk.Process(&repl, nil)
	// A is voided, then re-adjudicated: B (v2) is still an earlier admission this year, so
	// D = 300 − 100 = 200; basic (1500 − 200) × 0.85 = 1105.
	if eff.Result.Version != 2 || eff.Voided == nil || eff.Result.Basic.Dec().String() != "1105" {
		t.Fatalf("replace: v%d basic %s voided %v", eff.Result.Version, eff.Result.Basic.Dec(), eff.Voided != nil)
	}
	if again := bk.Process(&repl, nil); !again.Replayed {
		t.Error("a replace equal to the current version must return the stored result")
	}
	unknown := stay("Z", "H1001", "M000001", "2026-02-01", "2026-02-05", []ln{{"PRC02", "1", "1"}})
	unknown.Kind = claim.KindReplace
	if r := bk.Process(&unknown, nil).Result; codes(r) != "unknown_claim" {
		t.Errorf("replace of an unknown claim: %v", r.Reasons)
	}
}

func TestReferralChainStops(t *testing.T) {
	bk := newBook(sampleBundle(t))
	// An outpatient visit in the chain contributes nothing and stops it.
	v := visit("V", "H1002", "M000009", "2026-02-01", []ln{{"LAB02", "1", "500"}})
	bk.Process(&v, nil)
	s := stay("S", "H3001", "M000009", "2026-02-02", "2026-02-06", []ln{{"PRC01", "1", "5000"}}, referral("H1002", "V", "up"))
	if r := bk.Process(&s, nil).Result; r.Deductible.Dec().String() != "1200" {
		t.Errorf("outpatient referral source: D %s, want 1200", r.Deductible.Dec())
	}
	// Another member's stay is not part of the chain.
	o := stay("O", "H1002", "M000001", "2026-02-01", "2026-02-03", []ln{{"PRC02", "1", "1000"}})
	bk.Process(&o, nil)
	s2 := stay("S2", "H2001", "M000002", "2026-02-04", "2026-02-06", []ln{{"PRC01", "1", "5000"}}, referral("H1002", "O", "up"))
	if r := bk.Process(&s2, nil).Result; r.Deductible.Dec().String() != "500" {
		t.Errorf("another member's referral source: D %s, want 500 (employee level 2)", r.Deductible.Dec())
	}
}

func TestPolicyVersionByDate(t *testing.T) {
	b1 := sampleBundle(t)
	b2 := sampleBundle(t)
	b2.Version = "2026.2"
	b2.EffectiveFrom = time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	b2.Schemes["resident"].Inpatient.Levels[1] = &policy.LevelRule{Deductible: dec("250"), Bands: b1.Schemes["resident"].Inpatient.Levels[1].Bands}
	bk := NewBook(NewPolicies(b2, b1), BundleDirectory{Bundle: b1}, fixedNow)
	early := stay("E", "H1001", "M000001", "2026-06-28", "2026-06-30", []ln{{"PRC02", "1", "1000"}})
	late := stay("L", "H1001", "M000009", "2026-06-29", "2026-07-01", []ln{{"PRC02", "1", "1000"}})
	if r := bk.Process(&early, nil).Result; r.PolicyVersion != "2026.1" || r.Deductible.Dec().String() != "300" {
		t.Errorf("discharged 2026-06-30: %s D %s", r.PolicyVersion, r.Deductible.Dec())
	}
	if r := bk.Process(&late, nil).Result; r.PolicyVersion != "2026.2" || r.Deductible.Dec().String() != "250" {
		t.Errorf("discharged 2026-07-01: %s D %s", r.PolicyVersion, r.Deductible.Dec())
	}
}

// TestFraudHistoryFollowsVoidsAndReplaces: the claim rules compare live claims only — a
// replacement is not a duplicate of the version it replaces, a claim resubmitted after a
// void is not a duplicate of the voided one, an identical resubmission is not a second
// claim; a real second bill of the same item and day is.
func TestFraudHistoryFollowsVoidsAndReplaces(t *testing.T) {
	bk := newBook(sampleBundle(t))
	first := visit("V1", "H1001", "M000001", "2026-03-10", []ln{{"SRV01", "1", "30"}, {"LAB01", "1", "25"}})
	if r := bk.Process(&first, nil).Result; r.Fraud == nil || len(r.Fraud.Rules) != 0 {
		t.Fatalf("first visit: %+v", r.Fraud)
	}
	if r := bk.Process(&first, nil); !r.Replayed || len(r.Result.Fraud.Rules) != 0 {
		t.Errorf("an identical resubmission is screened again: %+v", r.Result.Fraud)
	}
	repl := visit("V1", "H1001", "M000001", "2026-03-10", []ln{{"SRV01", "1", "30"}, {"LAB01", "2", "25"}})
	repl.Kind = claim.KindReplace
	if r := bk.Process(&repl, nil).Result; r.Version != 2 || len(r.Fraud.Rules) != 0 {
		t.Errorf("the replacement duplicates its own earlier version: v%d %+v", r.Version, r.Fraud)
	}
	void := decode(t, `{"kind":"void","claim":{"provider_id":"H1001","claim_id":"V1","member_id":"M000001"}}`)
	bk.Process(&void, nil)
	again := visit("V2", "H1002", "M000001", "2026-03-10", []ln{{"SRV01", "1", "30"}, {"LAB01", "1", "25"}})
	if r := bk.Process(&again, nil).Result; len(r.Fraud.Rules) != 0 {
		t.Errorf("a claim after the void duplicates the voided one: %+v", r.Fraud)
	}
	dup := visit("V3", "H2001", "M000001", "2026-03-10", []ln{{"LAB01", "1", "25"}})
	r := bk.Process(&dup, nil).Result
	if fmt.Sprint(r.Fraud.Rules) != "[duplicate_charge]" || r.Fraud.Score != "0.7000" || r.Status != claim.StatusAdjudicated {
		t.Errorf("a second bill of the same test and day: %s %+v", r.Status, r.Fraud)
	}
}

// TestLongPrescription: a 12-week prescription of one tablet a day (84 tablets, days_supply
// 84; the item's max_daily_qty is 30) is adjudicated with no rule fired; the same line
// without days_supply fires daily_cap and is held, as before; a days_supply outside 1..366
// is malformed.
func TestLongPrescription(t *testing.T) {
	b := sampleBundle(t)
	supply := func(n any) func(map[string]any) {
		return func(c map[string]any) { c["lines"].([]any)[0].(map[string]any)["days_supply"] = n }
	}
	long := visit("RX1", "H1001", "M000001", "2026-03-02", []ln{{"XC10AA05", "84", "2.40"}}, supply(84))
	if r := newBook(b).Process(&long, nil).Result; r.Status != claim.StatusAdjudicated || r.Fraud == nil || len(r.Fraud.Rules) != 0 {
		t.Errorf("a long prescription: %s %+v", r.Status, r.Fraud)
	}
	plain := visit("RX2", "H1001", "M000001", "2026-03-02", []ln{{"XC10AA05", "84", "2.40"}})
	if r := newBook(b).Process(&plain, nil).Result; r.Status != claim.StatusHeld || !slices.Contains(r.Fraud.Rules, "daily_cap") {
		t.Errorf("84 tablets on one day: %s %+v", r.Status, r.Fraud)
	}
	for _, bad := range []any{0, 367, "7", 1.5} {
		s := visit("RX3", "H1001", "M000001", "2026-03-02", []ln{{"XC10AA05", "84", "2.40"}}, supply(bad))
		if r := newBook(b).Process(&s, nil).Result; !r.HasReason(claim.ReasonMalformed) || !strings.Contains(r.Reasons[0].Message, "days_supply") {
			t.Errorf("days_supply %v: %s %v", bad, r.Status, r.Reasons)
		}
	}
}
