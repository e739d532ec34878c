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

	"github.com/segmentio/kafka-go"
	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func testNow() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }

type env struct {
	t      *testing.T
	url    string // the test database
	st     *store.Store
	broker *Broker
	topics Topics
	bundle *policy.Bundle
}

func setup(t *testing.T, bundle *policy.Bundle) *env {
	t.Helper()
	b, err := StartBroker("127.0.0.1:0", 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	ctx := context.Background()
	url := storetest.NewDB(t)
	st, err := store.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	e := &env{t: t, url: url, st: st, broker: b, topics: NewTopics("test."), bundle: bundle}
	if err := EnsureTopics(ctx, b.Addrs, e.topics.All(), 4, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SavePolicy(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) produce(items [][]byte) {
	e.t.Helper()
	p := NewProducer(e.broker.Addrs, e.topics.Submitted)
	defer p.Close()
	if _, err := Submit(context.Background(), p, items, "BATCH-T", nil); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) produceRaw(msgs ...kafka.Message) {
	e.t.Helper()
	p := NewProducer(e.broker.Addrs, e.topics.Submitted)
	defer p.Close()
	if err := p.Write(context.Background(), msgs...); err != nil {
		e.t.Fatal(err)
	}
}

// consume runs an adjudicator; stop cancels it and returns what Run returned.
func (e *env) consume(hook func(int) error) (stop func() error) {
	stop, _ = e.consumeWait(hook)
	return stop
}

// consumeWait also returns a channel that yields Run's error when it ends by itself.
func (e *env) consumeWait(hook func(int) error) (stop func() error, ended <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	a, err := NewAdjudicator(AdjudicatorConfig{Brokers: e.broker.Addrs, Topics: e.topics, BatchSize: 50, BatchWait: 10 * time.Millisecond,
		Now: testNow, AfterStore: hook}, e.st, nil, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() error { cancel(); return <-done }, done
}

func (e *env) count(query string) int {
	e.t.Helper()
	var n int
	if err := e.st.DB().Get(&n, query); err != nil {
		e.t.Fatal(err)
	}
	return n
}

func (e *env) waitSubmissions(n int) {
	e.t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if e.count(`SELECT count(*) FROM submissions`) >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	e.t.Fatalf("only %d of %d submissions processed", e.count(`SELECT count(*) FROM submissions`), n)
}

// readAll reads n messages from every partition of a topic.
func (e *env) readAll(topic string, n int) []kafka.Message {
	e.t.Helper()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: e.broker.Addrs, GroupID: fmt.Sprintf("reader-%d", time.Now().UnixNano()),
		Topic: topic, StartOffset: kafka.FirstOffset, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var out []kafka.Message
	for len(out) < n {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			e.t.Fatalf("read %s: got %d of %d: %v", topic, len(out), n, err)
		}
		out = append(out, m)
	}
	return out
}

func results(t *testing.T, msgs []kafka.Message) []claim.Result {
	t.Helper()
	out := make([]claim.Result, len(msgs))
	for i, m := range msgs {
		if err := json.Unmarshal(m.Value, &out[i]); err != nil {
			t.Fatalf("result %d: %v", i, err)
		}
	}
	return out
}

// snapshot is the database state that must not depend on failures: results, ledger and totals.
func (e *env) snapshot() string {
	e.t.Helper()
	var b strings.Builder
	rows, err := e.st.DB().Query(`SELECT provider_id, claim_id, version, status, total::text, fund_total::text, member_pays::text FROM claim_results ORDER BY 1, 2, 3`)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var p, c, s, tot, f, m string
		var v int
		rows.Scan(&p, &c, &v, &s, &tot, &f, &m)
		fmt.Fprintf(&b, "result %s/%s v%d %s %s %s %s\n", p, c, v, s, tot, f, m)
	}
	rows.Close()
	rows, err = e.st.DB().Query(`SELECT member_id, year, kind, amount::text FROM member_totals ORDER BY 1, 2, 3`)
	if err != nil {
		e.t.Fatal(err)
	}
	for rows.Next() {
		var m, k, a string
		var y int
		rows.Scan(&m, &y, &k, &a)
		fmt.Fprintf(&b, "total %s %d %s %s\n", m, y, k, decimal.RequireFromString(a).String())
	}
	rows.Close()
	fmt.Fprintf(&b, "ledger entries %d, submissions %d\n", e.count(`SELECT count(*) FROM ledger_entries`), e.count(`SELECT count(*) FROM submissions`))
	return b.String()
}

// cleanPass runs the items through a fresh database with nothing failing and returns the
// state it leaves.
func cleanPass(t *testing.T, bundle *policy.Bundle, items [][]byte) string {
	t.Helper()
	clean := setup(t, bundle)
	clean.produce(items)
	stop := clean.consume(nil)
	clean.waitSubmissions(len(items))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	return clean.snapshot()
}

// TestRedelivery stops the consumer after its first database commit and before the offset
// commit, restarts it, and checks the database ends exactly as one clean pass leaves it.
func TestRedelivery(t *testing.T) {
	bundle, err := sample.SyntheticBundle(50)
	if err != nil {
		t.Fatal(err)
	}
	items := sample.Synthetic(400, 50, 7)
	items = append(items, sample.DemoBatch()...)

	want := cleanPass(t, bundle, items)

	crash := setup(t, bundle)
	crash.produce(items)
	_, ended := crash.consumeWait(func(batch int) error {
		if batch == 3 {
			return errors.New("simulated crash after the database commit")
		}
		return nil
	})
	select {
	case err := <-ended:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("first run ended with %v, want ErrStopped", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the first run did not stop at the hook")
	}
	stored := crash.count(`SELECT count(*) FROM submissions`)
	if stored == 0 || stored >= len(items) {
		t.Fatalf("the crash should come mid-way, %d of %d stored", stored, len(items))
	}
	stop := crash.consume(nil)
	crash.waitSubmissions(len(items))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if got := crash.snapshot(); got != want {
		t.Errorf("after a crash and redelivery the database differs from a clean pass:\n--- clean\n%s\n--- crash\n%s", want, got)
	}
	// The published results, deduplicated on source, cover every submission: the redelivered
	// batch was published again (at least once), nothing is missing; duplicates answer with
	// their own source.
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: crash.broker.Addrs, GroupID: "verify", Topic: crash.topics.Adjudicated,
		StartOffset: kafka.FirstOffset, MaxWait: 50 * time.Millisecond})
	defer r.Close()
	rctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	seen := map[string]bool{}
	published := 0
	for len(seen) < len(items) {
		m, err := r.FetchMessage(rctx)
		if err != nil {
			t.Fatalf("distinct sources on %s: %d of %d (%v)", crash.topics.Adjudicated, len(seen), len(items), err)
		}
		published++
		var res claim.Result
		if err := json.Unmarshal(m.Value, &res); err != nil {
			t.Fatal(err)
		}
		seen[fmt.Sprintf("%d/%d", res.Source.Partition, res.Source.Offset)] = true
	}
	t.Logf("%d submissions, %d stored before the crash, %d results read to cover them all", len(items), stored, published)
}

// TestBadInput: garbage reaches the DLQ with its decode error, invalid claims become
// rejected results with reason codes, and the consumer keeps going.
func TestBadInput(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	good := `{"kind":"claim","claim":{"claim_id":"G1","provider_id":"H1001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01","lines":[{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30.00"}],"total":"30"}}`
	e.produceRaw(
		kafka.Message{Key: []byte("M000001"), Value: []byte("\x00\xffnot json at all")},
		kafka.Message{Key: []byte("M000001"), Value: []byte(`[1,2,3]`)},
		kafka.Message{Key: []byte("M000001"), Value: []byte(`null`)},
		kafka.Message{Key: []byte("M000001"), Value: []byte(`{"kind":"claim","claim":{"claim_id":"X1","provider_id":"H1001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01","lines":[{"item_code":"SRV01","service_date":"2026-03-01","quantity":"2","unit_price":"30","amount":"30"}],"total":"31"}}`)},
		kafka.Message{Key: []byte("M000001"), Value: []byte(`{"kind":"claim","claim":{"claim_id":"X2","provider_id":"H3009","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01","lines":[{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30"}],"total":"30"}}`)},
		kafka.Message{Key: []byte("M000001"), Value: []byte(`{"kind":"claim","claim":{"claim_id":"X3","provider_id":7,"care_type":"dental","lines":[]}}`)},
		kafka.Message{Key: []byte("M000001"), Value: []byte(good)},
	)
	stop := e.consume(nil)
	e.waitSubmissions(4)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	dlq := e.readAll(e.topics.DLQ, 3)
	for _, m := range dlq {
		var rec DLQRecord
		if err := json.Unmarshal(m.Value, &rec); err != nil {
			t.Fatalf("DLQ value is not a DLQ record: %v", err)
		}
		if !strings.Contains(rec.Error, "undecodable") || rec.Topic != e.topics.Submitted {
			t.Errorf("DLQ record lacks the decode error or topic: %+v", rec)
		}
		if string(m.Key) != "M000001" {
			t.Errorf("DLQ key %q, want the original key", m.Key)
		}
	}
	res := results(t, e.readAll(e.topics.Adjudicated, 4))
	byID := map[string]claim.Result{}
	for _, r := range res {
		byID[r.ClaimID] = r
	}
	wantCodes := map[string][]string{
		"X1": {claim.ReasonAmountMismatch, claim.ReasonTotalMismatch},
		"X2": {claim.ReasonProviderBanned},
		"X3": {claim.ReasonMissingField, claim.ReasonMalformed},
	}
	for id, codes := range wantCodes {
		r := byID[id]
		if r.Status != claim.StatusRejected || fmt.Sprint(r.ReasonCodes()) != fmt.Sprint(codes) {
			t.Errorf("%s: status %s codes %v, want rejected %v (%v)", id, r.Status, r.ReasonCodes(), codes, r.Reasons)
		}
	}
	if !strings.Contains(byID["X2"].Reasons[0].Message, "2029-04-01") {
		t.Errorf("banned reason should name banned_until: %q", byID["X2"].Reasons[0].Message)
	}
	if r := byID["G1"]; r.Status != claim.StatusAdjudicated || r.FundTotal == nil {
		t.Errorf("the good claim after the bad ones: %+v", r)
	}
	if n := e.count(`SELECT count(*) FROM rejections`); n != 3 {
		t.Errorf("rejections stored: %d, want 3", n)
	}
}

// TestPriceMatchesKafka: the offline price path and the Kafka path give identical amounts
// for the same claims in the same order.
func TestPriceMatchesKafka(t *testing.T) {
	bundle, err := sample.SyntheticBundle(200)
	if err != nil {
		t.Fatal(err)
	}
	items := append(sample.Synthetic(600, 200, 11), sample.DemoBatch()...)
	e := setup(t, bundle)
	e.produce(items)
	stop := e.consume(nil)
	e.waitSubmissions(len(items))
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, r := range results(t, e.readAll(e.topics.Adjudicated, len(items))) {
		got[fmt.Sprintf("%d/%d", r.Source.Partition, r.Source.Offset)] = priceLine(r)
	}
	// Offline: the same submissions, in the order Kafka holds them per partition.
	book := payment.NewBook(payment.NewPolicies(bundle), payment.BundleDirectory{Bundle: bundle}, testNow)
	subs := e.readAll(e.topics.Submitted, len(items))
	sort.SliceStable(subs, func(i, j int) bool {
		if subs[i].Partition != subs[j].Partition {
			return subs[i].Partition < subs[j].Partition
		}
		return subs[i].Offset < subs[j].Offset
	})
	var mismatches int
	for _, m := range subs {
		s, err := claim.DecodeSubmission(m.Value)
		if err != nil {
			t.Fatal(err)
		}
		eff := book.Process(&s, nil)
		key := fmt.Sprintf("%d/%d", m.Partition, m.Offset)
		if want := priceLine(eff.Result); got[key] != want && !eff.Replayed {
			mismatches++
			if mismatches < 5 {
				t.Errorf("%s: kafka %s\n            price %s", key, got[key], want)
			}
		}
	}
	if mismatches > 0 {
		t.Errorf("%d of %d results differ", mismatches, len(items))
	}
	// The batch mixes every payment method.
	methods := map[string]int{}
	for _, line := range got {
		for _, m := range []string{" drg ", " disease ", " bed_day ", " capitation ", " ffs "} {
			if strings.Contains(line, m) {
				methods[strings.TrimSpace(m)]++
			}
		}
	}
	if len(methods) != 5 {
		t.Errorf("methods in the batch: %v, want all five", methods)
	}
	t.Logf("methods: %v", methods)
	// Stored amounts equal the published ones.
	var stored, published int
	e.st.DB().Get(&stored, `SELECT count(*) FROM claim_results r JOIN submissions s
		ON s.provider_id = r.provider_id AND s.claim_id = r.claim_id AND s.version = r.version AND s.result_ref = 'result'
		WHERE r.fund_to_provider = (r.result->>'fund_to_provider')::numeric
		  AND r.member_pays = (r.result->>'member_pays')::numeric
		  AND r.standard IS NOT DISTINCT FROM (r.result->>'standard')::numeric
		  AND r.method = r.result->>'method'`)
	e.st.DB().Get(&published, `SELECT count(*) FROM submissions WHERE result_ref = 'result'`)
	if stored != published || stored == 0 {
		t.Errorf("stored columns agree with the stored result for %d of %d adjudications", stored, published)
	}
}

func priceLine(r claim.Result) string {
	f := func(m *claim.Money) string {
		if m == nil {
			return "-"
		}
		return m.StringFixed(2)
	}
	drg := "-"
	if r.DRG != nil {
		drg = r.DRG.DRG + "/" + r.DRG.Outlier
		if r.DRG.Points != nil {
			drg += "/" + r.DRG.Points.StringFixed(4)
		}
	}
	fraudBlock := "-"
	if r.Fraud != nil {
		fraudBlock = fmt.Sprintf("%s%v%t", r.Fraud.Score, r.Fraud.Rules, r.Fraud.Held)
	}
	return fmt.Sprintf("%s/%s %s %v %s %s %s %s %s %s %s %s %s %s %s %s %s", r.ProviderID, r.ClaimID, r.Status, r.ReasonCodes(), fraudBlock, r.Method, drg,
		f(r.Total), f(r.Eligible), f(r.Deductible), f(r.Basic), f(r.Critical), f(r.Assistance), f(r.MemberPays),
		f(r.Standard), f(r.FundToProvider), f(r.ProviderMargin))
}
