package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/store"
)

// AdjudicatorConfig configures the adjudication consumer.
type AdjudicatorConfig struct {
	Brokers    []string
	Topics     Topics
	GroupID    string        // default "medclaims-adjudicator"
	BatchSize  int           // messages per micro-batch, default 500
	BatchWait  time.Duration // how long a micro-batch waits to fill, default 20ms
	StallAfter time.Duration // retrying longer than this reports the partition stalled, default 30s
	// Now is the clock (processing date for "in the future"); default time.Now.
	Now func() time.Time
	// AfterStore and BeforeCommit: see ConsumerConfig.
	AfterStore, BeforeCommit func(batch int) error
	// FailOn, when set, sees every decoded submission inside the batch's transaction; an
	// error it returns fails the batch as a processing error of that record would. It
	// exists to prove that a record that can never succeed is parked and nothing stalls.
	FailOn func(*claim.Submission) error
}

// Validate fills defaults and checks the configuration.
func (c *AdjudicatorConfig) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("pipeline: no Kafka brokers configured")
	}
	if c.Topics.Submitted == "" {
		c.Topics = NewTopics("")
	}
	if c.GroupID == "" {
		c.GroupID = "medclaims-adjudicator"
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// Adjudicator is the adjudication stage of DESIGN.md, a Handler of the micro-batch
// Consumer on claims.submitted: it decodes a batch, prices it against the database state
// in one transaction, and hands the results to publish on claims.adjudicated.
type Adjudicator struct {
	cfg      AdjudicatorConfig
	st       *store.Store
	log      *slog.Logger
	metrics  *Metrics
	consumer *Consumer

	policies *store.PolicyCache
}

// NewAdjudicator builds the consumer; metrics may be nil.
func NewAdjudicator(cfg AdjudicatorConfig, st *store.Store, log *slog.Logger, m *Metrics) (*Adjudicator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a := &Adjudicator{cfg: cfg, st: st}
	c, err := NewConsumer(ConsumerConfig{Brokers: cfg.Brokers, Topic: cfg.Topics.Submitted, GroupID: cfg.GroupID,
		DLQ: cfg.Topics.DLQ, BatchSize: cfg.BatchSize, BatchWait: cfg.BatchWait, StallAfter: cfg.StallAfter,
		AfterStore: cfg.AfterStore, BeforeCommit: cfg.BeforeCommit}, a, log, m)
	if err != nil {
		return nil, err
	}
	a.consumer, a.log, a.metrics = c, c.log, c.metrics
	a.policies = store.NewPolicyCache(st, c.log)
	return a, nil
}

// Run consumes until ctx ends (nil) or the AfterStore hook stops it (ErrStopped).
func (a *Adjudicator) Run(ctx context.Context) error { return a.consumer.Run(ctx) }

// Stalled lists the partitions that have been retrying for too long.
func (a *Adjudicator) Stalled() []Stall { return a.consumer.Stalled() }

// Describe names a submission by its claim and batch.
func (a *Adjudicator) Describe(m kafka.Message) Described {
	id := claim.Peek(m.Value)
	d := Described{BatchID: id.BatchID}
	if id.ProviderID != "" || id.ClaimID != "" {
		kind := id.Kind
		if kind == "" {
			kind = claim.KindClaim
		}
		d.Subject = kind + " " + id.ProviderID + "/" + id.ClaimID
	}
	return d
}

type decoded struct {
	src   claim.Source
	sub   *claim.Submission // nil: undecodable
	value []byte
}

// Handle decodes the batch, stores it in one transaction and returns its results to
// publish; undecodable records are parked.
func (a *Adjudicator) Handle(ctx context.Context, batch []kafka.Message) (Outcome, error) {
	items := make([]decoded, len(batch))
	var out Outcome
	for i, m := range batch {
		items[i].src, items[i].value = claim.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}, m.Value
		sub, err := claim.DecodeSubmission(m.Value)
		if err != nil {
			out.Park = append(out.Park, Parked{Record: i, Stage: StageDecode, Err: err})
			continue
		}
		items[i].sub = &sub
	}
	results, flags, err := a.store(ctx, items)
	if err != nil {
		return Outcome{}, err
	}
	for _, r := range results {
		out.Publish = append(out.Publish, Output{Topic: a.cfg.Topics.Adjudicated, Key: []byte(r.member), Value: r.json, Record: r.record})
		a.metrics.Results.WithLabelValues(r.status).Inc()
	}
	for _, f := range flags {
		v, err := json.Marshal(f.Flag)
		if err != nil {
			return Outcome{}, fmt.Errorf("encode flag %s: %w", f.FlagID, err)
		}
		out.Publish = append(out.Publish, Output{Topic: a.cfg.Topics.FraudFlags, Key: []byte(f.ProviderID), Value: v, Record: f.record})
		a.metrics.Flags.WithLabelValues(f.Rule).Inc()
	}
	return out, nil
}

// encoded is a result ready to publish.
type encoded struct {
	record         int
	member, status string
	json           []byte
}

func encode(r claim.Result, record int) encoded {
	b := r.AppendJSON(make([]byte, 0, 512+192*len(r.Explanation)))
	return encoded{record: record, member: r.MemberID, status: r.Status, json: b}
}

// store prices the batch against the database state in one transaction and returns the
// result of every decodable submission, in offset order.
// recordFlag is a flag to publish and the index of the record whose claim raised it.
type recordFlag struct {
	fraud.Flag
	record int
}

func (a *Adjudicator) store(ctx context.Context, items []decoded) ([]encoded, []recordFlag, error) {
	policies, err := a.policies.Get(ctx)
	if err != nil {
		return nil, nil, err
	}
	q := store.BatchQuery{Reach: policies.Reach()}
	for _, it := range items {
		if it.sub != nil {
			q.Add(it.sub, it.src)
		}
	}
	var results []encoded
	var flags []recordFlag
	now := a.cfg.Now()
	err = a.st.InBatch(ctx, func(tx *store.Batch) error {
		results = results[:0]
		state, err := tx.Load(ctx, q)
		if err != nil {
			return err
		}
		book := &payment.Book{Policies: policies, Dir: state.Directory(), Claims: state.Claims, Totals: state.Totals,
			History: state.History, Points: state.Points, Trace: state.Trace, Now: func() time.Time { return now }}
		flags = flags[:0]
		raisedBy := map[claim.Key]int{} // claim → record, for the flags to publish
		for i, it := range items {
			if it.sub != nil {
				raisedBy[it.sub.Key()] = i
			}
		}
		for _, f := range state.DoneFlags {
			flags = append(flags, recordFlag{f, raisedBy[claim.Key{ProviderID: f.ProviderID, ClaimID: f.ClaimIDs[0]}]})
		}
		var outs []store.Outcome
		for i, it := range items {
			if it.sub == nil {
				continue
			}
			if a.cfg.FailOn != nil {
				if err := a.cfg.FailOn(it.sub); err != nil {
					return err
				}
			}
			if r, seen := state.Done[it.src]; seen {
				results = append(results, encode(r, i)) // redelivered: re-emit, apply nothing
				continue
			}
			src := it.src
			eff := book.Process(it.sub, &src)
			enc := encode(eff.Result, i)
			outs = append(outs, store.Outcome{Source: src, Kind: it.sub.Kind, Key: it.sub.Key(), MemberID: it.sub.Claim.MemberID,
				Effect: eff, JSON: enc.json, Submission: it.value})
			results = append(results, enc)
		}
		saved, err := tx.Save(ctx, outs, now)
		for _, f := range saved {
			flags = append(flags, recordFlag{f, raisedBy[claim.Key{ProviderID: f.ProviderID, ClaimID: f.ClaimIDs[0]}]})
		}
		return err
	})
	return results, flags, err
}
