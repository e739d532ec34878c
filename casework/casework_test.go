package casework_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"medclaims/casework"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// withResponseDays is the sample bundle as another version, in force from a date, with its
// own response_days.
func withResponseDays(t *testing.T, version, from string, days string) *policy.Bundle {
	t.Helper()
	b, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for n, c := range b.Files {
		files[n] = c
	}
	files[policy.FilePolicy] = []byte(strings.NewReplacer(`"version": "2026.1"`, `"version": "`+version+`"`,
		`"effective_from": "2026-01-01"`, `"effective_from": "`+from+`"`,
		`"hold_score": "0.8"}`, `"hold_score": "0.8", "response_days": `+days+`}`).Replace(string(files[policy.FilePolicy])))
	nb, err := policy.FromFiles(files, payment.PolicyOptions())
	if err != nil {
		t.Fatal(err)
	}
	return nb
}

// TestNoticeUsesTheVersionInForce: with 2026's version (10 response days) and 2027's
// (30 days) loaded, a notice in December 2026 gives ten days, one in February 2027 thirty;
// a hospital cannot read another's case, and a move on a case moved meanwhile is refused.
func TestNoticeUsesTheVersionInForce(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	for _, b := range []*policy.Bundle{withResponseDays(t, "2026.9", "2026-01-01", "10"), withResponseDays(t, "2027.1", "2027-01-01", "30")} {
		if _, err := st.SavePolicy(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	inv := fraud.Actor{Name: "wang", Role: fraud.ActorInvestigator}
	for i, c := range []struct {
		now  time.Time
		days int
	}{{time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC), 10}, {time.Date(2027, 2, 1, 2, 0, 0, 0, time.UTC), 30}} {
		svc := casework.Service{Store: st, Now: func() time.Time { return c.now }}
		flag := []string{"F" + string(rune('1'+i))}
		if _, err := st.DB().Exec(`INSERT INTO fraud_flags (flag_id, provider_id, claim_ids, rule, level, score, severity, status, evidence, created_at, updated_at)
			VALUES ($1, 'H3001', '{C1}', 'duplicate_charge', 'claim', 0.9, 'high', 'open', '{}', now(), now())`, flag[0]); err != nil {
			t.Fatal(err)
		}
		k, err := svc.Open(ctx, inv, "H3001", flag, "")
		if err != nil {
			t.Fatal(err)
		}
		n, err := svc.Notify(ctx, inv, k.CaseID, "sent")
		if err != nil {
			t.Fatal(err)
		}
		if got := n.Deadline.Sub(c.now); got != time.Duration(c.days)*24*time.Hour {
			t.Errorf("notice on %s: deadline in %s, want %d days", c.now.Format(time.DateOnly), got, c.days)
		}
		if _, err := svc.Get(ctx, fraud.Actor{Role: fraud.ActorHospital, ProviderID: "H2001"}, k.CaseID); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("another hospital reads the case: %v", err)
		}
		if _, err := svc.Notify(ctx, inv, k.CaseID, "again"); casework.Kind(err) != "conflict" {
			t.Errorf("a second notice: %v (%s)", err, casework.Kind(err))
		}
	}
}
