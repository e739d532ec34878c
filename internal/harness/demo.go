package harness

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/policy"
	"medclaims/sample"
	"medclaims/store"
)

// SampleBundle is the illustrative policy bundle the demo loads.
func SampleBundle() (*policy.Bundle, error) { return sample.Bundle() }

// DemoBatch submits the sample batch (clean and fraudulent claims, a duplicate, a void, a
// replace, invalid claims) and returns its batch id, its size and every result.
func DemoBatch(ctx context.Context, r *Run) (string, []claim.Result, error) {
	items := sample.DemoBatch()
	var mu sync.Mutex
	var got []claim.Result
	all := make(chan struct{})
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	s := r.Service
	go func() {
		_ = pipeline.WatchResults(watchCtx, s.Brokers, s.Topics.Adjudicated, func(res claim.Result, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			if got = append(got, res); len(got) == len(items) {
				close(all)
			}
		})
	}()
	batchID := pipeline.NewBatchID(time.Now())
	if err := r.Submit(ctx, items, batchID); err != nil {
		return batchID, nil, err
	}
	short := func() string {
		mu.Lock()
		defer mu.Unlock()
		return fmt.Sprintf("only %d of %d results arrived", len(got), len(items))
	}
	if err := r.Wait(ctx, all, 2*time.Minute, short); err != nil {
		return batchID, nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	return batchID, slices.Clone(got), nil
}

// SettledScores waits, at most within, until some provider has a score and two reads in a
// row agree, and returns the last read.
func SettledScores(ctx context.Context, st *store.Store, within time.Duration) []store.ProviderScore {
	deadline := time.Now().Add(within)
	var prev []store.ProviderScore
	for time.Now().Before(deadline) && ctx.Err() == nil {
		scores, err := st.ProviderScores(ctx)
		if err == nil && scored(scores) && slices.EqualFunc(scores, prev, sameScore) {
			return scores
		}
		if err == nil {
			prev = scores
		}
		time.Sleep(700 * time.Millisecond)
	}
	return prev
}

func sameScore(a, b store.ProviderScore) bool {
	return a.ProviderID == b.ProviderID && a.Score == b.Score && a.PaymentSuspended == b.PaymentSuspended && slices.Equal(a.Rules, b.Rules)
}

func scored(scores []store.ProviderScore) bool {
	return slices.ContainsFunc(scores, func(p store.ProviderScore) bool { return p.Score != "0" })
}
