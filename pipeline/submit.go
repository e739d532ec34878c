package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
)

// NewBatchID returns a fresh batch id.
func NewBatchID(now time.Time) string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return "B" + now.UTC().Format("20060102T150405") + "-" + hex.EncodeToString(b[:])
}

// Submitted is one produced submission.
type Submitted struct {
	Key   []byte
	Value []byte
}

// Submit produces the batch items to claims.submitted keyed by member id and returns once
// the broker acknowledged every message (acks=all). progress, if set, is told how many
// messages were acknowledged so far.
func Submit(ctx context.Context, w *kafka.Writer, items [][]byte, batchID string, progress func(done int)) ([]Submitted, error) {
	subs := make([]Submitted, len(items))
	for i, it := range items {
		v, k := claim.Envelope(it, batchID)
		subs[i] = Submitted{Key: k, Value: v}
	}
	const chunk = 2000
	for start := 0; start < len(subs); start += chunk {
		end := min(start+chunk, len(subs))
		msgs := make([]kafka.Message, 0, end-start)
		for _, s := range subs[start:end] {
			msgs = append(msgs, kafka.Message{Key: s.Key, Value: s.Value})
		}
		if err := w.WriteMessages(ctx, msgs...); err != nil {
			return nil, fmt.Errorf("produce batch %s (messages %d–%d): %w", batchID, start+1, end, err)
		}
		if progress != nil {
			progress(end)
		}
	}
	return subs, nil
}
