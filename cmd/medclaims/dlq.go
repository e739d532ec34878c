package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"medclaims/pipeline"
)

// cmdDLQ prints the records parked on claims.dlq, so nobody needs a Kafka reader to see
// them.
func cmdDLQ(ctx context.Context, args []string, std io3) error {
	fs := newFlags("dlq", std)
	follow := fs.Bool("follow", false, "keep printing new records until interrupted")
	asJSON := fs.Bool("json", false, "print each record as one JSON line, value in full")
	if err := parseArgs(fs, args, "dlq [--follow] [--json]", 0, 0); err != nil {
		return err
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	topic := pipeline.NewTopics(cfg.TopicPrefix).DLQ
	n := 0
	err = pipeline.ReadDLQ(ctx, cfg.brokers(), topic, *follow, func(e pipeline.DLQEntry) error {
		n++
		if *asJSON {
			b, _ := json.Marshal(e)
			_, err := fmt.Fprintln(std.out, string(b))
			return err
		}
		return printDLQ(std, e)
	})
	if err != nil {
		return err
	}
	if !*follow && !*asJSON {
		fmt.Fprintf(std.err, "%d record(s) on %s\n", n, topic)
	}
	return nil
}

func printDLQ(std io3, e pipeline.DLQEntry) error {
	r := e.Record
	if e.Raw != nil {
		_, err := fmt.Fprintf(std.out, "%s/%d  (not a DLQ record) %s\n", "dlq", e.Offset, clip(string(e.Raw), 200))
		return err
	}
	value := r.Value
	if value == "" {
		value = "base64:" + r.ValueBase64
	}
	if r.ValueTruncated {
		value += " …(truncated)"
	}
	_, err := fmt.Fprintf(std.out, "dlq %d/%d  %s  from %s/%d/%d  stage %s  batch %s  %s\n  error: %s\n  value (%d bytes): %s\n",
		e.Partition, e.Offset, e.Time.UTC().Format("2006-01-02T15:04:05Z"), r.Topic, r.Partition, r.Offset, orDash(r.Stage),
		orDash(r.BatchID), orDash(r.Subject), r.Error, r.ValueBytes, clip(value, 300))
	return err
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func clip(s string, n int) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len([]rune(s)) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}
