package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

// Config configures the adjudication consumer.
type Config struct {
	Brokers   []string
	Topics    Topics
	GroupID   string        // default "medclaims-adjudicator"
	BatchSize int           // messages per micro-batch, default 500
	BatchWait time.Duration // how long a micro-batch waits to fill, default 20ms
	// Now is the clock (processing date for "in the future"); default time.Now.
	Now func() time.Time
	// AfterStore, when set, runs after a batch's database commit and before its results
	// are published and offsets committed; an error stops the consumer right there. It
	// exists to prove redelivery safety.
	AfterStore func(batch int) error
}

// Validate fills defaults and checks the configuration.
func (c *Config) Validate() error {
	if len(c.Brokers) == 0 {
		return errors.New("pipeline: no Kafka brokers configured")
	}
	if c.Topics.Submitted == "" {
		c.Topics = NewTopics("")
	}
	if c.GroupID == "" {
		c.GroupID = "medclaims-adjudicator"
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 500
	}
	if c.BatchWait <= 0 {
		c.BatchWait = 20 * time.Millisecond
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return nil
}

// ErrStopped is returned when the AfterStore hook stops the consumer.
var ErrStopped = errors.New("consumer stopped by hook after the database commit")

// Adjudicator is the adjudication consumer of DESIGN.md: it reads claims.submitted in
// micro-batches, prices them, stores each batch in one transaction, publishes the results
// and only then commits the offsets.
type Adjudicator struct {
	cfg     Config
	st      *store.Store
	log     *slog.Logger
	metrics *Metrics
	results *kafka.Writer
	dlq     *kafka.Writer
	batches atomic.Int64

	mu       sync.Mutex // guards policies and hashes
	policies payment.Policies
	hashes   map[string]string
}

// NewAdjudicator builds the consumer; metrics may be nil.
func NewAdjudicator(cfg Config, st *store.Store, log *slog.Logger, m *Metrics) (*Adjudicator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Adjudicator{cfg: cfg, st: st, log: log, metrics: m,
		results: NewWriter(cfg.Brokers, cfg.Topics.Adjudicated), dlq: NewWriter(cfg.Brokers, cfg.Topics.DLQ)}, nil
}

// Run consumes until ctx ends (nil) or the AfterStore hook stops it (ErrStopped).
func (a *Adjudicator) Run(ctx context.Context) error {
	defer a.results.Close()
	defer a.dlq.Close()
	r := kafka.NewReader(kafka.ReaderConfig{
		Brokers: a.cfg.Brokers, GroupID: a.cfg.GroupID, Topic: a.cfg.Topics.Submitted,
		MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 50 * time.Millisecond, StartOffset: kafka.FirstOffset,
		QueueCapacity: 2 * a.cfg.BatchSize, CommitInterval: 0, HeartbeatInterval: time.Second,
		SessionTimeout: 10 * time.Second, RebalanceTimeout: 10 * time.Second, WatchPartitionChanges: true,
	})
	defer r.Close()
	fctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// One worker per partition: each runs its own micro-batches (its own transaction), so
	// partitions are adjudicated in parallel while each stays in offset order.
	var wg sync.WaitGroup
	errs := make(chan error, 1)
	fail := func(err error) {
		select {
		case errs <- err:
		default:
		}
		cancel()
	}
	workers := map[int]chan kafka.Message{}
	defer func() {
		for _, ch := range workers {
			close(ch)
		}
		wg.Wait()
	}()
	for {
		m, err := r.FetchMessage(fctx)
		if err != nil {
			select {
			case werr := <-errs:
				if ctx.Err() != nil {
					return nil
				}
				return werr
			default:
			}
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("fetch from %s: %w", a.cfg.Topics.Submitted, err)
		}
		ch := workers[m.Partition]
		if ch == nil {
			ch = make(chan kafka.Message, a.cfg.BatchSize)
			workers[m.Partition] = ch
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					batch, ok := a.collect(fctx, ch)
					if len(batch) > 0 {
						if err := a.handle(fctx, r, batch); err != nil {
							fail(err)
							for range ch { // drain so the fetch loop never blocks on a dead worker
							}
							return
						}
					}
					if !ok {
						return
					}
				}
			}()
		}
		select {
		case ch <- m:
		case <-fctx.Done():
		}
	}
}

// collect waits for one message, then gathers up to BatchSize more within BatchWait.
func (a *Adjudicator) collect(ctx context.Context, msgs <-chan kafka.Message) ([]kafka.Message, bool) {
	var batch []kafka.Message
	select {
	case m, ok := <-msgs:
		if !ok {
			return nil, false
		}
		batch = append(batch, m)
	case <-ctx.Done():
		return nil, false
	}
	timer := time.NewTimer(a.cfg.BatchWait)
	defer timer.Stop()
	for len(batch) < a.cfg.BatchSize {
		select {
		case m, ok := <-msgs:
			if !ok {
				return batch, false
			}
			batch = append(batch, m)
		case <-timer.C:
			return batch, true
		case <-ctx.Done():
			return batch, false
		}
	}
	return batch, true
}

type decoded struct {
	msg kafka.Message
	src claim.Source
	sub *claim.Submission // nil: undecodable
	err error
}

// handle runs one micro-batch: DLQ → one database transaction → publish → commit offsets.
// Transient failures are retried with capped backoff; offsets are never committed before
// the database has the batch.
func (a *Adjudicator) handle(ctx context.Context, r *kafka.Reader, batch []kafka.Message) error {
	start := time.Now()
	items := make([]decoded, len(batch))
	var dead []kafka.Message
	for i, m := range batch {
		items[i] = decoded{msg: m, src: claim.Source{Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}}
		sub, err := claim.DecodeSubmission(m.Value)
		if err != nil {
			items[i].err = err
			dead = append(dead, dlqMessage(m, err))
			a.log.Warn("undecodable submission sent to DLQ", "partition", m.Partition, "offset", m.Offset, "error", err)
			continue
		}
		items[i].sub = &sub
	}
	if len(dead) > 0 {
		if err := a.retry(ctx, "write DLQ", func() error { return a.dlq.WriteMessages(ctx, dead...) }); err != nil {
			return err
		}
		a.metrics.DLQ.Add(float64(len(dead)))
	}
	tDecoded := time.Now()
	var results []encoded
	if err := a.retry(ctx, "store batch", func() error {
		var err error
		results, err = a.store(ctx, items)
		return err
	}); err != nil {
		return err
	}
	tStored := time.Now()
	n := a.batches.Add(1)
	if a.cfg.AfterStore != nil {
		if err := a.cfg.AfterStore(int(n)); err != nil {
			return fmt.Errorf("%w: %v", ErrStopped, err)
		}
	}
	out := make([]kafka.Message, len(results))
	for i, res := range results {
		out[i] = kafka.Message{Key: []byte(res.member), Value: res.json}
		a.metrics.Results.WithLabelValues(res.status).Inc()
	}
	if len(out) > 0 {
		if err := a.retry(ctx, "publish results", func() error { return a.results.WriteMessages(ctx, out...) }); err != nil {
			return err
		}
	}
	tPublished := time.Now()
	if err := a.retry(ctx, "commit offsets", func() error { return r.CommitMessages(ctx, batch...) }); err != nil {
		return err
	}
	a.log.Debug("batch done", "messages", len(batch), "decode", tDecoded.Sub(start), "store", tStored.Sub(tDecoded),
		"publish", tPublished.Sub(tStored), "commit", time.Since(tPublished))
	a.metrics.BatchSeconds.Observe(time.Since(start).Seconds())
	a.metrics.BatchSize.Observe(float64(len(batch)))
	return nil
}

// encoded is a result ready to publish.
type encoded struct {
	member, status string
	json           []byte
}

func encode(r claim.Result) (encoded, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return encoded{}, fmt.Errorf("encode result %s/%s: %w", r.ProviderID, r.ClaimID, err)
	}
	return encoded{member: r.MemberID, status: r.Status, json: b}, nil
}

// store prices the batch against the database state in one transaction and returns the
// result of every decodable submission, in offset order.
func (a *Adjudicator) store(ctx context.Context, items []decoded) ([]encoded, error) {
	policies, err := a.currentPolicies(ctx)
	if err != nil {
		return nil, err
	}
	var members, providers []string
	var keys []claim.Key
	var partitions []int
	var offsets []int64
	for _, it := range items {
		if it.sub == nil {
			continue
		}
		c := &it.sub.Claim
		members = append(members, c.MemberID)
		providers = append(providers, c.ProviderID)
		keys = append(keys, it.sub.Key())
		if c.Referral != nil {
			providers = append(providers, c.Referral.FromProviderID)
			keys = append(keys, claim.Key{ProviderID: c.Referral.FromProviderID, ClaimID: c.Referral.FromClaimID})
		}
		partitions = append(partitions, it.src.Partition)
		offsets = append(offsets, it.src.Offset)
	}
	var results []encoded
	now := a.cfg.Now()
	err = a.st.InBatch(ctx, func(tx *store.Batch) error {
		t0 := time.Now()
		results = results[:0]
		mems, err := tx.LockMembers(ctx, members)
		if err != nil {
			return err
		}
		provs, err := tx.Providers(ctx, providers)
		if err != nil {
			return err
		}
		done, err := tx.Processed(ctx, a.cfg.Topics.Submitted, partitions, offsets)
		if err != nil {
			return err
		}
		recs, err := tx.Claims(ctx, keys)
		if err != nil {
			return err
		}
		totals, err := tx.Totals(ctx, members)
		if err != nil {
			return err
		}
		signups, err := tx.Signups(ctx, members)
		if err != nil {
			return err
		}
		tLoad := time.Now()
		book := &payment.Book{Policies: policies, Dir: mapDirectory{provs, mems, signups}, Claims: recs, Totals: totals,
			Now: func() time.Time { return now }}
		var outs []store.Outcome
		for _, it := range items {
			if it.sub == nil {
				continue
			}
			if r, seen := done[it.src]; seen {
				enc, err := encode(r) // redelivered: re-emit, apply nothing
				if err != nil {
					return err
				}
				results = append(results, enc)
				continue
			}
			src := it.src
			eff := book.Process(it.sub, &src)
			enc, err := encode(eff.Result)
			if err != nil {
				return err
			}
			outs = append(outs, store.Outcome{Source: src, Kind: it.sub.Kind, Effect: eff, JSON: enc.json})
			results = append(results, enc)
		}
		tProc := time.Now()
		err = tx.Save(ctx, outs, now)
		a.log.Debug("store", "load", tLoad.Sub(t0), "process", tProc.Sub(tLoad), "save", time.Since(tProc))
		return err
	})
	return results, err
}

// currentPolicies returns the policy versions, reloading them when the stored set changed.
func (a *Adjudicator) currentPolicies(ctx context.Context) (payment.Policies, error) {
	hashes, err := a.st.PolicyHashes(ctx)
	if err != nil {
		return nil, err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.hashes != nil && equalMaps(hashes, a.hashes) {
		return a.policies, nil
	}
	bs, err := a.st.Policies(ctx)
	if err != nil {
		return nil, err
	}
	a.policies, a.hashes = payment.NewPolicies(bs...), hashes
	a.log.Info("policy versions loaded", "versions", len(bs))
	return a.policies, nil
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// retry runs fn until it succeeds or ctx ends, backing off from 100ms to 5s.
func (a *Adjudicator) retry(ctx context.Context, what string, fn func() error) error {
	backoff := 100 * time.Millisecond
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		a.metrics.Retries.WithLabelValues(what).Inc()
		level := slog.LevelWarn
		if !store.IsTransient(err) {
			level = slog.LevelError
		}
		a.log.Log(ctx, level, what+" failed; retrying, offsets not committed", "attempt", attempt, "backoff", backoff, "error", err)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		if backoff *= 2; backoff > 5*time.Second {
			backoff = 5 * time.Second
		}
	}
}

// mapDirectory serves the providers, members and signups read for a batch.
type mapDirectory struct {
	providers map[string]*policy.Provider
	members   map[string]*policy.Member
	signups   []policy.Signup
}

func (d mapDirectory) Signup(memberID, providerID string, date time.Time) (policy.Signup, bool) {
	return policy.FindSignup(d.signups, memberID, providerID, date)
}

func (d mapDirectory) Provider(id string) (*policy.Provider, bool) {
	p, ok := d.providers[id]
	return p, ok
}
func (d mapDirectory) Member(id string) (*policy.Member, bool) { m, ok := d.members[id]; return m, ok }

// DLQRecord is the value written to claims.dlq.
type DLQRecord struct {
	Error       string `json:"error"`
	Topic       string `json:"topic"`
	Partition   int    `json:"partition"`
	Offset      int64  `json:"offset"`
	Value       string `json:"value,omitempty"`        // the original bytes when they are UTF-8
	ValueBase64 string `json:"value_base64,omitempty"` // the original bytes otherwise
}

func dlqMessage(m kafka.Message, err error) kafka.Message {
	rec := DLQRecord{Error: err.Error(), Topic: m.Topic, Partition: m.Partition, Offset: m.Offset}
	if utf8.Valid(m.Value) {
		rec.Value = string(m.Value)
	} else {
		rec.ValueBase64 = base64.StdEncoding.EncodeToString(m.Value)
	}
	b, _ := json.Marshal(rec)
	return kafka.Message{Key: m.Key, Value: b, Headers: []kafka.Header{
		{Key: "error", Value: []byte(err.Error())}, {Key: "topic", Value: []byte(m.Topic)},
		{Key: "partition", Value: []byte(strconv.Itoa(m.Partition))}, {Key: "offset", Value: []byte(strconv.FormatInt(m.Offset, 10))},
	}}
}
