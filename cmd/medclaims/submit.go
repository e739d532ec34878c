package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"medclaims/claim"
	"medclaims/intake"
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

// readItems reads a batch file whole (a file refused for its shape produces nothing).
func readItems(path string, stdin io.Reader) ([]claim.Item, error) {
	in, name, closeFn, err := openInput(path, stdin)
	if err != nil {
		return nil, err
	}
	defer closeFn()
	br, err := claim.NewBatchReader(in)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var items []claim.Item
	for {
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			return items, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w (nothing was taken)", name, err)
		}
		items = append(items, it)
	}
}

// cmdSubmit takes a batch file in through the intake, as the API takes a post: every item
// screened (one that cannot be decoded into a submission is refused with its reasons),
// the batch recorded under each provider it names (GET /v1/batches/{id} shows it), the rest
// produced. It prints the batch id; refused items make the exit status 1.
func cmdSubmit(ctx context.Context, args []string, std io3) error {
	fs := newFlags("submit", std)
	batchID := fs.String("batch-id", "", "batch id (default: generated)")
	quiet := fs.Bool("quiet", false, "no progress bar")
	if err := parseArgs(fs, args, "submit [--batch-id ID] [--quiet] FILE", 1, 1); err != nil {
		return err
	}
	items, err := readItems(fs.Arg(0), std.in)
	if err != nil {
		return err
	}
	st, cfg, err := openWithConfig(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	if *batchID == "" {
		*batchID = intake.NewBatchID(time.Now())
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
	in := intake.Service{Store: st, Produce: pipeline.SubmitTo(p), Now: cfg.Now}
	ans, err := in.Take(ctx, intake.Sender{}, *batchID, items, progress)
	if errors.Is(err, intake.ErrNotTaken) {
		fmt.Fprintln(std.out, *batchID)
		return err
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(std.err, "%d submissions acknowledged by %v\n", ans.Accepted, brokers)
	fmt.Fprintln(std.out, *batchID)
	return refusedItems(std.err, ans.Rejected)
}

// refusedItems lists the items the intake refused; any makes the exit status 1.
func refusedItems(w io.Writer, refused []intake.Refused) error {
	if len(refused) == 0 {
		return nil
	}
	for _, r := range refused {
		var msgs []string
		for _, x := range r.Reasons {
			msgs = append(msgs, x.Code+": "+x.Message)
		}
		fmt.Fprintf(w, "refused %s (claim %q): %s\n", r.Where, r.ClaimID, strings.Join(msgs, " | "))
	}
	fmt.Fprintf(w, "%d item(s) refused and not submitted\n", len(refused))
	return exitCode(1)
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
