package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"

	"medclaims/claim"
	"medclaims/offline"
	"medclaims/payment"
	"medclaims/pipeline"
	"medclaims/policy"
)

// openInput opens FILE, or stdin for "" and "-"; name is how errors call it.
func openInput(path string, stdin io.Reader) (r io.Reader, name string, closeFn func(), err error) {
	if path == "" || path == "-" {
		return stdin, "stdin", func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", nil, err
	}
	return f, path, func() { f.Close() }, nil
}

func readItems(path string, stdin io.Reader) ([][]byte, error) {
	in, name, closeFn, err := openInput(path, stdin)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	items, err := claim.ReadBatch(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return items, nil
}

func cmdSubmit(ctx context.Context, args []string, std io3) error {
	fs := newFlags("submit", std)
	batchID := fs.String("batch-id", "", "batch id (default: generated)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseArgs(fs, args, "submit [--batch-id ID] [--quiet] FILE", 1, 1); err != nil {
		return err
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
	brokers := cfg.brokers()
	p := pipeline.NewProducer(brokers, pipeline.NewTopics(cfg.TopicPrefix).Submitted)
	defer p.Close()
	var progress func(int)
	if !*quiet && len(items) >= 100 {
		bar := progressbar.NewOptions(len(items), progressbar.OptionSetWriter(std.err), progressbar.OptionSetDescription("submitting"),
			progressbar.OptionShowCount(), progressbar.OptionShowIts(), progressbar.OptionSetItsString("claims"),
			progressbar.OptionOnCompletion(func() { fmt.Fprintln(std.err) }))
		progress = func(done int) { _ = bar.Set(done) }
	}
	_, err = pipeline.Submit(ctx, p, items, *batchID, progress)
	var se *pipeline.SubmitError
	if errors.As(err, &se) {
		fmt.Fprintln(std.out, *batchID)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "%d submissions acknowledged by %v\n", len(items), brokers)
	fmt.Fprintln(std.out, *batchID)
	return nil
}

// priceMemoryLimit is price's soft memory limit (GOMEMLIMIT overrides it): the claims'
// state takes about 1.3 KB per claim version, 85 MB for a 50 MB file.
const priceMemoryLimit = 150 << 20

// cmdPrice prices a batch file offline, streaming: each result is printed as it is
// computed; memory holds the claims' and members' state, not the file or the output.
func cmdPrice(ctx context.Context, args []string, std io3) error {
	fs := newFlags("price", std)
	bundleDir := fs.String("bundle", "", "policy bundle directory (required)")
	if err := parseArgs(fs, args, "price --bundle DIR [FILE]", 0, 1); err != nil {
		return err
	}
	if *bundleDir == "" {
		return badFlag(fs, "price needs --bundle DIR")
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	b, err := policy.LoadDir(*bundleDir, payment.PolicyOptions())
	if err != nil {
		return err
	}
	// An offline tool: memory matters more than the service's GC budget. The soft limit
	// makes the collector work harder before the heap doubles its live size.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(100)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(priceMemoryLimit)
	}
	in, name, closeFn, err := openInput(fs.Arg(0), std.in)
	if err != nil {
		return err
	}
	defer closeFn()
	rep, err := offline.Price(ctx, b, cfg.Now, in, name, std.out, std.err) // MEDCLAIMS_NOW or the clock
	if err != nil {
		return err
	}
	if rep.Skipped > 0 {
		fmt.Fprintf(std.err, "%d of %d items were not JSON objects and were not priced\n", rep.Skipped, rep.Items)
		return exitCode(1)
	}
	return nil
}
