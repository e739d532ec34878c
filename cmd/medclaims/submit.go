package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/pipeline"
	"medclaims/policy"
)

func readItems(path string, stdin io.Reader) ([][]byte, error) {
	if path == "" || path == "-" {
		return claim.ReadBatch(stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	items, err := claim.ReadBatch(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return items, nil
}

func cmdSubmit(ctx context.Context, args []string, std io3) error {
	fs := newFlags("submit", std)
	batchID := fs.String("batch-id", "", "batch id (default: generated)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	fs.Usage = func() { fmt.Fprintln(std.err, "usage: medclaims submit [--batch-id ID] FILE"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("submit needs one batch file (JSON array, JSON lines or CSV)")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	items, err := readItems(fs.Arg(0), std.in)
	if err != nil {
		return err
	}
	if *batchID == "" {
		*batchID = pipeline.NewBatchID(time.Now())
	}
	brokers := pipeline.ParseBrokers(cfg.Brokers)
	if len(brokers) == 0 {
		brokers = []string{"127.0.0.1:9092"}
	}
	w := pipeline.NewWriter(brokers, pipeline.NewTopics(cfg.TopicPrefix).Submitted)
	defer w.Close()
	var progress func(int)
	if !*quiet && len(items) >= 100 {
		bar := progressbar.NewOptions(len(items), progressbar.OptionSetWriter(std.err), progressbar.OptionSetDescription("submitting"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("claims"),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(std.err) }))
		progress = func(done int) { _ = bar.Set(done) }
	}
	if _, err := pipeline.Submit(ctx, w, items, *batchID, progress); err != nil {
		return err
	}
	fmt.Fprintf(std.err, "%d submissions acknowledged by %v\n", len(items), brokers)
	fmt.Fprintln(std.out, *batchID)
	return nil
}

func cmdPrice(ctx context.Context, args []string, std io3) error {
	fs := newFlags("price", std)
	bundleDir := fs.String("bundle", "", "policy bundle directory (required)")
	fs.Usage = func() { fmt.Fprintln(std.err, "usage: medclaims price --bundle DIR [FILE]"); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *bundleDir == "" || fs.NArg() > 1 {
		fs.Usage()
		return errors.New("price needs --bundle DIR and at most one FILE")
	}
	b, err := policy.LoadDir(*bundleDir)
	if err != nil {
		return err
	}
	items, err := readItems(fs.Arg(0), std.in)
	if err != nil {
		return err
	}
	book := payment.NewBook(payment.NewPolicies(b), payment.BundleDirectory{Bundle: b}, time.Now)
	enc := json.NewEncoder(std.out)
	enc.SetEscapeHTML(false)
	bad := 0
	for i, it := range items {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		s, err := claim.DecodeSubmission(it)
		if err != nil {
			bad++
			fmt.Fprintf(std.err, "item %d: %v\n", i+1, err)
			continue
		}
		eff := book.Process(&s, nil)
		if err := enc.Encode(eff.Result); err != nil {
			return err
		}
	}
	if bad > 0 {
		fmt.Fprintf(std.err, "%d of %d items were not JSON objects and were not priced\n", bad, len(items))
		return exitCode(1)
	}
	return nil
}
