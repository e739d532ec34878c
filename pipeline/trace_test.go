package pipeline

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/sample"
)

// boxVisit is an outpatient visit at a provider that dispenses one box of heparin carrying
// a traceability code.
func boxVisit(id, provider, member, on, code string) []byte {
	return []byte(fmt.Sprintf(`{"claim_id":%q,"provider_id":%q,"member_id":%q,"care_type":"outpatient","service_date":%q,`+
		`"lines":[{"item_code":"XB01AB01","service_date":%q,"quantity":"1","unit_price":"25","amount":"25","trace_codes":[%q]}],"total":"25"}`,
		id, provider, member, on, on, code))
}

// twoPartitions returns two sample members whose claims land on different partitions.
func twoPartitions(t *testing.T) (a, b string, pa, pb int) {
	t.Helper()
	bal := &kafka.Murmur2Balancer{}
	part := func(m string) int { return bal.Balance(kafka.Message{Key: []byte(m)}, 0, 1, 2, 3) }
	a, pa = "M000001", part("M000001")
	for i := 2; i <= 9; i++ {
		if m := fmt.Sprintf("M%06d", i); part(m) != pa {
			return a, m, pa, part(m)
		}
	}
	t.Fatal("no two sample members on different partitions")
	return
}

func code(i int) string { return fmt.Sprintf("8%019d", i) }

// TestTraceCodesAcrossPartitions (FRAUD.md §8.1), through Kafka and PostgreSQL:
//   - codes settled by one member's claims are settled again by another member's claims on
//     another partition while the first batch's transaction is still open: the second
//     partition waits for the codes and every one of its claims is flagged
//     trace_code_reused naming its first settlement, and held (0.90 ≥ hold_score 0.8); the
//     first claims are neither flagged nor held: one first settlement per code;
//   - a void frees its code, and a replace that keeps its codes does not fire.
func TestTraceCodesAcrossPartitions(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	ma, mb, pa, pb := twoPartitions(t)
	holding := make(chan struct{})
	var once sync.Once
	stop, _ := e.run(nil, func(c *AdjudicatorConfig) {
		c.FailOn = func(s *claim.Submission) error {
			if strings.HasPrefix(s.Claim.ClaimID, "FIRST-") {
				once.Do(func() { close(holding) })
				time.Sleep(100 * time.Millisecond) // the first batch keeps its transaction, and the codes' locks, open
			}
			return nil
		}
	})
	defer stop()
	const n = 8
	var first, second [][]byte
	for i := range n {
		first = append(first, boxVisit(fmt.Sprintf("FIRST-%d", i), "H1001", ma, fmt.Sprintf("2026-03-%02d", 1+i), code(i)))
		second = append(second, boxVisit(fmt.Sprintf("AGAIN-%d", i), "H2001", mb, fmt.Sprintf("2026-03-%02d", 11+i), code(i)))
	}
	e.submit("B-FIRST", first...)
	select {
	case <-holding:
	case <-time.After(60 * time.Second):
		t.Fatal("the first batch never started")
	}
	e.submit("B-AGAIN", second...) // on partition pb, racing the open transaction on pa
	e.waitSubmissions(2 * n)
	byID := map[string]claim.Result{}
	for _, r := range results(t, e.readAll(e.topics.Adjudicated, 2*n)) {
		byID[r.ClaimID] = r
	}
	if byID["FIRST-0"].Source.Partition != pa || byID["AGAIN-0"].Source.Partition != pb {
		t.Fatalf("partitions %d and %d, want %d and %d", byID["FIRST-0"].Source.Partition, byID["AGAIN-0"].Source.Partition, pa, pb)
	}
	for i := range n {
		f, a := byID[fmt.Sprintf("FIRST-%d", i)], byID[fmt.Sprintf("AGAIN-%d", i)]
		if f.Status != claim.StatusAdjudicated || len(f.Fraud.Rules) != 0 {
			t.Errorf("first settlement %s: %s %+v", f.ClaimID, f.Status, f.Fraud)
		}
		if a.Status != claim.StatusHeld || fmt.Sprint(a.Fraud.Rules) != "[trace_code_reused]" || a.Fraud.Score != "0.9000" || !a.HasReason(claim.ReasonFraudHold) {
			t.Errorf("second settlement %s: %s %+v", a.ClaimID, a.Status, a.Fraud)
		}
	}
	flags := flagsOf(t, e, n)
	for _, f := range flags {
		ev, _ := json.Marshal(f.Evidence)
		i := strings.TrimPrefix(f.ClaimIDs[0], "AGAIN-")
		var k int
		fmt.Sscan(i, &k)
		want := fmt.Sprintf(`"first_settlement":{"claim_id":"FIRST-%s","date":"2026-03-%02d","line":1,"member_id":"%s","provider_id":"H1001"}`, i, 1+k, ma)
		if f.Rule != fraud.TraceCodeReused || f.ProviderID != "H2001" || f.MemberID != mb || f.Severity != "high" ||
			fmt.Sprint(f.ClaimIDs) != fmt.Sprintf("[AGAIN-%s FIRST-%s]", i, i) || !strings.Contains(string(ev), want) {
			t.Errorf("flag %+v %s", f, ev)
		}
	}
	if got := e.count(`SELECT count(*) FROM fraud_flags WHERE rule = 'trace_code_reused'`); got != n {
		t.Errorf("%d trace flags stored, want %d", got, n)
	}
	if got := e.count(`SELECT count(DISTINCT code) FROM trace_settlements WHERE live`); got != n {
		t.Errorf("%d codes settled, want %d", got, n)
	}

	// A void frees its code; a replace keeping its codes does not fire.
	e.submit("B-VOID", boxVisit("FREED-1", "H1001", ma, "2026-03-25", code(100)))
	e.waitSubmissions(2*n + 1)
	e.submit("B-VOID", []byte(fmt.Sprintf(`{"kind":"void","claim":{"claim_id":"FREED-1","provider_id":"H1001","member_id":%q}}`, ma)))
	e.waitSubmissions(2*n + 2)
	e.submit("B-AFTER", boxVisit("FREED-2", "H2001", mb, "2026-03-26", code(100)))
	e.waitSubmissions(2*n + 3)
	replaced := strings.Replace(string(boxVisit("FREED-2", "H2001", mb, "2026-03-26", code(100))), `"25"`, `"24"`, -1)
	e.submit("B-REPLACE", []byte(`{"kind":"replace","claim":`+replaced+`}`))
	e.waitSubmissions(2*n + 4)
	rs := results(t, e.readAll(e.topics.Adjudicated, 2*n+4))
	for _, r := range rs[2*n:] {
		if r.ClaimID == "FREED-2" && (r.Status != claim.StatusAdjudicated || len(r.Fraud.Rules) != 0) {
			t.Errorf("FREED-2 version %d after the void freed its code: %s %+v", r.Version, r.Status, r.Fraud)
		}
	}
	if got := e.count(`SELECT count(*) FROM trace_settlements WHERE live AND code = '` + code(100) + `'`); got != 1 {
		t.Errorf("%d live settlements of the freed code, want 1 (the replacement)", got)
	}

	// A claim and its replace sent together (one micro-batch): only the replacement is live,
	// as a fact and as a settlement; the first version's submission is kept for replays.
	twice := boxVisit("TWICE-1", "H1001", ma, "2026-04-02", code(300))
	e.submit("B-TWICE", twice, []byte(`{"kind":"replace","claim":`+strings.Replace(string(twice), `"25"`, `"24"`, -1)+`}`))
	e.waitSubmissions(2*n + 6)
	if live, all := e.count(`SELECT count(*) FROM claim_facts WHERE claim_id = 'TWICE-1' AND live`),
		e.count(`SELECT count(*) FROM claim_facts WHERE claim_id = 'TWICE-1'`); live != 1 || all != 2 {
		t.Errorf("TWICE-1: %d live facts of %d stored, want 1 of 2", live, all)
	}
	if got := e.count(`SELECT count(*) FROM trace_settlements WHERE live AND code = '` + code(300) + `'`); got != 1 {
		t.Errorf("%d live settlements of TWICE-1's code, want 1", got)
	}
}
