package main

import (
	"context"
	"encoding/json"
	"fmt"

	"medclaims/closing"
)

// cmdClose closes a period: the statement is stored as a new version when something
// changed since the last close; --dry-run computes it without storing.
func cmdClose(ctx context.Context, args []string, std io3) error {
	fs := newFlags("close", std)
	period := fs.String("period", "", "the period, YYYY-MM (required)")
	dryRun := fs.Bool("dry-run", false, "compute the statement without storing it")
	if err := parseArgs(fs, args, "close --period YYYY-MM [--dry-run]", 0, 0); err != nil {
		return err
	}
	if _, err := closing.ParsePeriod(*period); err != nil {
		return badFlag(fs, "--period: %v", err)
	}
	st, cfg, err := openWithConfig(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	res, err := closing.Service{Store: st, Now: cfg.Now}.Close(ctx, *period, *dryRun)
	if err != nil {
		return err
	}
	doc := res.Statement
	switch {
	case res.Unchanged:
		fmt.Fprintf(std.out, "period %s: unchanged, version %d (closed %s)\n", *period, doc.Version, doc.ClosedAt.Format("2006-01-02 15:04"))
	case res.DryRun:
		fmt.Fprintf(std.out, "period %s: preview of version %d (not stored)\n", *period, doc.Version)
	default:
		fmt.Fprintf(std.out, "period %s: version %d stored\n", *period, doc.Version)
	}
	for _, r := range doc.Regions {
		pv := "none (no drg_region budget: rate-method amounts stand)"
		if r.PointValue != nil {
			pv = r.PointValue.StringFixed(4)
		}
		fmt.Fprintf(std.out, "  region %s: %d DRG cases, %s points, point value %s\n", r.Region, r.Cases, r.SumPoints.StringFixed(4), pv)
	}
	return closing.WriteSummary(std.out, doc, res.Previous)
}

// cmdStatement prints a closed period's newest statement.
func cmdStatement(ctx context.Context, args []string, std io3) error {
	fs := newFlags("statement", std)
	period := fs.String("period", "", "the period, YYYY-MM (required)")
	provider := fs.String("provider", "", "one provider only")
	asCSV := fs.Bool("csv", false, "CSV, one row per claim and a totals row per provider")
	asJSON := fs.Bool("json", false, "the statement as JSON (CONTRACT.md)")
	if err := parseArgs(fs, args, "statement --period YYYY-MM [--provider ID] [--csv|--json]", 0, 0); err != nil {
		return err
	}
	if _, err := closing.ParsePeriod(*period); err != nil {
		return badFlag(fs, "--period: %v", err)
	}
	st, err := openConfigured(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	last, err := st.LatestStatement(ctx, *period)
	if err != nil {
		return err
	}
	if last == nil {
		return fmt.Errorf("period %s has not been closed: run medclaims close --period %s", *period, *period)
	}
	doc := closing.OnlyProvider(last.Doc, *provider)
	switch {
	case *asCSV:
		return closing.WriteCSV(std.out, doc)
	case *asJSON:
		enc := json.NewEncoder(std.out)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	fmt.Fprintf(std.out, "period %s, version %d, closed %s, policy %s\n", doc.Period, doc.Version, doc.ClosedAt.Format("2006-01-02 15:04"), doc.PolicyVersion)
	return closing.WriteSummary(std.out, doc, nil)
}
