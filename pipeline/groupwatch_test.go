package pipeline

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/segmentio/kafka-go"
)

// TestGroupWatchReportsUnservedPartitions: a group with no member leaves every partition
// unserved; a member that holds its partitions but never commits leaves those with lag
// unserved once the grace has passed, and a commit serves them again. /healthz reports
// these (Service.Health).
func TestGroupWatchReportsUnservedPartitions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b, err := StartBroker("127.0.0.1:0", 4)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	const topic = "gw.submitted"
	if err := EnsureTopics(ctx, b.Addrs, []string{topic}, 4, 1); err != nil {
		t.Fatal(err)
	}
	w := &kafka.Writer{Addr: kafka.TCP(b.Addrs...), Topic: topic, Balancer: &kafka.Murmur2Balancer{}, BatchTimeout: time.Millisecond}
	defer w.Close()
	for i := range 12 {
		if err := w.WriteMessages(ctx, kafka.Message{Key: []byte(fmt.Sprint("m", i)), Value: []byte("x")}); err != nil {
			t.Fatal(err)
		}
	}
	gw := newGroupWatch(b.Addrs, "gw-group", topic, 10*time.Second)
	t0 := time.Now()
	gw.look(ctx, t0)
	if h := gw.Health(); len(h.Unserved) != 0 || len(h.Lag) != 4 || h.Error != "" {
		t.Fatalf("at once: %+v", h)
	}
	gw.look(ctx, t0.Add(11*time.Second))
	if h := gw.Health(); !slices.Equal(h.Unserved, []int{0, 1, 2, 3}) || h.Members != 0 {
		t.Errorf("no member, past the grace: %+v", h)
	}
	// A member that takes every partition and commits nothing.
	cg, err := kafka.NewConsumerGroup(kafka.ConsumerGroupConfig{ID: "gw-group", Brokers: b.Addrs, Topics: []string{topic}})
	if err != nil {
		t.Fatal(err)
	}
	defer cg.Close()
	gen, err := cg.Next(ctx)
	if err != nil {
		t.Fatal(err)
	}
	withLag := []int{}
	gw = newGroupWatch(b.Addrs, "gw-group", topic, 10*time.Second)
	t1 := time.Now()
	gw.look(ctx, t1)
	for _, l := range gw.Health().Lag {
		if l.Lag > 0 {
			withLag = append(withLag, l.Partition)
		}
	}
	if h := gw.Health(); h.Members != 1 || len(h.Unserved) != 0 || len(withLag) == 0 {
		t.Fatalf("a member joined: %+v", h)
	}
	gw.look(ctx, t1.Add(11*time.Second)) // stuck from now on
	gw.look(ctx, t1.Add(22*time.Second))
	if h := gw.Health(); !slices.Equal(h.Unserved, withLag) {
		t.Errorf("a member that never commits: unserved %v, want the partitions with lag %v", h.Unserved, withLag)
	}
	commits := map[int]int64{}
	for _, l := range gw.Health().Lag {
		commits[l.Partition] = l.End
	}
	if err := gen.CommitOffsets(map[string]map[int]int64{topic: commits}); err != nil {
		t.Fatal(err)
	}
	gw.look(ctx, t1.Add(23*time.Second))
	if h := gw.Health(); len(h.Unserved) != 0 {
		t.Errorf("after the commit: %+v", h)
	}
}
