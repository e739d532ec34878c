package pipeline

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/segmentio/kafka-go"
)

// DLQRecord is the value written to claims.dlq: the record that was parked, why, and where
// it came from.
type DLQRecord struct {
	Error     string `json:"error"`
	Stage     string `json:"stage,omitempty"` // decode, process or publish
	Topic     string `json:"topic"`
	Partition int    `json:"partition"`
	Offset    int64  `json:"offset"`
	BatchID   string `json:"batch_id,omitempty"`
	Subject   string `json:"subject,omitempty"`
	ParkedAt  string `json:"parked_at,omitempty"`
	// Value is the original bytes when they are UTF-8, ValueBase64 otherwise.
	Value          string `json:"value,omitempty"`
	ValueBase64    string `json:"value_base64,omitempty"`
	ValueTruncated bool   `json:"value_truncated,omitempty"`
	ValueBytes     int    `json:"value_bytes"`
}

// maxDLQValue is how much of the original value a DLQ record keeps when the whole record
// does not fit the broker's limit.
const maxDLQValue = 256 << 10

func dlqMessage(m kafka.Message, p Parked, d Described, truncate bool) kafka.Message {
	rec := DLQRecord{Error: p.Err.Error(), Stage: p.Stage, Topic: m.Topic, Partition: m.Partition, Offset: m.Offset,
		BatchID: d.BatchID, Subject: d.Subject, ParkedAt: time.Now().UTC().Format(time.RFC3339Nano), ValueBytes: len(m.Value)}
	v := m.Value
	if truncate && len(v) > maxDLQValue {
		v, rec.ValueTruncated = v[:maxDLQValue], true
	}
	if utf8.Valid(v) {
		rec.Value = string(v)
	} else {
		rec.ValueBase64 = base64.StdEncoding.EncodeToString(v)
	}
	b, _ := json.Marshal(rec)
	return kafka.Message{Key: m.Key, Value: b, Headers: []kafka.Header{
		{Key: "error", Value: []byte(truncateString(rec.Error, 1024))}, {Key: "stage", Value: []byte(p.Stage)},
		{Key: "topic", Value: []byte(m.Topic)}, {Key: "partition", Value: []byte(strconv.Itoa(m.Partition))},
		{Key: "offset", Value: []byte(strconv.FormatInt(m.Offset, 10))},
	}}
}

func truncateString(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}

// park writes the parked records to the DLQ, synchronously: the offsets are committed only
// once the DLQ holds them. A DLQ record too large for the broker is written again with the
// value cut to its first 256 KiB.
func (c *Consumer) park(stop, work context.Context, batch []kafka.Message, parked []Parked) error {
	if len(parked) == 0 {
		return nil
	}
	p := c.producer(c.cfg.DLQ)
	for _, x := range parked {
		m := batch[x.Record]
		d := c.h.Describe(m)
		c.log.Error("record parked on the DLQ", "stage", x.Stage, "topic", m.Topic, "partition", m.Partition,
			"offset", m.Offset, "record", d.Subject, "batch_id", d.BatchID, "error", x.Err)
		truncate := false
		err := c.retry(stop, "write DLQ", batch[x.Record:x.Record+1], func() error {
			err := p.Write(work, dlqMessage(m, x, d, truncate))
			var pe *ProduceError
			if errors.As(err, &pe) && !pe.Transient() && !truncate {
				truncate = true
				return fmt.Errorf("DLQ record too large, retrying with the value truncated: %w", errRetryNow)
			}
			return err
		})
		if err != nil {
			return fmt.Errorf("park %s/%d/%d on %s: %w", m.Topic, m.Partition, m.Offset, c.cfg.DLQ, err)
		}
		c.metrics.Parked.WithLabelValues(x.Stage).Inc()
	}
	return nil
}

// errRetryNow is a transient error: the step is retried after the usual backoff.
var errRetryNow = retryNow{}

type retryNow struct{}

func (retryNow) Error() string   { return "retry" }
func (retryNow) Temporary() bool { return true }

// DLQEntry is one record read back from the DLQ.
type DLQEntry struct {
	Partition int
	Offset    int64
	Time      time.Time
	Record    DLQRecord
	Raw       []byte // the value when it is not a DLQ record
}

// ReadDLQ reads the DLQ topic from its first offset on every partition, in partition and
// offset order, calling fn for each record; without follow it returns at the end of each
// partition, with follow it waits for more until ctx ends. It commits nothing.
func ReadDLQ(ctx context.Context, brokers []string, topic string, follow bool, fn func(DLQEntry) error) error {
	parts, ends, err := partitionEnds(ctx, brokers, topic)
	if err != nil {
		return err
	}
	if follow {
		return readFollow(ctx, brokers, topic, parts, fn)
	}
	for _, p := range parts {
		if ends[p] == 0 {
			continue
		}
		if err := readPartition(ctx, brokers, topic, p, ends[p], fn); err != nil {
			return err
		}
	}
	return nil
}

func partitionEnds(ctx context.Context, brokers []string, topic string) ([]int, map[int]int64, error) {
	cl := &kafka.Client{Addr: kafka.TCP(brokers...), Timeout: 10 * time.Second}
	meta, err := cl.Metadata(ctx, &kafka.MetadataRequest{Topics: []string{topic}})
	if err != nil {
		return nil, nil, fmt.Errorf("read metadata of %s: %w", topic, err)
	}
	if len(meta.Topics) != 1 || meta.Topics[0].Error != nil {
		return nil, nil, fmt.Errorf("topic %s: not found on %v", topic, brokers)
	}
	var parts []int
	var req []kafka.OffsetRequest
	for _, p := range meta.Topics[0].Partitions {
		parts = append(parts, p.ID)
		req = append(req, kafka.LastOffsetOf(p.ID))
	}
	res, err := cl.ListOffsets(ctx, &kafka.ListOffsetsRequest{Topics: map[string][]kafka.OffsetRequest{topic: req}})
	if err != nil {
		return nil, nil, fmt.Errorf("list offsets of %s: %w", topic, err)
	}
	ends := map[int]int64{}
	for _, po := range res.Topics[topic] {
		if po.Error != nil {
			return nil, nil, fmt.Errorf("offsets of %s/%d: %w", topic, po.Partition, po.Error)
		}
		ends[po.Partition] = po.LastOffset
	}
	slices.Sort(parts)
	return parts, ends, nil
}

func readPartition(ctx context.Context, brokers []string, topic string, p int, end int64, fn func(DLQEntry) error) error {
	r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p, MinBytes: 1, MaxBytes: 16 << 20,
		MaxWait: 100 * time.Millisecond})
	defer r.Close()
	if err := r.SetOffset(kafka.FirstOffset); err != nil {
		return err
	}
	for {
		m, err := r.FetchMessage(ctx)
		if err != nil {
			return fmt.Errorf("read %s/%d: %w", topic, p, err)
		}
		if err := fn(dlqEntry(m)); err != nil {
			return err
		}
		if m.Offset+1 >= end {
			return nil
		}
	}
}

func readFollow(ctx context.Context, brokers []string, topic string, parts []int, fn func(DLQEntry) error) error {
	msgs := make(chan kafka.Message)
	errs := make(chan error, len(parts))
	for _, p := range parts {
		go func() {
			r := kafka.NewReader(kafka.ReaderConfig{Brokers: brokers, Topic: topic, Partition: p, MinBytes: 1, MaxBytes: 16 << 20,
				MaxWait: 200 * time.Millisecond})
			defer r.Close()
			_ = r.SetOffset(kafka.FirstOffset)
			for {
				m, err := r.FetchMessage(ctx)
				if err != nil {
					errs <- err
					return
				}
				select {
				case msgs <- m:
				case <-ctx.Done():
					errs <- ctx.Err()
					return
				}
			}
		}()
	}
	for {
		select {
		case m := <-msgs:
			if err := fn(dlqEntry(m)); err != nil {
				return err
			}
		case err := <-errs:
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("follow %s: %w", topic, err)
		}
	}
}

func dlqEntry(m kafka.Message) DLQEntry {
	e := DLQEntry{Partition: m.Partition, Offset: m.Offset, Time: m.Time}
	if err := json.Unmarshal(m.Value, &e.Record); err != nil || e.Record.Error == "" {
		e.Raw = m.Value
	}
	return e
}
