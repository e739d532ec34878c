package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/segmentio/kafka-go"
)

// process runs one micro-batch: handle (store) → publish → park → commit. In-flight steps
// finish even when stop ends; retries do not.
func (c *Consumer) process(stop context.Context, gen *kafka.Generation, batch []kafka.Message) error {
	start := time.Now()
	work := context.WithoutCancel(stop)
	out, err := c.handle(stop, work, batch, 0)
	if err != nil {
		return err
	}
	n := int(c.batches.Add(1))
	if c.cfg.AfterStore != nil {
		if err := c.cfg.AfterStore(n); err != nil {
			return fmt.Errorf("%w: %v", ErrStopped, err)
		}
	}
	parked, err := c.publish(stop, work, batch, out.Publish)
	if err != nil {
		return err
	}
	if err := c.park(stop, work, batch, append(out.Park, parked...)); err != nil {
		return err
	}
	if c.cfg.BeforeCommit != nil {
		if err := c.cfg.BeforeCommit(n); err != nil {
			return fmt.Errorf("%w: %v", ErrStopped, err)
		}
	}
	last := batch[len(batch)-1]
	commit := map[string]map[int]int64{c.cfg.Topic: {last.Partition: last.Offset + 1}}
	if err := c.retry(stop, "commit offsets", batch, func() error { return gen.CommitOffsets(commit) }); err != nil {
		return err
	}
	c.metrics.BatchSeconds.Observe(time.Since(start).Seconds())
	c.metrics.BatchSize.Observe(float64(len(batch)))
	return nil
}

// handle calls the handler, retrying transient failures. A permanent failure of a batch
// of several records is isolated: the records are handled one by one, in order, and the one
// that fails alone is parked. first is the batch's index in the original batch.
func (c *Consumer) handle(stop, work context.Context, batch []kafka.Message, first int) (Outcome, error) {
	var out Outcome
	err := c.retry(stop, "store batch", batch, func() error {
		var err error
		out, err = c.h.Handle(work, batch)
		return err
	})
	if err == nil {
		return shift(out, first), nil
	}
	if stop.Err() != nil || IsTransient(err) {
		return Outcome{}, err
	}
	if len(batch) == 1 {
		return Outcome{Park: []Parked{{Record: first, Stage: StageProcess, Err: err}}}, nil
	}
	c.log.Warn("batch failed permanently; handling its records one by one to isolate the failing one",
		"partition", batch[0].Partition, "offsets", offsetRange(batch), "error", err)
	var all Outcome
	for i := range batch {
		o, err := c.handle(stop, work, batch[i:i+1], first+i)
		if err != nil {
			return Outcome{}, err
		}
		all.Publish = append(all.Publish, o.Publish...)
		all.Park = append(all.Park, o.Park...)
	}
	return all, nil
}

func shift(o Outcome, by int) Outcome {
	if by == 0 {
		return o
	}
	for i := range o.Publish {
		o.Publish[i].Record += by
	}
	for i := range o.Park {
		o.Park[i].Record += by
	}
	return o
}

// publish writes the outputs, retrying transient failures; a message the broker refuses
// for good parks the record that produced it (its effects are stored).
func (c *Consumer) publish(stop, work context.Context, batch []kafka.Message, outs []Output) ([]Parked, error) {
	byTopic := map[string][]Output{}
	var topics []string
	for _, o := range outs {
		if _, ok := byTopic[o.Topic]; !ok {
			topics = append(topics, o.Topic)
		}
		byTopic[o.Topic] = append(byTopic[o.Topic], o)
	}
	var parked []Parked
	for _, t := range topics {
		p, err := c.publishTopic(stop, work, batch, c.producer(t), byTopic[t])
		if err != nil {
			return nil, err
		}
		parked = append(parked, p...)
		for range len(byTopic[t]) - len(p) {
			c.metrics.Published.WithLabelValues(t).Inc()
		}
	}
	return parked, nil
}

func (c *Consumer) publishTopic(stop, work context.Context, batch []kafka.Message, p *Producer, pending []Output) ([]Parked, error) {
	var parked []Parked
	var backoff time.Duration
	for attempt := 1; len(pending) > 0; attempt++ {
		failed, err := c.write(work, p, pending)
		if err == nil {
			break
		}
		var again []Output
		for _, f := range failed {
			o := pending[f.Index]
			if IsTransient(f.Err) {
				again = append(again, o)
				continue
			}
			parked = append(parked, Parked{Record: o.Record, Stage: StagePublish, Err: fmt.Errorf(
				"publish to %s (%d bytes): %s; the effects are stored, the message is not published", p.Topic, f.Size, describeWriteError(f.Err))})
		}
		if pending = again; len(pending) == 0 {
			break
		}
		backoff = c.cfg.Backoff.next(backoff)
		c.noteRetry(batch, "publish to "+p.Topic, attempt, backoff, err)
		if !sleep(stop, backoff) {
			return nil, stop.Err()
		}
	}
	c.clearStall(batch[0].Partition)
	return parked, nil
}

// write produces the outputs and returns the ones that failed. Messages that failed
// permanently together (one record batch refused) are written again one by one, so only
// the message that cannot be written is reported permanent.
func (c *Consumer) write(work context.Context, p *Producer, outs []Output) ([]MessageError, error) {
	msgs := make([]kafka.Message, len(outs))
	for i, o := range outs {
		msgs[i] = kafka.Message{Key: o.Key, Value: o.Value}
	}
	err := p.Write(work, msgs...)
	if err == nil {
		return nil, nil
	}
	var pe *ProduceError
	if !errors.As(err, &pe) {
		pe = &ProduceError{Topic: p.Topic}
		for i := range msgs {
			pe.Failed = append(pe.Failed, MessageError{Index: i, Size: size(msgs[i]), Err: err})
		}
	}
	var permanent []int
	var failed []MessageError
	for _, f := range pe.Failed {
		if IsTransient(f.Err) {
			failed = append(failed, f)
		} else {
			permanent = append(permanent, f.Index)
		}
	}
	if len(permanent) == 1 {
		return pe.Failed, err
	}
	for _, i := range permanent {
		if e := p.Write(work, msgs[i]); e != nil {
			var one *ProduceError
			if errors.As(e, &one) && len(one.Failed) == 1 {
				f := one.Failed[0]
				f.Index = i
				failed = append(failed, f)
			} else {
				failed = append(failed, MessageError{Index: i, Size: size(msgs[i]), Err: e})
			}
		}
	}
	if len(failed) == 0 {
		return nil, nil
	}
	return failed, err
}

// retry runs fn until it succeeds, fails permanently (returned at once) or stop ends.
func (c *Consumer) retry(stop context.Context, step string, batch []kafka.Message, fn func() error) error {
	var backoff time.Duration
	for attempt := 1; ; attempt++ {
		err := fn()
		if err == nil {
			c.clearStall(batch[0].Partition)
			return nil
		}
		if stop.Err() != nil {
			return stop.Err()
		}
		if !IsTransient(err) {
			return err
		}
		backoff = c.cfg.Backoff.next(backoff)
		c.noteRetry(batch, step, attempt, backoff, err)
		if !sleep(stop, backoff) {
			return stop.Err()
		}
	}
}

// noteRetry logs a retry naming partition, offsets and records, and tracks the stall.
func (c *Consumer) noteRetry(batch []kafka.Message, step string, attempt int, backoff time.Duration, err error) {
	part := batch[0].Partition
	subject := c.subjects(batch)
	c.metrics.Retries.WithLabelValues(step).Inc()
	c.log.Warn(step+" failed; retrying, offsets not committed", "topic", c.cfg.Topic, "partition", part,
		"offsets", offsetRange(batch), "records", subject, "attempt", attempt, "backoff", backoff, "error", err)
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stalls[part]
	if s == nil {
		s = &Stall{Topic: c.cfg.Topic, Partition: part, Since: time.Now()}
		c.stalls[part] = s
	}
	s.Offset, s.Subject, s.Step, s.Attempts, s.Error = batch[0].Offset, subject, step, s.Attempts+1, err.Error()
}

func (c *Consumer) clearStall(partition int) {
	c.mu.Lock()
	delete(c.stalls, partition)
	c.mu.Unlock()
}

// subjects names up to three records of the batch.
func (c *Consumer) subjects(batch []kafka.Message) string {
	s := ""
	for i, m := range batch {
		if i == 3 {
			return s + fmt.Sprintf(", … %d more", len(batch)-3)
		}
		d := c.h.Describe(m)
		if d.Subject == "" {
			d.Subject = "?"
		}
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d: %s", m.Offset, d.Subject)
	}
	return s
}

func offsetRange(batch []kafka.Message) string {
	if len(batch) == 1 {
		return fmt.Sprint(batch[0].Offset)
	}
	return fmt.Sprintf("%d-%d", batch[0].Offset, batch[len(batch)-1].Offset)
}
