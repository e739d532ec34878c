package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"sort"
	"sync"
	"time"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/pipeline"
	"medclaims/sample"
	"medclaims/store"
)

const benchDatabase = "medclaims_bench"

func cmdBench(ctx context.Context, args []string, std io3) error {
	fs := newFlags("bench", std)
	n := fs.Int("claims", 20000, "synthetic claims to submit")
	members := fs.Int("members", 5000, "synthetic members")
	batch := fs.Int("batch-size", 500, "consumer micro-batch size")
	rate := fs.Int("rate", 0, "submissions per second (0: as fast as the broker takes them)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the end-to-end run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL, err = withDatabase(cfg.DatabaseURL, benchDatabase); err != nil {
		return err
	}
	if cfg.Brokers != "" {
		cfg.TopicPrefix += fmt.Sprintf("bench-%d.", time.Now().Unix()) // fresh topics on a shared cluster
	}
	log := newLogger(std.err)
	bundle, err := sample.SyntheticBundle(*members)
	if err != nil {
		return err
	}
	items := sample.Synthetic(*n, *members, uint64(time.Now().UnixNano()))

	// Pure adjudication: decode once, then price every claim on one core.
	subs := make([]claim.Submission, len(items))
	for i, it := range items {
		if subs[i], err = claim.DecodeSubmission(it); err != nil {
			return err
		}
	}
	pure := func(shards int) time.Duration {
		parts := payment.ShardByMember(subs, shards)
		start := time.Now()
		var wg sync.WaitGroup
		for _, part := range parts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				book := payment.NewBook(payment.NewPolicies(bundle), payment.BundleDirectory{Bundle: bundle}, time.Now)
				for i := range part {
					book.Process(&part[i], nil)
				}
			}()
		}
		wg.Wait()
		return time.Since(start)
	}
	one, all := pure(1), pure(runtime.GOMAXPROCS(0))
	fmt.Fprintf(std.out, "pure adjudication: %d claims — one goroutine %.0f claims/s; %d goroutines (members sharded) %.0f claims/s\n",
		len(subs), float64(len(subs))/one.Seconds(), runtime.GOMAXPROCS(0), float64(len(subs))/all.Seconds())

	// End to end: submit to Kafka, adjudicate, store, publish; latency to the published result.
	if err := store.DropDatabase(ctx, cfg.DatabaseURL, benchDatabase); err != nil {
		return err
	}
	s, err := startService(ctx, cfg, log, "127.0.0.1:0")
	if err != nil {
		return err
	}
	defer s.close()
	if _, err := s.st.SavePolicy(ctx, bundle); err != nil {
		return err
	}
	a, err := pipeline.NewAdjudicator(pipeline.Config{Brokers: s.brokers, Topics: s.topics, BatchSize: *batch}, s.st, log, nil)
	if err != nil {
		return err
	}
	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- a.Run(runCtx) }()

	sent := make(map[string]time.Time, len(items))
	var mu sync.Mutex
	var lat []time.Duration
	var last time.Time
	done := make(chan struct{})
	go func() {
		_ = pipeline.WatchRaw(runCtx, s.brokers, s.topics.Adjudicated, func(v []byte, at time.Time) error {
			// Results begin {"claim_id":…,"provider_id":…}: read the two ids without decoding
			// the whole result, so the watcher costs the machine little.
			r := struct{ ProviderID, ClaimID string }{stringField(v, "provider_id"), stringField(v, "claim_id")}
			mu.Lock()
			defer mu.Unlock()
			if t0, ok := sent[r.ProviderID+"/"+r.ClaimID]; ok {
				lat = append(lat, at.Sub(t0))
				delete(sent, r.ProviderID+"/"+r.ClaimID)
				last = at
				if len(lat) == len(items) {
					close(done)
				}
			}
			return nil
		})
	}()
	w := pipeline.NewWriter(s.brokers, s.topics.Submitted)
	defer w.Close()
	chunk := 500
	if *rate > 0 && *rate < chunk*10 {
		chunk = max(1, *rate/10)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	first := time.Now()
	for i := 0; i < len(items); i += chunk {
		end := min(i+chunk, len(items))
		now := time.Now()
		mu.Lock()
		for j := i; j < end; j++ {
			sent[subs[j].Claim.ProviderID+"/"+subs[j].Claim.ClaimID] = now
		}
		mu.Unlock()
		if _, err := pipeline.Submit(ctx, w, items[i:end], "BENCH", nil); err != nil {
			return err
		}
		if *rate > 0 {
			next := first.Add(time.Duration(float64(end) / float64(*rate) * float64(time.Second)))
			time.Sleep(time.Until(next))
		}
	}
	select {
	case <-done:
	case err := <-runErr:
		return fmt.Errorf("consumer stopped: %w", err)
	case <-time.After(10 * time.Minute):
		return fmt.Errorf("only %d of %d results within 10 minutes", len(lat), len(items))
	case <-ctx.Done():
		return ctx.Err()
	}
	mu.Lock()
	defer mu.Unlock()
	elapsed := last.Sub(first)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration {
		return lat[min(len(lat)-1, int(p*float64(len(lat))))].Round(time.Millisecond)
	}
	var stored int
	if err := s.st.DB().GetContext(ctx, &stored, `SELECT count(*) FROM claim_results`); err != nil {
		return err
	}
	mode := "as fast as possible"
	if *rate > 0 {
		mode = fmt.Sprintf("paced at %d/s", *rate)
	}
	fmt.Fprintf(std.out, "end to end (%s; Kafka → adjudicate → PostgreSQL → claims.adjudicated): %d claims in %v = %.0f claims/s; %d results stored\n",
		mode, len(items), elapsed.Round(time.Millisecond), float64(len(items))/elapsed.Seconds(), stored)
	fmt.Fprintf(std.out, "latency submission → published stored result: p50 %v, p99 %v, max %v\n", pct(0.50), pct(0.99), lat[len(lat)-1].Round(time.Millisecond))
	return nil
}

// stringField reads a top-level string field near the start of a JSON object (ids without
// escapes), falling back to decoding the whole object.
func stringField(v []byte, name string) string {
	key := []byte(`"` + name + `":"`)
	if i := bytes.Index(v[:min(len(v), 256)], key); i >= 0 {
		rest := v[i+len(key):]
		if j := bytes.IndexByte(rest, '"'); j >= 0 && bytes.IndexByte(rest[:j], '\\') < 0 {
			return string(rest[:j])
		}
	}
	var m map[string]any
	_ = json.Unmarshal(v, &m)
	s, _ := m[name].(string)
	return s
}
