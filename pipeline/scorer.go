package pipeline

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
	"medclaims/scoring"
	"medclaims/store"
)

// ScorerConfig configures the provider scoring consumer.
type ScorerConfig struct {
	Brokers    []string
	Topics     Topics
	GroupID    string // default "medclaims-fraud"
	BatchSize  int
	BatchWait  time.Duration
	StallAfter time.Duration
	Now        func() time.Time
	// AfterStore: see ConsumerConfig.
	AfterStore func(batch int) error
}

// Scorer is the provider scoring stage of DESIGN.md, a Handler on claims.adjudicated: for
// the providers a micro-batch of results touches, and their peer groups, it evaluates the
// provider rules over the live claims the adjudicator stored (claim_facts, keyed by claim
// version, voids and replaces applied: redelivery changes nothing), saves scores and
// payment suspensions, and publishes provider flags on fraud.flags.
type Scorer struct {
	cfg      ScorerConfig
	st       *store.Store
	log      *slog.Logger
	metrics  *Metrics
	consumer *Consumer
	policies *store.PolicyCache
	wake     chan struct{}

	mu      sync.Mutex
	failing *Stall // the evaluator's failure, while it lasts
}

// NewScorer builds the scoring consumer; metrics may be nil.
func NewScorer(cfg ScorerConfig, st *store.Store, log *slog.Logger, m *Metrics) (*Scorer, error) {
	if cfg.Topics.Adjudicated == "" {
		cfg.Topics = NewTopics("")
	}
	if cfg.GroupID == "" {
		cfg.GroupID = "medclaims-fraud"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// BatchWait is also the evaluator's period: a flag follows the result that completes a
	// pattern within about a second.
	if cfg.BatchWait == 0 {
		cfg.BatchWait = time.Second
	}
	if cfg.StallAfter == 0 {
		cfg.StallAfter = 30 * time.Second
	}
	s := &Scorer{cfg: cfg, st: st, wake: make(chan struct{}, 1)}
	c, err := NewConsumer(ConsumerConfig{Brokers: cfg.Brokers, Topic: cfg.Topics.Adjudicated, GroupID: cfg.GroupID, DLQ: cfg.Topics.DLQ,
		BatchSize: cfg.BatchSize, BatchWait: cfg.BatchWait, StallAfter: cfg.StallAfter, AfterStore: cfg.AfterStore}, s, log, m)
	if err != nil {
		return nil, err
	}
	s.consumer, s.log, s.metrics = c, c.log, c.metrics
	s.policies = store.NewPolicyCache(st, c.log)
	return s, nil
}

// Run consumes and evaluates until ctx ends.
func (s *Scorer) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan struct{})
	go func() { defer close(done); s.evaluate(ctx) }()
	err := s.consumer.Run(ctx)
	cancel()
	<-done
	return err
}

// Stalled lists the partitions that have been retrying for too long, and the evaluator
// while it has been failing for as long.
func (s *Scorer) Stalled() []Stall {
	out := s.consumer.Stalled()
	s.mu.Lock()
	defer s.mu.Unlock()
	if f := s.failing; f != nil && time.Since(f.Since) >= s.cfg.StallAfter {
		out = append(out, *f)
	}
	return out
}

// Describe names a result by its claim.
func (s *Scorer) Describe(m kafka.Message) Described {
	id := claim.Peek(m.Value)
	if id.ProviderID == "" && id.ClaimID == "" && id.BatchID == "" {
		return Described{}
	}
	return Described{BatchID: id.BatchID, Subject: "result " + id.ProviderID + "/" + id.ClaimID}
}

// Handle marks the providers the batch's results touch for evaluation; the evaluator
// re-scores them about once a second, however many partitions deliver results.
func (s *Scorer) Handle(ctx context.Context, batch []kafka.Message) (Outcome, error) {
	var out Outcome
	touched := map[string]bool{}
	for i, m := range batch {
		// Results begin with their ids and status: read those without decoding the whole
		// result (its explanation is most of it).
		provider, status := claim.PeekString(m.Value, "provider_id"), claim.PeekString(m.Value, "status")
		if provider == "" || status == "" {
			out.Park = append(out.Park, Parked{Record: i, Stage: StageDecode, Err: errors.New("not an adjudication result: no provider_id or status")})
			continue
		}
		if status != claim.StatusRejected || bytes.Contains(m.Value, []byte(`"fraud":{`)) { // member_deceased's rejection is live
			touched[provider] = true
		}
	}
	if len(touched) == 0 {
		return out, nil
	}
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	if err := s.st.MarkDirty(ctx, ids, s.cfg.Now()); err != nil {
		return Outcome{}, err
	}
	select {
	case s.wake <- struct{}{}:
	default:
	}
	return out, nil
}

// evaluate runs until ctx ends: every second (or when woken) it re-scores the marked
// providers, and the relay publishes what the outboxes hold.
func (s *Scorer) evaluate(ctx context.Context) {
	relay := NewRelay(s.cfg.Brokers, s.cfg.Topics, s.st, s.metrics)
	defer relay.Close()
	for {
		start := time.Now()
		err := s.evaluateOnce(ctx)
		if err == nil {
			err = relay.Publish(ctx)
		}
		if ctx.Err() != nil {
			return // stopping: what an evaluation left undone waits for the next start
		}
		s.noteEvaluation(err)
		if n, err := s.st.ScoringPending(ctx); err == nil {
			s.metrics.ScoringPending.Set(float64(n))
		}
		// Evaluations read the peer groups' windows: wait at least BatchWait, and four
		// times as long as the last one took, so scoring keeps to about a fifth of a core.
		pause := max(s.cfg.BatchWait, 4*time.Since(start))
		if !sleep(ctx, pause) {
			return
		}
		select { // new results marked providers (a mark during the pause is buffered), or a retry is due
		case <-ctx.Done():
			return
		case <-s.wake:
		case <-time.After(2 * time.Second): // and the outbox of case events is read at least this often
		}
	}
}

func (s *Scorer) evaluateOnce(ctx context.Context) error {
	policies, err := s.policies.Get(ctx)
	if err != nil {
		return err
	}
	return scoring.Service{Store: s.st, Now: s.cfg.Now}.Score(ctx, policies)
}

// noteEvaluation logs a failed evaluation and reports it as a stall once it has lasted.
func (s *Scorer) noteEvaluation(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		s.failing = nil
		return
	}
	if s.failing == nil {
		s.failing = &Stall{Topic: s.cfg.Topics.Adjudicated, Partition: -1, Step: "provider scoring", Since: time.Now()}
	}
	s.failing.Attempts++
	s.failing.Error = err.Error()
	s.log.Error("provider scoring failed; the marked providers wait for the next attempt", "attempt", s.failing.Attempts, "error", err)
}
