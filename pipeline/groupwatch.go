package pipeline

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/segmentio/kafka-go"
)

// GroupHealth is how a consumer group covers its topic: its members, the partitions no
// live member has served for longer than the session timeout, and the lag per partition.
type GroupHealth struct {
	Group    string         `json:"group"`
	Topic    string         `json:"topic"`
	Members  int            `json:"members"`
	Unserved []int          `json:"unserved_partitions,omitempty"`
	Lag      []PartitionLag `json:"lag"`
	Error    string         `json:"error,omitempty"`
}

// PartitionLag is a partition's committed offset, end offset and the difference.
type PartitionLag struct {
	Partition int   `json:"partition"`
	Committed int64 `json:"committed"`
	End       int64 `json:"end"`
	Lag       int64 `json:"lag"`
}

// groupWatch looks at a consumer group through the Kafka protocol (so it tells the truth on
// a real cluster too): a partition is unserved when no member's assignment holds it, or
// when it has lag and its committed offset has not moved; one unserved for longer than
// grace (the session timeout, in which Kafka would have moved it) is reported.
type groupWatch struct {
	brokers      []string
	group, topic string
	grace        time.Duration

	mu        sync.Mutex
	since     map[int]time.Time // partition → unserved since
	committed map[int]int64     // at the last look
	moved     map[int]time.Time // when the committed offset last moved
	last      GroupHealth
}

func newGroupWatch(brokers []string, group, topic string, grace time.Duration) *groupWatch {
	return &groupWatch{brokers: brokers, group: group, topic: topic, grace: grace, since: map[int]time.Time{},
		committed: map[int]int64{}, moved: map[int]time.Time{}, last: GroupHealth{Group: group, Topic: topic, Lag: []PartitionLag{}}}
}

// Health is the group as of the last look.
func (w *groupWatch) Health() GroupHealth {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last
}

// run looks every interval until ctx ends.
func (w *groupWatch) run(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		w.look(ctx, time.Now())
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (w *groupWatch) look(ctx context.Context, now time.Time) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	h, assigned, err := w.read(ctx)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err != nil {
		w.last.Error = err.Error()
		return
	}
	for _, l := range h.Lag {
		if c, ok := w.committed[l.Partition]; !ok || c != l.Committed {
			w.committed[l.Partition], w.moved[l.Partition] = l.Committed, now
		}
		stuck := l.Lag > 0 && now.Sub(w.moved[l.Partition]) > w.grace
		if !assigned[l.Partition] || stuck {
			if _, ok := w.since[l.Partition]; !ok {
				w.since[l.Partition] = now
			}
		} else {
			delete(w.since, l.Partition)
		}
		if s, ok := w.since[l.Partition]; ok && now.Sub(s) > w.grace {
			h.Unserved = append(h.Unserved, l.Partition)
		}
	}
	w.last = h
}

// read asks the broker for the group's members and assignment, its committed offsets and
// the topic's end offsets.
func (w *groupWatch) read(ctx context.Context) (GroupHealth, map[int]bool, error) {
	h := GroupHealth{Group: w.group, Topic: w.topic, Lag: []PartitionLag{}}
	cl := &kafka.Client{Addr: kafka.TCP(w.brokers...), Timeout: 5 * time.Second}
	meta, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{w.topic}})
	if err != nil || len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return h, nil, fmt.Errorf("topic %s metadata: %v", w.topic, err)
	}
	var parts []int
	for _, p := range meta.Topics[0].Partitions {
		parts = append(parts, p.ID)
	}
	slices.Sort(parts)
	groups, err := cl.DescribeGroups(ctx, &kafka.DescribeGroupsRequest{GroupIDs: []string{w.group}})
	if err != nil || len(groups.Groups) != 1 {
		return h, nil, fmt.Errorf("describe group %s: %v", w.group, err)
	}
	assigned := map[int]bool{}
	for _, m := range groups.Groups[0].Members {
		h.Members++
		for _, t := range m.MemberAssignments.Topics {
			for _, p := range t.Partitions {
				assigned[p] = assigned[p] || t.Topic == w.topic
			}
		}
	}
	lag, err := w.lag(ctx, cl, parts)
	h.Lag = lag
	return h, assigned, err
}

func (w *groupWatch) lag(ctx context.Context, cl *kafka.Client, parts []int) ([]PartitionLag, error) {
	committed, err := cl.OffsetFetch(ctx, &kafka.OffsetFetchRequest{GroupID: w.group, Topics: map[string][]int{w.topic: parts}})
	if err != nil {
		return nil, fmt.Errorf("offsets of group %s: %w", w.group, err)
	}
	reqs := make([]kafka.OffsetRequest, len(parts))
	for i, p := range parts {
		reqs[i] = kafka.LastOffsetOf(p)
	}
	ends, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{w.topic: reqs}})
	if err != nil {
		return nil, fmt.Errorf("end offsets of %s: %w", w.topic, err)
	}
	out := make([]PartitionLag, len(parts)) // parts is sorted
	for i, p := range parts {
		out[i] = PartitionLag{Partition: p, Committed: -1} // -1: nothing committed yet
	}
	at := func(p int) *PartitionLag {
		if i, ok := slices.BinarySearch(parts, p); ok {
			return &out[i]
		}
		return &PartitionLag{}
	}
	for _, e := range ends.Topics[w.topic] {
		at(e.Partition).End = e.LastOffset
	}
	for _, c := range committed.Topics[w.topic] {
		at(c.Partition).Committed = c.CommittedOffset
	}
	for i := range out {
		out[i].Lag = out[i].End - max(out[i].Committed, 0)
	}
	return out, nil
}
