package store_test

import (
	"context"
	"errors"
	"testing"

	"medclaims/payment"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

func TestSavePolicyTwiceChangesNothing(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	changed, err := st.SavePolicy(ctx, b)
	if err != nil || !changed {
		t.Fatalf("first load: changed %v, %v", changed, err)
	}
	// A designation change made after the load must survive loading the same bundle again.
	if _, err := st.DB().Exec(`UPDATE providers SET status = 'terminated', banned_until = '2029-12-01' WHERE provider_id = 'H1001'`); err != nil {
		t.Fatal(err)
	}
	var before string
	if err := st.DB().Get(&before, `SELECT loaded_at::text FROM policy_versions`); err != nil {
		t.Fatal(err)
	}
	changed, err = st.SavePolicy(ctx, b)
	if err != nil || changed {
		t.Fatalf("second load: changed %v, %v", changed, err)
	}
	var after, status string
	st.DB().Get(&after, `SELECT loaded_at::text FROM policy_versions`)
	st.DB().Get(&status, `SELECT status FROM providers WHERE provider_id = 'H1001'`)
	if after != before || status != "terminated" {
		t.Errorf("the second load changed something: loaded_at %s → %s, status %s", before, after, status)
	}
	// Stored versions come back parsed and equal.
	ps, err := st.Policies(ctx, payment.PolicyOptions())
	if err != nil || len(ps) != 1 || ps[0].Hash != b.Hash {
		t.Fatalf("policies: %d %v", len(ps), err)
	}
	p, err := st.Provider(ctx, "H3009")
	if err != nil || p.BannedUntil.Format("2006-01-02") != "2029-04-01" {
		t.Errorf("provider read back: %+v %v", p, err)
	}
}

func TestSavePolicyConflict(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b, _ := sample.Bundle()
	if _, err := st.SavePolicy(ctx, b); err != nil {
		t.Fatal(err)
	}
	other, _ := sample.SyntheticBundle(3) // same version, other members
	if _, err := st.SavePolicy(ctx, other); !errors.Is(err, store.ErrPolicyConflict) {
		t.Fatalf("same version, other content: %v", err)
	}
	var members int
	st.DB().Get(&members, `SELECT count(*) FROM members`)
	if members != len(b.Members) {
		t.Errorf("a refused load applied members: %d", members)
	}
}

// TestSessionsRunWithoutJIT: the store's sessions have JIT compilation off, unless the URL
// asks for it.
func TestSessionsRunWithoutJIT(t *testing.T) {
	ctx := context.Background()
	url := storetest.NewDB(t)
	for _, c := range []struct{ url, want string }{{url, "off"}, {url + "&jit=on", "on"}} {
		st, err := store.Open(ctx, c.url)
		if err != nil {
			t.Fatal(err)
		}
		var jit string
		if err := st.DB().GetContext(ctx, &jit, `SHOW jit`); err != nil {
			t.Fatal(err)
		}
		st.Close()
		if jit != c.want {
			t.Errorf("%s: jit %s, want %s", c.url, jit, c.want)
		}
	}
}
