package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/segmentio/kafka-go"
	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

// visit is an outpatient claim of the sample bundle for member M000001 (one partition).
func visit(id string, amount int) []byte {
	return []byte(fmt.Sprintf(`{"claim_id":%q,"provider_id":"H1001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01",`+
		`"lines":[{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"%d","amount":"%d"}],"total":"%d"}`, id, amount, amount, amount))
}

// run starts an adjudicator with the test defaults changed by mod.
func (e *env) run(m *Metrics, mod func(*AdjudicatorConfig)) (stop func() error, ended <-chan error) {
	ctx, cancel := context.WithCancel(context.Background())
	cfg := AdjudicatorConfig{Brokers: e.broker.Addrs, Topics: e.topics, BatchSize: 50, BatchWait: 10 * time.Millisecond, Now: testNow}
	if mod != nil {
		mod(&cfg)
	}
	a, err := NewAdjudicator(cfg, e.st, nil, m)
	if err != nil {
		e.t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	return func() error { cancel(); return <-done }, done
}

func (e *env) submit(batchID string, items ...[]byte) {
	e.t.Helper()
	p := NewProducer(e.broker.Addrs, e.topics.Submitted)
	defer p.Close()
	if _, err := Submit(context.Background(), p, items, batchID, nil); err != nil {
		e.t.Fatal(err)
	}
}

// TestDuplicateNamesItsOwnSubmission: the same claim in batches B1 and B2 gives two
// results with the same amounts and version, each naming its own submission; a record
// redelivered after a crash between publishing and committing gives the identical result.
func TestDuplicateNamesItsOwnSubmission(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	e.submit("B1", visit("DUP-1", 30))
	_, ended := e.run(nil, func(c *AdjudicatorConfig) {
		c.BeforeCommit = func(batch int) error {
			if batch == 2 {
				return errors.New("simulated crash after publishing, before the offset commit")
			}
			return nil
		}
	})
	e.waitSubmissions(1)
	e.submit("B2", visit("DUP-1", 30))
	select {
	case err := <-ended:
		if !errors.Is(err, ErrStopped) {
			t.Fatalf("first run ended with %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the consumer did not stop at the hook")
	}
	stop, _ := e.run(nil, nil)
	defer stop()
	msgs := e.readAll(e.topics.Adjudicated, 3) // B1, B2, B2 again after the crash
	rs := results(t, msgs)
	if rs[0].BatchID != "B1" || rs[1].BatchID != "B2" || rs[0].Source.Offset == rs[1].Source.Offset {
		t.Fatalf("batch ids %q %q, sources %+v %+v: each result must name its own submission", rs[0].BatchID, rs[1].BatchID, rs[0].Source, rs[1].Source)
	}
	if priceLine(rs[0]) != priceLine(rs[1]) || rs[0].Version != 1 || rs[1].Version != 1 {
		t.Errorf("amounts differ:\n%s\n%s", priceLine(rs[0]), priceLine(rs[1]))
	}
	if string(msgs[1].Value) != string(msgs[2].Value) {
		t.Errorf("the redelivered record's result differs from the first:\n%s\n%s", msgs[1].Value, msgs[2].Value)
	}
	if n := e.count(`SELECT count(*) FROM claim_results`); n != 1 {
		t.Errorf("claim versions stored: %d, want 1", n)
	}
}

// TestPermanentFailureIsParked: a record that can never be processed is isolated from its
// batch and parked on the DLQ with the error and where it came from; every other record of
// its batch and of later batches on the partition gets its result, and nothing retries
// forever.
func TestPermanentFailureIsParked(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	var first [][]byte
	for i := range 20 {
		id := fmt.Sprintf("PF-%02d", i)
		if i == 7 {
			id = "POISON"
		}
		first = append(first, visit(id, 30))
	}
	e.submit("B-POISON", first...)
	m := NewMetrics(nil)
	stop, _ := e.run(m, func(c *AdjudicatorConfig) {
		c.BatchWait = 300 * time.Millisecond // the twenty records form one batch
		c.FailOn = func(s *claim.Submission) error {
			if s.Claim.ClaimID == "POISON" {
				return errors.New("cannot be processed, ever")
			}
			return nil
		}
	})
	defer stop()
	e.waitSubmissions(19)
	e.submit("B-LATER", visit("LATER-1", 30), visit("LATER-2", 30))
	e.waitSubmissions(21)
	dlq := e.readAll(e.topics.DLQ, 1)
	var rec DLQRecord
	if err := json.Unmarshal(dlq[0].Value, &rec); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rec.Error, "cannot be processed, ever") || rec.Stage != StageProcess || rec.Topic != e.topics.Submitted ||
		rec.BatchID != "B-POISON" || !strings.Contains(rec.Subject, "H1001/POISON") || !strings.Contains(rec.Value, `"POISON"`) {
		t.Errorf("DLQ record: %+v", rec)
	}
	ids := map[string]bool{}
	for _, r := range results(t, e.readAll(e.topics.Adjudicated, 21)) {
		if r.Status != claim.StatusAdjudicated {
			t.Errorf("%s: %s %v", r.ClaimID, r.Status, r.Reasons)
		}
		ids[r.ClaimID] = true
	}
	if len(ids) != 21 || ids["POISON"] || !ids["PF-06"] || !ids["PF-08"] || !ids["LATER-2"] {
		t.Errorf("results for %d claims %v: want every claim but the poisoned one", len(ids), ids)
	}
	var parked dto.Metric
	if err := m.Parked.WithLabelValues(StageProcess).Write(&parked); err != nil {
		t.Fatal(err)
	}
	if n := parked.GetCounter().GetValue(); n != 1 {
		t.Errorf("parked metric %v, want 1", n)
	}
}

// TestUnpublishableResultIsParked: a result the broker refuses for good (its topic's
// message limit) parks its record with the broker's error; the result stays stored and
// the partition moves on.
func TestUnpublishableResultIsParked(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	b, err := StartBroker("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(b.Close)
	e := &env{t: t, st: storetest.Open(t), broker: b, topics: NewTopics("small."), bundle: bundle}
	ctx := context.Background()
	cl := &kafka.Client{Addr: kafka.TCP(b.Addrs...), Timeout: 10 * time.Second}
	_, err = cl.CreateTopics(ctx, &kafka.CreateTopicsRequest{Topics: []kafka.TopicConfig{{Topic: e.topics.Adjudicated, NumPartitions: 2,
		ReplicationFactor: 1, ConfigEntries: []kafka.ConfigEntry{{ConfigName: "max.message.bytes", ConfigValue: "4000"}}}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := EnsureTopics(ctx, b.Addrs, e.topics.All(), 2, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := e.st.SavePolicy(ctx, bundle); err != nil {
		t.Fatal(err)
	}
	e.submit("B-BIG", unknownItems("BIG-1", 400), visit("AFTER-1", 30))
	stop, _ := e.run(nil, nil)
	defer stop()
	e.waitSubmissions(2)
	res := results(t, e.readAll(e.topics.Adjudicated, 1))
	if res[0].ClaimID != "AFTER-1" {
		t.Errorf("published %s, want AFTER-1", res[0].ClaimID)
	}
	var rec DLQRecord
	if err := json.Unmarshal(e.readAll(e.topics.DLQ, 1)[0].Value, &rec); err != nil {
		t.Fatal(err)
	}
	if rec.Stage != StagePublish || !strings.Contains(rec.Error, "refused by the broker") || !strings.Contains(rec.Error, "effects are stored") {
		t.Errorf("DLQ record: %+v", rec)
	}
	if n := e.count(`SELECT count(*) FROM claim_results WHERE claim_id = 'BIG-1'`); n != 1 {
		t.Errorf("the unpublishable claim's result is not stored (%d rows)", n)
	}
}

// unknownItems is an outpatient claim of n lines whose items are not in the catalogue,
// with random codes so neither the claim nor its result compresses much.
func unknownItems(id string, n int) []byte {
	var lines []string
	for i := range n {
		var b [6]byte
		_, _ = rand.Read(b[:])
		lines = append(lines, fmt.Sprintf(`{"line_no":%d,"item_code":"X%s","service_date":"2026-03-01","quantity":"1","unit_price":"1.10","amount":"1.10"}`,
			i+1, strings.ToUpper(hex.EncodeToString(b[:]))))
	}
	return []byte(fmt.Sprintf(`{"claim_id":%q,"provider_id":"H1001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01",`+
		`"lines":[%s],"total":"%s"}`, id, strings.Join(lines, ","), claim.Money{Decimal: mustDec("1.10").Mul(mustDec(fmt.Sprint(n)))}.String()))
}

// TestLargeClaimFlows: the 8,500-line claim of unknown items (about 930 KB, a result of
// several hundred KB) is submitted, adjudicated, stored and published, and the claims
// behind it on its partition get theirs.
func TestLargeClaimFlows(t *testing.T) {
	bundle, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, bundle)
	big := unknownItems("HUGE-1", 8500)
	if len(big) < 900_000 {
		t.Fatalf("the claim is only %d bytes", len(big))
	}
	e.submit("B-HUGE", big, visit("BEHIND-1", 30), visit("BEHIND-2", 30))
	stop, _ := e.run(nil, nil)
	defer stop()
	e.waitSubmissions(3)
	msgs := e.readAll(e.topics.Adjudicated, 3)
	rs := results(t, msgs)
	if rs[0].ClaimID != "HUGE-1" || rs[0].Status != claim.StatusAdjudicated || rs[1].ClaimID != "BEHIND-1" || rs[2].ClaimID != "BEHIND-2" {
		t.Fatalf("results: %s %s, %s, %s", rs[0].ClaimID, rs[0].Status, rs[1].ClaimID, rs[2].ClaimID)
	}
	if !rs[0].SelfPay.Equal(mustDec("9350")) || !rs[0].Eligible.IsZero() || len(rs[0].Reasons) != 1 {
		t.Errorf("self pay %s eligible %s, %d reasons", rs[0].SelfPay, rs[0].Eligible, len(rs[0].Reasons))
	}
	if len(rs[0].Explanation) > 8600 || len(rs[0].Explanation) < 8500 {
		t.Errorf("%d explanation steps: want one per item (grouped), and the totals", len(rs[0].Explanation))
	}
	t.Logf("claim %d bytes, result %d bytes", len(big), len(msgs[0].Value))
}

// TestPostgresOutage: PostgreSQL unreachable for a few seconds mid-stream; the consumer
// retries (the partition is reported stalled meanwhile), resumes, and ends exactly as a
// clean pass: nothing skipped, nothing doubled.
func TestPostgresOutage(t *testing.T) {
	bundle, err := sample.SyntheticBundle(50)
	if err != nil {
		t.Fatal(err)
	}
	items := sample.Synthetic(600, 50, 21)
	want := cleanPass(t, bundle, items)

	out := setup(t, bundle)
	proxy := storetest.NewProxy(t)
	viaProxy := openVia(t, proxy, out)
	out.produce(items[:300])
	ctx, cancel := context.WithCancel(context.Background())
	a, err := NewAdjudicator(AdjudicatorConfig{Brokers: out.broker.Addrs, Topics: out.topics, BatchSize: 50, BatchWait: 10 * time.Millisecond,
		Now: testNow, StallAfter: 500 * time.Millisecond}, viaProxy, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	out.waitSubmissions(300)
	proxy.Cut()
	out.produce(items[300:])
	deadline := time.Now().Add(20 * time.Second)
	for len(a.Stalled()) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no partition reported stalled during the outage")
		}
		time.Sleep(50 * time.Millisecond)
	}
	stalled := a.Stalled()[0]
	time.Sleep(2 * time.Second)
	proxy.Restore()
	out.waitSubmissions(len(items))
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if got := out.snapshot(); got != want {
		t.Errorf("after the outage the database differs from a clean pass:\n--- clean\n%s\n--- outage\n%s", want, got)
	}
	if len(a.Stalled()) != 0 {
		t.Errorf("still stalled after recovery: %+v", a.Stalled())
	}
	t.Logf("stalled during the outage: %+v", stalled)
}

func mustDec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// openVia opens the env's database through the proxy.
func openVia(t *testing.T, p *storetest.Proxy, e *env) *store.Store {
	t.Helper()
	st, err := store.Open(context.Background(), p.Via(e.url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
