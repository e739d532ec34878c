package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
)

// Size limits of produced messages. A broker refuses a record batch above its
// max.message.bytes (1 MiB by default, the embedded broker too); the limit applies to the
// compressed batch, and claim and result JSON compress about tenfold with zstd.
const (
	// SharedBatchBytes is the most uncompressed bytes a shared record batch holds; a message
	// larger than LargeMessage travels in a record batch of its own.
	SharedBatchBytes = 1_000_000
	LargeMessage     = 512 << 10
	// MaxMessage is the largest uncompressed message the producer hands to the broker (the
	// broker's limit on the compressed batch still applies).
	MaxMessage = 64 << 20
)

// Producer writes messages to one topic, configured on purpose: every in-sync replica
// acknowledges, members are partitioned with murmur2 as the Java clients do, record
// batches leave after a few milliseconds and are zstd-compressed. Large messages go in a
// record batch of their own; order is kept, because runs of small and large messages are
// written one after the other.
type Producer struct {
	Topic        string
	shared, solo *kafka.Writer
}

// NewProducer returns a producer for topic.
func NewProducer(brokers []string, topic string) *Producer {
	w := func(batchSize int, batchBytes int64) *kafka.Writer {
		return &kafka.Writer{
			Addr: kafka.TCP(brokers...), Topic: topic, Balancer: &kafka.Murmur2Balancer{}, RequiredAcks: kafka.RequireAll,
			BatchTimeout: 5 * time.Millisecond, BatchSize: batchSize, BatchBytes: batchBytes, Compression: kafka.Zstd,
			MaxAttempts: 10, WriteTimeout: 30 * time.Second,
		}
	}
	return &Producer{Topic: topic, shared: w(1000, SharedBatchBytes), solo: w(1, MaxMessage)}
}

// Close flushes and closes the writers.
func (p *Producer) Close() error { return errors.Join(p.shared.Close(), p.solo.Close()) }

// MessageError is one message the broker (or the producer) refused.
type MessageError struct {
	Index int // position in the slice given to Write
	Size  int // uncompressed bytes of key and value
	Err   error
}

// ProduceError lists the messages of one Write that were not written; the others were.
type ProduceError struct {
	Topic  string
	Failed []MessageError
}

func (e *ProduceError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "produce to %s: %d message(s) not written", e.Topic, len(e.Failed))
	for i, f := range e.Failed {
		if i == 3 {
			fmt.Fprintf(&b, "; and %d more", len(e.Failed)-3)
			break
		}
		fmt.Fprintf(&b, "; message %d (%d bytes): %v", f.Index+1, f.Size, describeWriteError(f.Err))
	}
	return b.String()
}

// Unwrap returns the distinct causes, so errors.Is and IsTransient see them.
func (e *ProduceError) Unwrap() []error {
	out := make([]error, len(e.Failed))
	for i, f := range e.Failed {
		out[i] = f.Err
	}
	return out
}

// Transient reports whether every failure is worth retrying.
func (e *ProduceError) Transient() bool {
	for _, f := range e.Failed {
		if !IsTransient(f.Err) {
			return false
		}
	}
	return true
}

func describeWriteError(err error) string {
	var ke kafka.Error
	if errors.As(err, &ke) && ke == kafka.MessageSizeTooLarge {
		return fmt.Sprintf("refused by the broker: larger than its message limit (max.message.bytes, 1 MiB by default) even compressed: %v", err)
	}
	return err.Error()
}

// ErrTooLarge marks a message above MaxMessage: it is never sent.
var ErrTooLarge = fmt.Errorf("larger than the producer's limit of %d bytes", MaxMessage)

// Write produces msgs and returns once the broker acknowledged them, or a *ProduceError
// naming the messages that were not written (the others were).
func (p *Producer) Write(ctx context.Context, msgs ...kafka.Message) error {
	var failed []MessageError
	var run []int // indexes of one run of small or of large messages
	large := false
	flush := func() {
		if len(run) > 0 {
			w := p.shared
			if large {
				w = p.solo
			}
			failed = append(failed, p.run(ctx, w, msgs, run)...)
		}
		run = run[:0]
	}
	for i, m := range msgs {
		n := size(m)
		if n > MaxMessage {
			failed = append(failed, MessageError{Index: i, Size: n, Err: ErrTooLarge})
			continue
		}
		if isLarge := n > LargeMessage; isLarge != large {
			flush()
			large = isLarge
		}
		run = append(run, i)
	}
	flush()
	if len(failed) > 0 {
		sort.Slice(failed, func(i, j int) bool { return failed[i].Index < failed[j].Index })
		return &ProduceError{Topic: p.Topic, Failed: failed}
	}
	return nil
}

// run writes the messages at idx with w and returns those that failed.
func (p *Producer) run(ctx context.Context, w *kafka.Writer, msgs []kafka.Message, idx []int) []MessageError {
	part := make([]kafka.Message, len(idx))
	for i, j := range idx {
		part[i] = msgs[j]
	}
	err := w.WriteMessages(ctx, part...)
	if err == nil {
		return nil
	}
	var out []MessageError
	var we kafka.WriteErrors
	if errors.As(err, &we) && len(we) == len(part) {
		for i, e := range we {
			if e != nil {
				out = append(out, MessageError{Index: idx[i], Size: size(part[i]), Err: e})
			}
		}
		return out
	}
	for i := range part {
		out = append(out, MessageError{Index: idx[i], Size: size(part[i]), Err: err})
	}
	return out
}

func size(m kafka.Message) int { return len(m.Key) + len(m.Value) }
