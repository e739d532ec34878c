package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/segmentio/kafka-go"
)

// Handler processes the micro-batches of a Consumer.
type Handler interface {
	// Handle processes one micro-batch of one partition, in offset order, stores its
	// effects and returns what to publish and what to park. An error fails the whole batch:
	// a transient one is retried, a permanent one makes the consumer isolate the record
	// that causes it.
	Handle(ctx context.Context, batch []kafka.Message) (Outcome, error)
	// Describe names a record for logs and DLQ records (claim and batch ids when known).
	Describe(m kafka.Message) Described
}

// Described names a record.
type Described struct {
	BatchID string // "" when unknown
	Subject string // what the record is about, e.g. "claim H1001/C-17"; "" when unknown
}

// Outcome is what a handled batch asks the consumer to do before it commits the offsets.
type Outcome struct {
	Publish []Output
	Park    []Parked
}

// Output is one message to publish; Record is the index in the batch of the record that
// produced it.
type Output struct {
	Topic  string
	Key    []byte
	Value  []byte
	Record int
}

// Parked is a record set aside on the DLQ with the reason; Stage says where it failed
// (decode, process, publish).
type Parked struct {
	Record int
	Stage  string
	Err    error
}

// Stages of a parked record.
const (
	StageDecode  = "decode"
	StageProcess = "process"
	StagePublish = "publish"
)

// ConsumerConfig configures a Consumer.
type ConsumerConfig struct {
	Brokers   []string
	Topic     string
	GroupID   string
	DLQ       string        // topic where parked records go
	BatchSize int           // messages per micro-batch, default 500
	BatchWait time.Duration // how long a micro-batch waits to fill, default 20ms
	// StallAfter is how long a partition may retry before it counts as stalled, default 30s.
	StallAfter time.Duration
	Backoff    Backoff // default 100ms to 5s
	// AfterStore, when set, runs after a batch is stored and before it is published and its
	// offsets committed; an error stops the consumer there (ErrStopped). It exists to prove
	// redelivery safety.
	AfterStore func(batch int) error
	// BeforeCommit, when set, runs after a batch is published and parked and before its
	// offsets are committed; an error stops the consumer there (ErrStopped): the batch comes
	// again, and its results are published again.
	BeforeCommit func(batch int) error
}

// Validate fills defaults and checks the configuration.
func (c *ConsumerConfig) Validate() error {
	switch {
	case len(c.Brokers) == 0:
		return errors.New("consumer: no Kafka brokers configured")
	case c.Topic == "" || c.GroupID == "" || c.DLQ == "":
		return errors.New("consumer: topic, group id and DLQ topic are required")
	case c.BatchSize < 0 || c.BatchSize > 100_000:
		return fmt.Errorf("consumer: batch size %d is outside 1..100000", c.BatchSize)
	}
	if c.BatchSize == 0 {
		c.BatchSize = 500
	}
	if c.BatchWait <= 0 {
		c.BatchWait = 20 * time.Millisecond
	}
	if c.StallAfter <= 0 {
		c.StallAfter = 30 * time.Second
	}
	if c.Backoff.Min <= 0 {
		c.Backoff = Backoff{Min: 100 * time.Millisecond, Max: 5 * time.Second}
	}
	return nil
}

// ErrStopped is returned when the AfterStore hook stops the consumer.
var ErrStopped = errors.New("consumer stopped by hook after the database commit")

// Consumer is the micro-batch consumer every stage uses: it joins the consumer group,
// runs one worker per assigned partition (created and retired with the assignment), and
// per micro-batch calls the handler, publishes its outputs, parks failed records on the
// DLQ, then commits the offsets. Transient failures retry with capped backoff and never
// commit; a permanent failure is isolated to its record, which is parked, and the
// partition moves on.
type Consumer struct {
	cfg     ConsumerConfig
	h       Handler
	log     *slog.Logger
	metrics *Metrics
	batches atomic.Int64

	mu        sync.Mutex
	producers map[string]*Producer
	stalls    map[int]*Stall
}

// SessionTimeout is the consumers' group session timeout: a member silent for longer is
// expired by the broker and its partitions move to the others.
const SessionTimeout = 10 * time.Second

// Stall is a partition whose current step has been failing since Since.
type Stall struct {
	Topic     string    `json:"topic"`
	Partition int       `json:"partition"`
	Offset    int64     `json:"offset"`
	Subject   string    `json:"subject,omitempty"`
	Step      string    `json:"step"`
	Since     time.Time `json:"since"`
	Attempts  int       `json:"attempts"`
	Error     string    `json:"error"`
}

// NewConsumer builds a consumer; metrics may be nil.
func NewConsumer(cfg ConsumerConfig, h Handler, log *slog.Logger, m *Metrics) (*Consumer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	if m == nil {
		m = NewMetrics(nil)
	}
	return &Consumer{cfg: cfg, h: h, log: log.With("consumer", cfg.GroupID), metrics: m,
		producers: map[string]*Producer{}, stalls: map[int]*Stall{}}, nil
}

// Stalled lists the partitions that have been retrying for longer than StallAfter.
func (c *Consumer) Stalled() []Stall {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Stall
	for _, s := range c.stalls {
		if time.Since(s.Since) >= c.cfg.StallAfter {
			out = append(out, *s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Partition < out[j].Partition })
	return out
}

func (c *Consumer) producer(topic string) *Producer {
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.producers[topic]
	if p == nil {
		p = NewProducer(c.cfg.Brokers, topic)
		c.producers[topic] = p
	}
	return p
}

// Run consumes until ctx ends (nil) or the AfterStore hook stops it (ErrStopped).
func (c *Consumer) Run(ctx context.Context) error {
	group, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{
		ID: c.cfg.GroupID, Brokers: c.cfg.Brokers, Topics: []string{c.cfg.Topic}, StartOffset: kafka.FirstOffset,
		HeartbeatInterval: time.Second, SessionTimeout: SessionTimeout, RebalanceTimeout: 10 * time.Second,
		JoinGroupBackoff: 500 * time.Millisecond, WatchPartitionChanges: true, PartitionWatchInterval: 5 * time.Second,
	})
	if err != nil {
		return fmt.Errorf("join consumer group %s: %w", c.cfg.GroupID, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var fatal error
	var once sync.Once
	fail := func(err error) { once.Do(func() { fatal = err; cancel() }) }
	defer func() {
		cancel()
		group.Close()
		wg.Wait()
		c.mu.Lock()
		for _, p := range c.producers {
			p.Close()
		}
		c.producers = map[string]*Producer{}
		c.mu.Unlock()
	}()
	for {
		gen, err := group.Next(runCtx)
		if err != nil {
			if runCtx.Err() != nil {
				return fatal
			}
			c.log.Warn("consumer group: waiting for the next generation", "error", err)
			if !sleep(runCtx, time.Second) {
				return fatal
			}
			continue
		}
		assigned := gen.Assignments[c.cfg.Topic]
		c.log.Info("partitions assigned", "generation", gen.ID, "partitions", len(assigned))
		for _, a := range assigned {
			wg.Add(1)
			gen.Start(func(gctx context.Context) {
				defer wg.Done()
				if err := c.work(runCtx, gctx, gen, a); err != nil {
					fail(err)
				}
			})
		}
	}
}

// work consumes one assigned partition until the generation or the run ends.
func (c *Consumer) work(runCtx, gctx context.Context, gen *kafka.Generation, a kafka.PartitionAssignment) error {
	stop, cancel := context.WithCancel(runCtx)
	defer cancel()
	defer context.AfterFunc(gctx, cancel)()
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: c.cfg.Brokers, Topic: c.cfg.Topic, Partition: a.ID,
		MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 50 * time.Millisecond, QueueCapacity: 2 * c.cfg.BatchSize})
	defer r.Close()
	if err := r.SetOffset(a.Offset); err != nil {
		return fmt.Errorf("partition %d: start at offset %d: %w", a.ID, a.Offset, err)
	}
	defer c.clearStall(a.ID)
	for {
		batch := c.collect(stop, r)
		if len(batch) == 0 {
			return nil // stopped
		}
		err := c.process(stop, gen, batch)
		c.metrics.Lag.WithLabelValues(c.cfg.GroupID, strconv.Itoa(a.ID)).Set(float64(r.Stats().Lag))
		if err != nil {
			if errors.Is(err, ErrStopped) {
				return err
			}
			if stop.Err() == nil {
				c.log.Error("partition worker gives up on its batch; the group rebalances and the batch comes again",
					"partition", a.ID, "offsets", offsetRange(batch), "error", err)
			}
			return nil // stopped mid-batch: nothing was committed, the records come again
		}
	}
}

// collect waits for one message, then gathers up to BatchSize within BatchWait.
func (c *Consumer) collect(stop context.Context, r *kafka.Reader) []kafka.Message {
	var m kafka.Message
	for {
		var err error
		if m, err = r.FetchMessage(stop); err == nil {
			break
		}
		if stop.Err() != nil {
			return nil
		}
		c.log.Warn("fetch failed; retrying", "partition", r.Config().Partition, "error", err)
		if !sleep(stop, time.Second) {
			return nil
		}
	}
	batch := []kafka.Message{m}
	wait, cancel := context.WithTimeout(stop, c.cfg.BatchWait)
	defer cancel()
	for len(batch) < c.cfg.BatchSize {
		m, err := r.FetchMessage(wait)
		if err != nil {
			break
		}
		batch = append(batch, m)
	}
	return batch
}
