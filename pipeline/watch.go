package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"

	"medclaims/claim"
)

// WatchResults reads a results topic from its first offset (with a consumer group of its
// own) and calls fn with each result and the time it arrived, until ctx ends.
func WatchResults(ctx context.Context, brokers []string, topic string, fn func(claim.Result, time.Time)) error {
	return WatchRaw(ctx, brokers, topic, func(v []byte, at time.Time) error {
		var res claim.Result
		if err := json.Unmarshal(v, &res); err != nil {
			return fmt.Errorf("watch %s: not a result: %w", topic, err)
		}
		fn(res, at)
		return nil
	})
}

// WatchRaw is WatchResults with the undecoded values.
func WatchRaw(ctx context.Context, brokers []string, topic string, fn func([]byte, time.Time) error) error {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, GroupID: fmt.Sprintf("medclaims-watch-%d", time.Now().UnixNano()),
		Topic: topic, StartOffset: kafka.FirstOffset, MinBytes: 1, MaxBytes: 16 << 20, MaxWait: 20 * time.Millisecond,
		QueueCapacity: 1000, CommitInterval: time.Second})
	defer r.Close()
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("watch %s: %w", topic, err)
		}
		if err := fn(m.Value, time.Now()); err != nil {
			return err
		}
	}
}
