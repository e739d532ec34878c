package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"medclaims/payment"
	"medclaims/policy"
	"medclaims/simulate"
)

// cmdSimulate re-prices the stored live claims of a window under a draft bundle that is
// not loaded (POLICY.md §11) and prints the differences; nothing stored changes.
func cmdSimulate(ctx context.Context, args []string, std io3) error {
	fs := newFlags("simulate", std)
	dir := fs.String("bundle", "", "the draft policy bundle directory (required; it is not loaded)")
	from := fs.String("from", "", "first claim date of the window, YYYY-MM-DD (required)")
	to := fs.String("to", "", "last claim date of the window, YYYY-MM-DD (required)")
	provider := fs.String("provider", "", "one provider only")
	asCSV := fs.Bool("csv", false, "CSV on stdout instead of tables")
	htmlFile := fs.String("html", "", "also write an HTML report with charts to this file")
	if err := parseArgs(fs, args, "simulate --bundle DIR --from YYYY-MM-DD --to YYYY-MM-DD [--provider ID] [--csv|--html FILE]", 0, 0); err != nil {
		return err
	}
	req := simulate.Request{ProviderID: *provider}
	var err error
	if *dir == "" {
		return badFlag(fs, "--bundle is required")
	}
	if req.From, err = time.Parse(time.DateOnly, *from); err != nil {
		return badFlag(fs, "--from %q: want YYYY-MM-DD", *from)
	}
	if req.To, err = time.Parse(time.DateOnly, *to); err != nil {
		return badFlag(fs, "--to %q: want YYYY-MM-DD", *to)
	}
	if req.To.Before(req.From) {
		return badFlag(fs, "--to %s is before --from %s", *to, *from)
	}
	if req.Draft, err = policy.LoadDir(*dir, payment.PolicyOptions()); err != nil {
		return err
	}
	st, err := openConfigured(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := simulate.Run(ctx, st, req)
	if err != nil {
		return err
	}
	if *htmlFile != "" {
		if err := writeHTMLReport(*htmlFile, rep); err != nil {
			return err
		}
		fmt.Fprintf(std.err, "HTML report written to %s\n", *htmlFile)
	}
	if *asCSV {
		return simulate.WriteCSV(std.out, rep)
	}
	return simulate.WriteText(std.out, rep)
}

func writeHTMLReport(path string, rep *simulate.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := simulate.WriteHTML(f, rep); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
