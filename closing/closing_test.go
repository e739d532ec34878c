package closing_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"medclaims/closing"
	"medclaims/sample"
	"medclaims/store/storetest"
)

func TestMain(m *testing.M) { storetest.Main(m) }

// TestCloseVersions: a close stores version 1, the same close again is unchanged, a dry run
// stores nothing; a bad period and a period no policy is in force for are their own
// errors; four closes racing store one version and each answers it or ErrClosedMeanwhile.
func TestCloseVersions(t *testing.T) {
	ctx := context.Background()
	st := storetest.Open(t)
	b, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.SavePolicy(ctx, b); err != nil {
		t.Fatal(err)
	}
	svc := closing.Service{Store: st, Now: func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = svc.Close(ctx, "2026-03", false) }()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil && !errors.Is(err, closing.ErrClosedMeanwhile) {
			t.Errorf("a racing close: %v", err)
		}
	}
	res, err := svc.Close(ctx, "2026-03", false)
	if err != nil || !res.Unchanged || res.Statement.Version != 1 {
		t.Errorf("closing again: %+v %v", res, err)
	}
	if dry, err := svc.Close(ctx, "2026-04", true); err != nil || !dry.DryRun {
		t.Errorf("a dry run: %v", err)
	}
	if last, err := st.LatestStatement(ctx, "2026-04"); err != nil || last != nil {
		t.Errorf("the dry run stored a statement: %+v %v", last, err)
	}
	if _, err := svc.Close(ctx, "2026-13", false); !errors.Is(err, closing.ErrBadPeriod) {
		t.Errorf("a bad period: %v", err)
	}
	if _, err := svc.Close(ctx, "2025-06", false); !errors.Is(err, closing.ErrNoPolicy) {
		t.Errorf("a period before every version: %v", err)
	}
}
