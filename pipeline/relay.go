package pipeline

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/segmentio/kafka-go"

	"medclaims/fraud"
	"medclaims/store"
)

// Relay is the one publisher of what a transaction leaves to publish after its commit:
// the flags saved but not yet published (provider flags, and claim flags a case moved),
// and the case and designation events (fraud.Message) of the event outbox, each on the
// topic its kind names under the configured prefix. It clears an entry once the broker
// acknowledged it; publishing again after a failure is safe (consumers dedupe on ids).
// The adjudicator's results and claim flags are published by the consumer itself, before
// its offsets are committed.
type Relay struct {
	st      *store.Store
	flags   *Producer
	events  map[string]*Producer // fraud.Message kind → the producer of its topic
	metrics *Metrics
}

// NewRelay makes a relay; metrics may be nil.
func NewRelay(brokers []string, topics Topics, st *store.Store, m *Metrics) *Relay {
	return &Relay{st: st, flags: NewProducer(brokers, topics.FraudFlags), metrics: m,
		events: map[string]*Producer{fraud.KindCaseEvent: NewProducer(brokers, topics.FraudCases),
			fraud.KindDesignation: NewProducer(brokers, topics.ProvidersStatus)}}
}

// Close closes the producers.
func (r *Relay) Close() {
	r.flags.Close()
	for _, p := range r.events {
		p.Close()
	}
}

// Publish empties both outboxes.
func (r *Relay) Publish(ctx context.Context) error {
	if err := r.publishFlags(ctx); err != nil {
		return err
	}
	return r.publishEvents(ctx)
}

func (r *Relay) publishFlags(ctx context.Context) error {
	flags, err := r.st.UnpublishedFlags(ctx)
	if err != nil || len(flags) == 0 {
		return err
	}
	msgs := make([]kafka.Message, len(flags))
	for i, f := range flags {
		v, err := json.Marshal(f)
		if err != nil {
			return err
		}
		msgs[i] = kafka.Message{Key: []byte(f.ProviderID), Value: v}
	}
	if err := r.flags.Write(ctx, msgs...); err != nil {
		return fmt.Errorf("publish flags: %w", err)
	}
	if r.metrics != nil {
		for _, f := range flags {
			r.metrics.Flags.WithLabelValues(f.Rule).Inc()
		}
	}
	return r.st.MarkPublished(ctx, flags)
}

// publishEvents publishes the event outbox in order, 500 at a time.
func (r *Relay) publishEvents(ctx context.Context) error {
	for {
		evs, err := r.st.PendingEvents(ctx, 500)
		if err != nil || len(evs) == 0 {
			return err
		}
		ids := make([]int64, len(evs))
		for i, ev := range evs {
			p, ok := r.events[ev.Topic]
			if !ok {
				return fmt.Errorf("outbox event %d: unknown kind %q", ev.ID, ev.Topic)
			}
			if err := p.Write(ctx, kafka.Message{Key: []byte(ev.Key), Value: ev.Value}); err != nil {
				return fmt.Errorf("publish %s event %d: %w", ev.Topic, ev.ID, err)
			}
			ids[i] = ev.ID
		}
		if err := r.st.EventsPublished(ctx, ids); err != nil {
			return err
		}
	}
}
