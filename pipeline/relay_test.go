package pipeline

import (
	"context"
	"strings"
	"testing"

	"medclaims/sample"
)

// TestRelayPublishesTheOutboxes: an unpublished flag and two queued case events reach
// fraud.flags, fraud.cases and providers.status under the configured prefix, in order, and
// both outboxes are empty afterwards; a second Publish finds nothing to do.
func TestRelayPublishesTheOutboxes(t *testing.T) {
	b, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	e := setup(t, b)
	db := e.st.DB()
	for _, q := range []string{
		`INSERT INTO fraud_flags (flag_id, provider_id, claim_ids, rule, level, score, severity, status, evidence, created_at, updated_at, published)
			VALUES ('F-R1', 'H3001', '{C1}', 'census_over_beds', 'provider', 0.95, 'high', 'open', '{}', now(), now(), false)`,
		`INSERT INTO event_outbox (topic, key, value) VALUES ('fraud.cases', 'H3001', '{"case_id":"K1","event":"opened"}'),
			('fraud.cases', 'H3001', '{"case_id":"K1","event":"notified"}'), ('providers.status', 'H3001', '{"status":"terminated"}')`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	r := NewRelay(e.broker.Addrs, e.topics, e.st, nil)
	defer r.Close()
	for range 2 {
		if err := r.Publish(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(e.topics.FraudCases, "test.") {
		t.Fatalf("the test's topics have no prefix: %s", e.topics.FraudCases)
	}
	cases := e.readAll(e.topics.FraudCases, 2)
	if len(cases) != 2 || !strings.Contains(string(cases[0].Value), "opened") || !strings.Contains(string(cases[1].Value), "notified") {
		t.Errorf("fraud.cases: %d messages", len(cases))
	}
	if st := e.readAll(e.topics.ProvidersStatus, 1); len(st) != 1 || string(st[0].Key) != "H3001" {
		t.Errorf("providers.status: %+v", st)
	}
	if fl := e.readAll(e.topics.FraudFlags, 1); len(fl) != 1 || !strings.Contains(string(fl[0].Value), "F-R1") {
		t.Errorf("fraud.flags: %+v", fl)
	}
	if n := e.count(`SELECT count(*) FROM event_outbox`) + e.count(`SELECT count(*) FROM fraud_flags WHERE NOT published`); n != 0 {
		t.Errorf("%d entries left in the outboxes", n)
	}
}
