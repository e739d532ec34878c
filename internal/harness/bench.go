package harness

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"sort"
	"sync"
	"time"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/pipeline"
	"medclaims/policy"
	"medclaims/sample"
)

// BenchDatabase is the prefix of the databases the benchmark may drop and recreate.
const BenchDatabase = "medclaims_bench"

// BenchConfig configures a benchmark run.
type BenchConfig struct {
	Claims    int // synthetic claims, ≥ 1
	Members   int // synthetic members, ≥ 1
	BatchSize int // consumer micro-batch
	Rate      int // submissions per second, 0: as fast as the broker takes them
	Service   pipeline.ServiceConfig
	Seed      uint64 // 0: from the clock
}

// Validate checks the ranges.
func (c *BenchConfig) Validate() error {
	switch {
	case c.Claims < 1 || c.Claims > 10_000_000:
		return fmt.Errorf("claims %d: want 1 to 10000000", c.Claims)
	case c.Members < 1 || c.Members > 10_000_000:
		return fmt.Errorf("members %d: want 1 to 10000000", c.Members)
	case c.BatchSize < 1 || c.BatchSize > 100_000:
		return fmt.Errorf("batch size %d: want 1 to 100000", c.BatchSize)
	case c.Rate < 0:
		return fmt.Errorf("rate %d: want 0 (as fast as possible) or more", c.Rate)
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	return nil
}

// BenchReport is what a run measured.
type BenchReport struct {
	Claims           int
	PureOne, PureAll float64 // claims/s on one goroutine and on GOMAXPROCS
	Procs            int
	EndToEnd         float64 // claims/s
	Elapsed          time.Duration
	Stored           int
	P50, P99, Max    time.Duration
	Rate             int
}

// Bench runs the synthetic load: pure adjudication, then end to end (Kafka → adjudicate
// → PostgreSQL → claims.adjudicated) with the latency from submission to published result.
func Bench(ctx context.Context, cfg BenchConfig, log *slog.Logger) (BenchReport, error) {
	if err := cfg.Validate(); err != nil {
		return BenchReport{}, err
	}
	bundle, err := sample.SyntheticBundle(cfg.Members)
	if err != nil {
		return BenchReport{}, err
	}
	items := sample.Synthetic(cfg.Claims, cfg.Members, cfg.Seed)
	subs := make([]claim.Submission, len(items))
	for i, it := range items {
		if subs[i], err = claim.DecodeSubmission(it); err != nil {
			return BenchReport{}, err
		}
	}
	rep := BenchReport{Claims: len(items), Procs: runtime.GOMAXPROCS(0), Rate: cfg.Rate}
	rep.PureOne = pureRate(bundle, subs, 1)
	rep.PureAll = pureRate(bundle, subs, rep.Procs)

	cfg.Service.BatchSize = cfg.BatchSize
	s, err := Fresh(ctx, cfg.Service, BenchDatabase, bundle, log)
	if err != nil {
		return rep, err
	}
	defer s.Close()
	if err := endToEnd(ctx, s, items, subs, cfg.Rate, &rep); err != nil {
		return rep, err
	}
	rep.Stored, err = s.Store.CountResults(ctx)
	return rep, err
}

// pureRate prices every claim with the members sharded over n goroutines, one book each.
func pureRate(bundle *policy.Bundle, subs []claim.Submission, n int) float64 {
	parts := payment.ShardByMember(subs, n)
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
	return float64(len(subs)) / time.Since(start).Seconds()
}

// latencies records when each claim was sent and when its result arrived.
type latencies struct {
	mu   sync.Mutex
	sent map[string]time.Time
	lat  []time.Duration
	last time.Time
	want int
	done chan struct{}
}

func (l *latencies) arrived(v []byte, at time.Time) {
	key := claim.PeekString(v, "provider_id") + "/" + claim.PeekString(v, "claim_id")
	l.mu.Lock()
	defer l.mu.Unlock()
	if t0, ok := l.sent[key]; ok {
		l.lat = append(l.lat, at.Sub(t0))
		delete(l.sent, key)
		l.last = at
		if len(l.lat) == l.want {
			close(l.done)
		}
	}
}

func endToEnd(ctx context.Context, s *pipeline.Service, items [][]byte, subs []claim.Submission, rate int, rep *BenchReport) error {
	r := Start(ctx, s, s.Run)
	defer r.Stop()
	l := &latencies{sent: make(map[string]time.Time, len(items)), want: len(items), done: make(chan struct{})}
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		_ = pipeline.WatchRaw(watchCtx, s.Brokers, s.Topics.Adjudicated, func(v []byte, at time.Time) error { l.arrived(v, at); return nil })
	}()
	chunk := 500
	if rate > 0 && rate < chunk*10 {
		chunk = max(1, rate/10)
	}
	first := time.Now()
	for i := 0; i < len(items); i += chunk {
		end := min(i+chunk, len(items))
		now := time.Now()
		l.mu.Lock()
		for j := i; j < end; j++ {
			l.sent[subs[j].Claim.ProviderID+"/"+subs[j].Claim.ClaimID] = now
		}
		l.mu.Unlock()
		if err := r.Submit(ctx, items[i:end], "BENCH"); err != nil {
			return err
		}
		if rate > 0 {
			time.Sleep(time.Until(first.Add(time.Duration(float64(end) / float64(rate) * float64(time.Second)))))
		}
	}
	short := func() string {
		l.mu.Lock()
		defer l.mu.Unlock()
		return fmt.Sprintf("only %d of %d results", len(l.lat), len(items))
	}
	if err := r.Wait(ctx, l.done, 10*time.Minute, short); err != nil {
		return err
	}
	l.report(first, rep)
	return r.Stop()
}

// report fills the rate and latency percentiles.
func (l *latencies) report(first time.Time, rep *BenchReport) {
	l.mu.Lock()
	defer l.mu.Unlock()
	rep.Elapsed = l.last.Sub(first)
	rep.EndToEnd = float64(len(l.lat)) / rep.Elapsed.Seconds()
	sort.Slice(l.lat, func(i, j int) bool { return l.lat[i] < l.lat[j] })
	pct := func(p float64) time.Duration {
		return l.lat[min(len(l.lat)-1, int(p*float64(len(l.lat))))].Round(time.Millisecond)
	}
	rep.P50, rep.P99, rep.Max = pct(0.50), pct(0.99), l.lat[len(l.lat)-1].Round(time.Millisecond)
}
