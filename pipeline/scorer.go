package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
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
	policies *policyCache
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
	s := &Scorer{cfg: cfg, st: st}
	c, err := NewConsumer(ConsumerConfig{Brokers: cfg.Brokers, Topic: cfg.Topics.Adjudicated, GroupID: cfg.GroupID, DLQ: cfg.Topics.DLQ,
		BatchSize: cfg.BatchSize, BatchWait: cfg.BatchWait, StallAfter: cfg.StallAfter, AfterStore: cfg.AfterStore}, s, log, m)
	if err != nil {
		return nil, err
	}
	s.consumer, s.log, s.metrics = c, c.log, c.metrics
	s.policies = &policyCache{st: st, log: c.log}
	return s, nil
}

// Run consumes until ctx ends.
func (s *Scorer) Run(ctx context.Context) error { return s.consumer.Run(ctx) }

// Stalled lists the partitions that have been retrying for too long.
func (s *Scorer) Stalled() []Stall { return s.consumer.Stalled() }

type resultIDs struct {
	ProviderID string    `json:"provider_id"`
	ClaimID    string    `json:"claim_id"`
	BatchID    string    `json:"batch_id"`
	Status     string    `json:"status"`
	Fraud      *struct{} `json:"fraud"`
}

// Describe names a result by its claim.
func (s *Scorer) Describe(m kafka.Message) Described {
	var r resultIDs
	if json.Unmarshal(m.Value, &r) != nil {
		return Described{}
	}
	return Described{BatchID: r.BatchID, Subject: "result " + r.ProviderID + "/" + r.ClaimID}
}

// Handle re-scores the providers the batch's results touch.
func (s *Scorer) Handle(ctx context.Context, batch []kafka.Message) (Outcome, error) {
	var out Outcome
	touched := map[string]int{} // provider → last record that touched it
	for i, m := range batch {
		var r resultIDs
		if err := json.Unmarshal(m.Value, &r); err != nil || r.ProviderID == "" {
			out.Park = append(out.Park, Parked{Record: i, Stage: StageDecode, Err: fmt.Errorf("not an adjudication result: %v", err)})
			continue
		}
		if r.Status != claim.StatusRejected || r.Fraud != nil { // a rejection changes no live claim, but member_deceased's
			touched[r.ProviderID] = i
		}
	}
	if len(touched) == 0 {
		return out, nil
	}
	policies, err := s.policies.get(ctx)
	if err != nil {
		return Outcome{}, err
	}
	if len(policies) == 0 {
		return out, nil // nothing is priced without a policy: nothing to score
	}
	params := fraud.NewParams(policies[len(policies)-1].Fraud)
	flags, err := s.score(ctx, params, touched)
	if err != nil {
		return Outcome{}, err
	}
	for _, f := range flags {
		v, err := json.Marshal(f.Flag)
		if err != nil {
			return Outcome{}, err
		}
		out.Publish = append(out.Publish, Output{Topic: s.cfg.Topics.FraudFlags, Key: []byte(f.ProviderID), Value: v, Record: f.record})
		s.metrics.Flags.WithLabelValues(f.Rule).Inc()
	}
	return out, nil
}

// score evaluates the touched providers' peer groups in one transaction.
func (s *Scorer) score(ctx context.Context, params fraud.Params, touched map[string]int) ([]recordFlag, error) {
	ids := make([]string, 0, len(touched))
	for id := range touched {
		ids = append(ids, id)
	}
	last := 0
	for _, i := range touched {
		last = max(last, i)
	}
	now := s.cfg.Now().UTC().Truncate(time.Millisecond)
	var out []recordFlag
	err := s.st.InScoring(ctx, func(tx *store.Scoring) error {
		out = out[:0]
		providers, err := tx.PeerGroups(ctx, ids)
		if err != nil {
			return err
		}
		all := make([]string, 0, len(providers))
		for id := range providers {
			all = append(all, id)
		}
		sort.Strings(all) // a fixed order: two scorers lock rows alike
		facts, err := tx.LiveFacts(ctx, all, params.WindowDays)
		if err != nil {
			return err
		}
		groups := peerGroups(providers, facts)
		var flags []fraud.Flag
		for _, id := range all {
			p := providers[id]
			res := fraud.EvaluateProvider(params, fraud.ProviderInput{Provider: p, Claims: facts[id], Peers: groups[groupKey(p)]})
			rules := make([]string, len(res.Hits))
			for i, h := range res.Hits {
				rules[i] = h.Rule
			}
			if err := tx.SaveScore(ctx, store.ProviderScore{ProviderID: id, Score: res.Score.String(), Rules: rules,
				FlaggedShare: res.FlaggedShare.String(), UpdatedAt: now}, res.Score.GreaterThanOrEqual(params.HoldScore)); err != nil {
				return err
			}
			flags = append(flags, params.ProviderFlags(id, res, now)...)
		}
		sort.Slice(flags, func(i, j int) bool { return flags[i].FlagID < flags[j].FlagID })
		saved, err := tx.SaveFlags(ctx, flags)
		for _, f := range saved {
			rec, ok := touched[f.ProviderID]
			if !ok {
				rec = last // a peer's flag: the batch's last touching record
			}
			out = append(out, recordFlag{f, rec})
		}
		return err
	})
	return out, err
}

func groupKey(p *policy.Provider) string { return strconv.Itoa(p.Level) + "/" + p.Region }

func peerGroups(providers map[string]*policy.Provider, facts map[string][]*fraud.Fact) map[string][]fraud.Peer {
	out := map[string][]fraud.Peer{}
	ids := make([]string, 0, len(providers))
	for id := range providers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		p := providers[id]
		out[groupKey(p)] = append(out[groupKey(p)], fraud.Peer{Provider: p, Claims: facts[id]})
	}
	return out
}
