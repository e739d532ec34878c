package intake_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/intake"
	"medclaims/pipeline"
	"medclaims/store"
	"medclaims/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func visit(id, provider string) claim.Item {
	return claim.Item{Where: "claim " + id, Bytes: []byte(fmt.Sprintf(`{"claim_id":%q,"provider_id":%q,"member_id":"M000001","care_type":"outpatient",`+
		`"service_date":"2026-03-01","lines":[{"line_no":1,"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30"}],"total":"30"}`,
		id, provider))}
}

// TestTake: an operator's file of two providers is recorded as each provider's batch of
// that id, its undecodable item refused and named; a hospital's batch with another's claim,
// an item of another batch and a batch id used again are refused whole; a broker that does
// not answer leaves the batch recorded with its error.
func TestTake(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b, err := pipeline.StartBroker("127.0.0.1:0", 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := pipeline.EnsureTopics(ctx, b.Addrs, []string{"claims.submitted"}, 2, 1); err != nil {
		t.Fatal(err)
	}
	p := pipeline.NewProducer(b.Addrs, "claims.submitted")
	defer p.Close()
	now := func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
	in := intake.Service{Store: st, Produce: pipeline.SubmitTo(p), Now: now}
	file := []claim.Item{visit("A1", "H1001"), visit("B1", "H2001"), {Where: "line 3", Bytes: []byte("not json")}, visit("A2", "H1001")}
	ans, err := in.Take(ctx, intake.Sender{}, "F-1", file, nil)
	if err != nil || ans.Accepted != 3 || len(ans.Rejected) != 1 || ans.Rejected[0].Item != 3 {
		t.Fatalf("an operator's file: %+v %v", ans, err)
	}
	for provider, n := range map[string]int{"H1001": 2, "H2001": 1} {
		v, err := st.BatchView(ctx, provider, "F-1")
		if err != nil || len(v.Entries) != n {
			t.Errorf("%s's batch F-1: %v %v", provider, v, err)
		}
	}
	hosp := intake.Sender{ProviderID: "H1001", TokenID: ""}
	for _, c := range []struct {
		name  string
		batch string
		items []claim.Item
		want  error
	}{
		{"another provider's claim", "H-1", []claim.Item{visit("A3", "H1001"), visit("B2", "H2001")}, intake.ErrForeign},
		{"an item of another batch", "H-2", []claim.Item{{Where: "item 1", Bytes: []byte(`{"kind":"claim","batch_id":"X","claim":{}}`)}}, intake.ErrOtherBatch},
		{"the id used again", "F-1", []claim.Item{visit("A4", "H1001")}, intake.ErrBatchExists},
		{"nothing", "H-3", nil, intake.ErrEmpty},
	} {
		if _, err := in.Take(ctx, hosp, c.batch, c.items, nil); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
		if c.batch != "F-1" {
			if _, err := st.BatchView(ctx, "H1001", c.batch); !errors.Is(err, store.ErrNoBatch) {
				t.Errorf("%s: the refused batch was recorded (%v)", c.name, err)
			}
		}
	}
	b.Close()
	if _, err := in.Take(ctx, hosp, "H-DOWN", []claim.Item{visit("A5", "H1001")}, nil); !errors.Is(err, intake.ErrNotTaken) {
		t.Fatalf("with the broker gone: %v", err)
	}
	v, err := st.BatchView(ctx, "H1001", "H-DOWN")
	if err != nil || v.ProduceError == "" || len(v.Entries) != 1 || v.Entries[0].Item.Status != "rejected" {
		t.Errorf("the batch the broker did not take: %+v %v", v, err)
	}
}
