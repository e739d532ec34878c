package pipeline

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
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

// SubmitError says which items of a batch the broker did not take, and why; every other
// item was acknowledged.
type SubmitError struct {
	BatchID      string
	Acknowledged int
	Items        []RefusedItem
}

// RefusedItem is one submission the broker did not acknowledge.
type RefusedItem struct {
	Index int    // 0-based position in the batch
	Claim string // provider_id/claim_id when readable
	Bytes int
	Err   error
}

func (e *SubmitError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "batch %s: %d submission(s) not acknowledged (%d were)", e.BatchID, len(e.Items), e.Acknowledged)
	for i, it := range e.Items {
		if i == 5 {
			fmt.Fprintf(&b, "\n  … and %d more", len(e.Items)-5)
			break
		}
		fmt.Fprintf(&b, "\n  item %d, claim %s, %d bytes: %s", it.Index+1, orUnknown(it.Claim), it.Bytes, describeWriteError(it.Err))
	}
	return b.String()
}

// Unwrap exposes the causes.
func (e *SubmitError) Unwrap() []error {
	out := make([]error, len(e.Items))
	for i, it := range e.Items {
		out[i] = it.Err
	}
	return out
}

func orUnknown(s string) string {
	if s == "" {
		return "(ids unreadable)"
	}
	return s
}

// Submit produces the batch items to claims.submitted keyed by member id and returns once
// the broker acknowledged every message (acks=all), or a *SubmitError naming the items it
// refused (claim, size, reason). progress, if set, is told how many items were handled.
func Submit(ctx context.Context, p *Producer, items [][]byte, batchID string, progress func(done int)) ([]Submitted, error) {
	subs := make([]Submitted, len(items))
	for i, it := range items {
		v, k := claim.Envelope(it, batchID)
		subs[i] = Submitted{Key: k, Value: v}
	}
	serr := &SubmitError{BatchID: batchID}
	const chunk = 2000
	for start := 0; start < len(subs); start += chunk {
		end := min(start+chunk, len(subs))
		msgs := make([]kafka.Message, 0, end-start)
		for _, s := range subs[start:end] {
			msgs = append(msgs, kafka.Message{Key: s.Key, Value: s.Value})
		}
		err := p.Write(ctx, msgs...)
		var pe *ProduceError
		switch {
		case err == nil:
		case errors.As(err, &pe):
			for _, f := range pe.Failed {
				i := start + f.Index
				serr.Items = append(serr.Items, RefusedItem{Index: i, Claim: claimOf(subs[i].Value), Bytes: f.Size, Err: f.Err})
			}
		default:
			return nil, fmt.Errorf("produce batch %s (messages %d–%d): %w", batchID, start+1, end, err)
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("produce batch %s: %w", batchID, ctx.Err())
		}
		if progress != nil {
			progress(end)
		}
	}
	if len(serr.Items) > 0 {
		serr.Acknowledged = len(items) - len(serr.Items)
		return subs, serr
	}
	return subs, nil
}

// SubmitTo is Submit on the producer p, as the intake calls it.
func SubmitTo(p *Producer) func(ctx context.Context, items [][]byte, batchID string, progress func(int)) error {
	return func(ctx context.Context, items [][]byte, batchID string, progress func(int)) error {
		_, err := Submit(ctx, p, items, batchID, progress)
		return err
	}
}

// claimOf names a submission envelope's claim "provider_id/claim_id" ("" when neither).
func claimOf(v []byte) string {
	id := claim.Peek(v)
	if id.ProviderID == "" && id.ClaimID == "" {
		return ""
	}
	return id.ProviderID + "/" + id.ClaimID
}
