package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"time"

	"github.com/schollz/progressbar/v3"

	"medclaims/claim"
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
	br, err := claim.NewBatchReader(in)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	book := payment.NewBook(payment.NewPolicies(b), payment.BundleDirectory{Bundle: b}, cfg.Now) // MEDCLAIMS_NOW or the clock
	sp, err := newSpool()
	if err != nil {
		return err
	}
	defer sp.Close()
	book.Spool = sp
	w := bufio.NewWriterSize(std.out, 256<<10)
	defer w.Flush()
	var buf bytes.Buffer // each result is encoded once, for the output and the spool
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	n, bad := 0, 0
	for ; ; n++ {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return fmt.Errorf("%s: %w (%d items priced before it)", name, err, n)
		}
		s, err := claim.DecodeSubmission(it.Bytes)
		if err != nil {
			bad++
			fmt.Fprintf(std.err, "%s: %s: %v\n", name, it.Where, err)
			continue
		}
		buf.Reset()
		if err := enc.Encode(book.Process(&s, nil).Result); err != nil {
			return err
		}
		if sp.Keep(buf.Bytes()); sp.err != nil {
			return sp.err
		}
		if _, err := w.Write(buf.Bytes()); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if bad > 0 {
		fmt.Fprintf(std.err, "%d of %d items were not JSON objects and were not priced\n", bad, n)
		return exitCode(1)
	}
	return nil
}
