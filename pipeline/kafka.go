// Package pipeline is the Kafka side of medclaims (segmentio/kafka-go): the micro-batch
// consumer every stage uses (effectively once with the database, the DLQ for what can
// never succeed), its two handlers (the adjudicator, which wires claim → payment → store;
// the scoring consumer, which marks providers for package scoring and publishes what the
// outboxes hold), producers, topics named from the configured prefix, the consumer groups'
// health, service assembly, and the embedded Kafka-protocol broker for one-machine runs.
// It holds no pricing or fraud rules of its own and no SQL.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/segmentio/kafka-go"
	"github.com/twmb/franz-go/pkg/kfake"
)

// Topics are the topic names, all sharing a configurable prefix.
type Topics struct {
	Submitted       string
	Adjudicated     string
	DLQ             string
	FraudFlags      string
	FraudCases      string
	ProvidersStatus string
}

// NewTopics returns the topic names with the prefix (MEDCLAIMS_TOPIC_PREFIX) prepended.
func NewTopics(prefix string) Topics {
	return Topics{
		Submitted: prefix + "claims.submitted", Adjudicated: prefix + "claims.adjudicated", DLQ: prefix + "claims.dlq",
		FraudFlags: prefix + "fraud.flags", FraudCases: prefix + "fraud.cases", ProvidersStatus: prefix + "providers.status",
	}
}

// All lists every topic.
func (t Topics) All() []string {
	return []string{t.Submitted, t.Adjudicated, t.DLQ, t.FraudFlags, t.FraudCases, t.ProvidersStatus}
}

// Broker is the embedded Kafka-protocol broker (kfake) for one-machine runs and tests.
// Clients reach it over TCP exactly as they reach a Kafka cluster.
type Broker struct {
	cluster *kfake.Cluster
	Addrs   []string
	stop    context.CancelFunc // ends the group reaper
}

// StartBroker starts the embedded broker on addr ("127.0.0.1:0" picks a free port) with
// the given default partition count.
func StartBroker(addr string, partitions int) (*Broker, error) {
	if partitions < 1 {
		partitions = 1
	}
	opts := []kfake.Opt{kfake.NumBrokers(1), kfake.AllowAutoTopicCreation(), kfake.DefaultNumPartitions(partitions)}
	if addr != "" {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, fmt.Errorf("broker address %q: %w", addr, err)
		}
		p, err := strconv.Atoi(port)
		if err != nil {
			return nil, fmt.Errorf("broker port %q: %w", port, err)
		}
		opts = append(opts, kfake.Ports(p))
		if host != "" {
			opts = append(opts, kfake.ListenFn(func(network, a string) (net.Listener, error) {
				_, port, _ := net.SplitHostPort(a)
				return net.Listen(network, net.JoinHostPort(host, port))
			}))
		}
	}
	c, err := kfake.NewCluster(opts...)
	if err != nil {
		return nil, fmt.Errorf("start embedded broker: %w", err)
	}
	ctx, stop := context.WithCancel(context.Background())
	b := &Broker{cluster: c, Addrs: c.ListenAddrs(), stop: stop}
	go newGroupReaper(c, b.Addrs, slog.Default()).run(ctx)
	return b, nil
}

// Close stops the broker.
func (b *Broker) Close() {
	b.stop()
	b.cluster.Close()
}

// ParseBrokers splits a KAFKA_BROKERS value.
func ParseBrokers(s string) []string {
	var out []string
	for _, a := range strings.Split(s, ",") {
		if a = strings.TrimSpace(a); a != "" {
			out = append(out, a)
		}
	}
	return out
}

// EnsureTopics creates the topics that do not exist yet with the given partition count
// and replication factor.
func EnsureTopics(ctx context.Context, brokers []string, topics []string, partitions, replication int) error {
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 30 * time.Second}
	req := &kafka.CreateTopicsRequest{}
	for _, t := range topics {
		req.Topics = append(req.Topics, kafka.TopicConfig{Topic: t, NumPartitions: partitions, ReplicationFactor: replication})
	}
	var resp *kafka.CreateTopicsResponse
	var err error
	for attempt := 0; attempt < 20; attempt++ {
		resp, err = cl.CreateTopics(ctx, req)
		if err == nil {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	if err != nil {
		return fmt.Errorf("create topics on %v: %w", brokers, err)
	}
	for t, e := range resp.Errors {
		if e != nil && !errors.Is(e, kafka.TopicAlreadyExists) {
			return fmt.Errorf("create topic %s: %w", t, e)
		}
	}
	return nil
}
