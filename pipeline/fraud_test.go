package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/sample"
)

// inpatient is a stay of the sample bundle billed by day (one bed and one nursing day a
// night), with an appendectomy on the second day.
func inpatient(id, provider, member, admitted, discharged string) []byte {
	a, _ := time.Parse("2006-01-02", admitted)
	d, _ := time.Parse("2006-01-02", discharged)
	var lines []string
	cents := 0
	for day := a; day.Before(d); day = day.AddDate(0, 0, 1) {
		on := day.Format("2006-01-02")
		lines = append(lines, fmt.Sprintf(`{"item_code":"BED01","service_date":%q,"quantity":"1","unit_price":"60.00","amount":"60.00"}`, on),
			fmt.Sprintf(`{"item_code":"NUR01","service_date":%q,"quantity":"1","unit_price":"30.00","amount":"30.00"}`, on))
		cents += 9000
	}
	lines = append(lines, fmt.Sprintf(`{"item_code":"PRC02","service_date":%q,"quantity":"1","unit_price":"4200.00","amount":"4200.00"}`, a.AddDate(0, 0, 1).Format("2006-01-02")))
	cents += 420000
	return []byte(fmt.Sprintf(`{"claim_id":%q,"provider_id":%q,"member_id":%q,"care_type":"inpatient","admitted":%q,"discharged":%q,`+
		`"diagnoses":["K35.800"],"procedures":["47.0901"],"lines":[%s],"total":"%d.%02d"}`, id, provider, member, admitted, discharged,
		strings.Join(lines, ","), cents/100, cents%100))
}

func outpatient(id, provider, member, on string) []byte {
	return []byte(fmt.Sprintf(`{"claim_id":%q,"provider_id":%q,"member_id":%q,"care_type":"outpatient","service_date":%q,`+
		`"lines":[{"item_code":"SRV01","service_date":%q,"quantity":"1","unit_price":"30","amount":"30"}],"total":"30"}`, id, provider, member, on, on))
}

// fraudStream is the stream of TestFraudOnTheStream: an after-death visit, two overlapping
// stays at two providers, and a clean provider's claims around them.
func fraudStream() [][]byte {
	return [][]byte{
		outpatient("CLEAN-1", "H1002", "M000001", "2026-03-02"),
		outpatient("DEAD-1", "H1001", "M000005", "2026-03-01"),
		inpatient("STAY-A", "H3001", "M000002", "2026-03-01", "2026-03-10"),
		outpatient("CLEAN-2", "H1002", "M000001", "2026-03-20"),
		inpatient("STAY-B", "H2001", "M000002", "2026-03-05", "2026-03-08"),
		outpatient("CLEAN-3", "H1002", "M000003", "2026-03-21"),
	}
}

func flagsOf(t *testing.T, e *env, n int) []fraud.Flag {
	t.Helper()
	var out []fraud.Flag
	for _, m := range e.readAll(e.topics.FraudFlags, n) {
		var f fraud.Flag
		if err := json.Unmarshal(m.Value, &f); err != nil {
			t.Fatal(err)
		}
		if string(m.Key) != f.ProviderID {
			t.Errorf("flag %s keyed %q, want the provider", f.FlagID, m.Key)
		}
		out = append(out, f)
	}
	return out
}

// TestFraudOnTheStream: through Kafka and PostgreSQL an after-death claim is rejected
// member_deceased and flagged after_death; an overlapping stay is held with both claims in
// its flag; a clean provider's claims come out as they would with the fraud stage off.
func TestFraudOnTheStream(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	e.submit("B-FRAUD", fraudStream()...)
	stop, _ := e.run(nil, nil)
	defer stop()
	e.waitSubmissions(6)
	byID := map[string]claim.Result{}
	for _, r := range results(t, e.readAll(e.topics.Adjudicated, 6)) {
		byID[r.ClaimID] = r
	}
	dead := byID["DEAD-1"]
	if dead.Status != claim.StatusRejected || !dead.HasReason(claim.ReasonMemberDeceased) || dead.Fraud == nil ||
		fmt.Sprint(dead.Fraud.Rules) != "[after_death]" || dead.Fraud.Score != "0.9500" {
		t.Errorf("after-death claim: %s %v %+v", dead.Status, dead.ReasonCodes(), dead.Fraud)
	}
	b := byID["STAY-B"]
	// Its bed and nursing days are billed by the other provider too: a duplicate charge.
	if b.Status != claim.StatusHeld || !b.HasReason(claim.ReasonFraudHold) || !b.Fraud.Held || fmt.Sprint(b.Fraud.Rules) != "[overlapping_stay duplicate_charge]" {
		t.Errorf("overlapping stay: %s %v %+v", b.Status, b.Reasons, b.Fraud)
	}
	if a := byID["STAY-A"]; a.Status != claim.StatusAdjudicated || a.Fraud.Score != "0.0000" {
		t.Errorf("the earlier stay is not re-scored or held: %s %+v", a.Status, a.Fraud)
	}
	flags := flagsOf(t, e, 3)
	sort.Slice(flags, func(i, j int) bool { return flags[i].Rule < flags[j].Rule })
	ad, dup, ov := flags[0], flags[1], flags[2]
	if dup.Rule != fraud.DuplicateCharge || fmt.Sprint(dup.ClaimIDs) != "[STAY-B STAY-A]" {
		t.Errorf("duplicate_charge flag %+v", dup)
	}
	ev, _ := json.Marshal(ad.Evidence)
	if ad.Rule != fraud.AfterDeath || ad.ProviderID != "H1001" || ad.MemberID != "M000005" || fmt.Sprint(ad.ClaimIDs) != "[DEAD-1]" ||
		ad.Level != "claim" || ad.Severity != "high" || ad.Status != "open" || !strings.Contains(string(ev), `"death_date":"2026-02-10"`) {
		t.Errorf("after_death flag %+v %s", ad, ev)
	}
	ev, _ = json.Marshal(ov.Evidence)
	if ov.Rule != fraud.OverlappingStay || fmt.Sprint(ov.ClaimIDs) != "[STAY-B STAY-A]" || !strings.Contains(string(ev), `"claim_id":"STAY-A"`) ||
		!strings.Contains(string(ev), "stays share 3 night(s) from 2026-03-05") {
		t.Errorf("overlapping_stay flag %+v %s", ov, ev)
	}
	if n := e.count(`SELECT count(*) FROM fraud_flags`); n != 3 {
		t.Errorf("%d flags stored, want 3", n)
	}
	if n := e.count(`SELECT count(*) FROM claim_facts WHERE live`); n != 6 {
		t.Errorf("%d live claim facts, want 6 (the deceased member's rejection included)", n)
	}
	// The clean provider's claims: exactly what pricing gives with every rule switched off.
	off := withoutFraud(t, bundle)
	book := payment.NewBook(payment.NewPolicies(off), payment.BundleDirectory{Bundle: off}, testNow)
	for _, item := range fraudStream() {
		s, _ := claim.DecodeSubmission(item)
		want := book.Process(&s, nil).Result
		got := byID[s.Claim.ClaimID]
		if !strings.HasPrefix(s.Claim.ClaimID, "CLEAN") {
			continue
		}
		want.Fraud = got.Fraud
		if priceLine(got) != priceLine(want) || got.Fraud.Score != "0.0000" || len(got.Fraud.Rules) != 0 || got.Fraud.Held {
			t.Errorf("clean claim %s:\n got %s\nwant %s", s.Claim.ClaimID, priceLine(got), priceLine(want))
		}
	}
}

// withoutFraud is the bundle with every fraud rule switched off.
func withoutFraud(t *testing.T, b *policy.Bundle) *policy.Bundle {
	t.Helper()
	off := *b
	off.Fraud = fraud.AllOff()
	return &off
}

// TestFlagsSurviveRedelivery: a consumer stopped after its database commit and before its
// offset commit, restarted, yields the same set of flags as a clean pass: no flag_id twice
// with different content, none missing.
func TestFlagsSurviveRedelivery(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	var items [][]byte
	for range 8 { // the stream eight times over, in batches of five: flags in every batch
		items = append(items, fraudStream()...)
	}
	for i := range items {
		items[i] = []byte(strings.ReplaceAll(string(items[i]), `"claim_id":"`, fmt.Sprintf(`"claim_id":"R%d-`, i/6)))
	}
	collect := func(e *env, crashAt int) map[string]string {
		_, ended := e.run(nil, func(c *AdjudicatorConfig) {
			c.BatchSize = 5
			c.AfterStore = func(batch int) error {
				if batch == crashAt {
					return errors.New("simulated crash after the database commit")
				}
				return nil
			}
		})
		e.submit("B-R", items...)
		if crashAt > 0 {
			if err := <-ended; !errors.Is(err, ErrStopped) {
				t.Fatalf("first run: %v", err)
			}
			stop, _ := e.run(nil, func(c *AdjudicatorConfig) { c.BatchSize = 5 })
			defer stop()
		}
		e.waitSubmissions(len(items))
		seen := map[string]string{}
		for _, f := range flagsOf(t, e, e.count(`SELECT count(*) FROM fraud_flags`)) {
			content := fmt.Sprintf("%s %s %v %s %s", f.ProviderID, f.Rule, f.ClaimIDs, f.Score, f.Severity)
			if prev, ok := seen[f.FlagID]; ok && prev != content {
				t.Errorf("flag %s published with different content:\n%s\n%s", f.FlagID, prev, content)
			}
			seen[f.FlagID] = content
		}
		return seen
	}
	want := collect(setup(t, bundle), 0)
	got := collect(setup(t, bundle), 3)
	if len(want) < 16 || fmt.Sprint(want) != fmt.Sprint(got) {
		t.Errorf("flags after a crash differ from a clean pass (%d vs %d):\n%v\n%v", len(got), len(want), got, want)
	}
}

// scoring runs the adjudicator and the scoring consumer together.
func (e *env) scoring() (stop func()) {
	stopA, _ := e.run(nil, nil)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := NewScorer(ScorerConfig{Brokers: e.broker.Addrs, Topics: e.topics, BatchWait: 10 * time.Millisecond, Now: testNow}, e.st, nil, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	return func() { cancel(); <-done; stopA() }
}

// TestCensusSuspendsProvider: a provider whose midnight census exceeds its beds gets a
// census_over_beds flag; at hold_score it is under payment suspension and its next claim
// is held provider_suspended_payment; a clean provider in the same stream is not.
func TestCensusSuspendsProvider(t *testing.T) {
	bundle, err := sample.SyntheticBundle(40)
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	stop := e.scoring()
	defer stop()
	var items [][]byte
	for i := range 21 { // H1002 has 20 beds; the stays differ in length, so they are not clones or a group
		items = append(items, inpatient(fmt.Sprintf("WARD-%02d", i), "H1002", sample.SyntheticMember(i+1), "2026-03-01",
			fmt.Sprintf("2026-03-%02d", 5+i%10)))
	}
	items = append(items, outpatient("OTHER-1", "H2001", sample.SyntheticMember(30), "2026-03-03"))
	e.submit("B-WARD", items...)
	e.waitSubmissions(len(items))
	deadline := time.Now().Add(30 * time.Second)
	for e.count(`SELECT count(*) FROM provider_fraud WHERE provider_id = 'H1002' AND payment_suspended`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("H1002 was not put under payment suspension")
		}
		time.Sleep(50 * time.Millisecond)
	}
	var census *fraud.Flag
	for _, f := range flagsOf(t, e, e.count(`SELECT count(*) FROM fraud_flags`)) {
		if f.Rule == fraud.CensusOverBeds {
			census = &f
		}
	}
	if census == nil {
		t.Fatal("no census_over_beds flag on fraud.flags")
	}
	ev, _ := json.Marshal(census.Evidence)
	if census.ProviderID != "H1002" || census.Level != "provider" || !strings.Contains(string(ev), `"beds":20`) ||
		!strings.Contains(string(ev), `"peak_census":21`) || len(census.ClaimIDs) != 21 {
		t.Errorf("census flag %+v %s", census, ev)
	}
	e.submit("B-NEXT", outpatient("NEXT-1", "H1002", sample.SyntheticMember(35), "2026-04-01"),
		outpatient("OTHER-2", "H2001", sample.SyntheticMember(36), "2026-04-01"))
	e.waitSubmissions(len(items) + 2)
	byID := map[string]claim.Result{}
	for _, r := range results(t, e.readAll(e.topics.Adjudicated, len(items)+2)) {
		byID[r.ClaimID] = r
	}
	if r := byID["NEXT-1"]; r.Status != claim.StatusHeld || !r.HasReason(claim.ReasonProviderSuspendedPayment) || !r.Fraud.Held {
		t.Errorf("the suspended provider's next claim: %s %v", r.Status, r.Reasons)
	}
	for _, id := range []string{"OTHER-1", "OTHER-2"} {
		if r := byID[id]; r.Status != claim.StatusAdjudicated {
			t.Errorf("%s of a clean provider: %s %v", id, r.Status, r.Reasons)
		}
	}
	if n := e.count(`SELECT count(*) FROM provider_fraud WHERE payment_suspended`); n != 1 {
		t.Errorf("%d providers suspended, want 1", n)
	}
	// The suspension opened a case, by the system, on the provider's open flags.
	if n := e.count(`SELECT count(*) FROM fraud_cases c JOIN case_events ev USING (case_id)
		WHERE c.provider_id = 'H1002' AND c.state = 'open' AND ev.role = 'system' AND ev.event = 'opened'`); n != 1 {
		t.Errorf("%d system cases for the suspended provider, want 1", n)
	}
	if n := e.count(`SELECT count(*) FROM fraud_flags WHERE provider_id = 'H1002' AND rule = 'census_over_beds' AND status = 'in_case'`); n != 1 {
		t.Errorf("the census flag is not in the case")
	}
	if n := e.count(`SELECT count(*) FROM fraud_cases WHERE provider_id <> 'H1002'`); n != 0 {
		t.Errorf("%d cases of providers not suspended", n)
	}
}

// TestScorerSurvivesRedelivery: the scoring consumer stopped after a database commit and
// before its offset commit, restarted, leaves the same flags and scores as a clean pass.
func TestScorerSurvivesRedelivery(t *testing.T) {
	bundle, err := sample.SyntheticBundle(40)
	if err != nil {
		t.Fatal(err)
	}
	var items [][]byte
	for i := range 24 {
		items = append(items, inpatient(fmt.Sprintf("W-%02d", i), "H1002", sample.SyntheticMember(i+1), "2026-03-01", fmt.Sprintf("2026-03-%02d", 5+i%10)))
	}
	pass := func(crashAt int) string {
		e := setup(t, bundle)
		e.submit("B-S", items...)
		stopA, _ := e.run(nil, nil)
		defer stopA()
		e.waitSubmissions(len(items))
		run := func(hook func(int) error) (func(), <-chan error) {
			ctx, cancel := context.WithCancel(context.Background())
			s, err := NewScorer(ScorerConfig{Brokers: e.broker.Addrs, Topics: e.topics, BatchSize: 3, BatchWait: 5 * time.Millisecond,
				Now: testNow, AfterStore: hook}, e.st, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- s.Run(ctx) }()
			return cancel, done
		}
		if crashAt > 0 {
			_, ended := run(func(b int) error {
				if b == crashAt {
					return errors.New("simulated crash")
				}
				return nil
			})
			if err := <-ended; !errors.Is(err, ErrStopped) {
				t.Fatalf("scorer: %v", err)
			}
		}
		cancel, done := run(nil)
		deadline := time.Now().Add(30 * time.Second)
		for e.count(`SELECT count(*) FROM provider_fraud WHERE provider_id = 'H1002' AND payment_suspended`) == 0 || !settled(e) {
			if time.Now().After(deadline) {
				t.Fatal("scoring did not settle")
			}
			time.Sleep(100 * time.Millisecond)
		}
		cancel()
		<-done
		var b strings.Builder
		rows, _ := e.st.DB().Query(`SELECT flag_id, rule, claim_ids::text, score::text FROM fraud_flags ORDER BY flag_id`)
		for rows.Next() {
			var id, rule, ids, score string
			rows.Scan(&id, &rule, &ids, &score)
			fmt.Fprintf(&b, "%s %s %s %s\n", id, rule, ids, score)
		}
		rows.Close()
		rows, _ = e.st.DB().Query(`SELECT provider_id, score::text, rules::text, payment_suspended FROM provider_fraud ORDER BY provider_id`)
		for rows.Next() {
			var id, score, rules string
			var susp bool
			rows.Scan(&id, &score, &rules, &susp)
			fmt.Fprintf(&b, "%s %s %s %t\n", id, score, rules, susp)
		}
		rows.Close()
		return b.String()
	}
	want, got := pass(0), pass(2)
	if want != got || !strings.Contains(want, "census_over_beds") {
		t.Errorf("after a scorer crash:\n%s\nclean pass:\n%s", got, want)
	}
}

// settled reports whether the scorer has seen the last result: H1002's score covers every
// claim stored.
func settled(e *env) bool {
	return e.count(`SELECT count(*) FROM fraud_flags WHERE rule = 'census_over_beds' AND cardinality(claim_ids) = 24`) == 1
}

// nextYear is bundle as version 2027.1, in force from 2027-01-01, with census_over_beds
// switched off.
func nextYear(t *testing.T, bundle *policy.Bundle) *policy.Bundle {
	t.Helper()
	files := map[string][]byte{}
	for n, c := range bundle.Files {
		files[n] = c
	}
	pj := strings.NewReplacer(`"version": "2026.1"`, `"version": "2027.1"`, `"effective_from": "2026-01-01"`, `"effective_from": "2027-01-01"`,
		`"fraud": {"flag_score": "0.5", "hold_score": "0.8"}`, `"fraud": {"flag_score": "0.5", "hold_score": "0.8", "rules": {"census_over_beds": {"enabled": false}}}`).
		Replace(string(files[policy.FilePolicy]))
	if !strings.Contains(pj, `"2027.1"`) || !strings.Contains(pj, `"enabled": false`) {
		t.Fatalf("the sample policy.json changed shape:\n%s", pj)
	}
	files[policy.FilePolicy] = []byte(pj)
	b, err := policy.FromFiles(files, payment.PolicyOptions())
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestScorerUsesTheVersionInForce: with next year's version loaded in advance (census rule
// off), this year's census over beds is still flagged and suspends the provider: the
// scorer judges claims by the version in force on their dates, not by the newest.
func TestScorerUsesTheVersionInForce(t *testing.T) {
	bundle, err := sample.SyntheticBundle(40)
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	if _, err := e.st.SavePolicy(context.Background(), nextYear(t, bundle)); err != nil {
		t.Fatal(err)
	}
	stop := e.scoring()
	defer stop()
	var items [][]byte
	for i := range 21 {
		items = append(items, inpatient(fmt.Sprintf("WARD-%02d", i), "H1002", sample.SyntheticMember(i+1), "2026-03-01",
			fmt.Sprintf("2026-03-%02d", 5+i%10)))
	}
	e.submit("B-WARD", items...)
	e.waitSubmissions(len(items))
	deadline := time.Now().Add(30 * time.Second)
	for e.count(`SELECT count(*) FROM fraud_flags WHERE provider_id = 'H1002' AND rule = 'census_over_beds'`) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no census_over_beds flag: the scorer judged 2026's claims by 2027's version")
		}
		time.Sleep(50 * time.Millisecond)
	}
}
