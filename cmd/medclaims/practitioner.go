package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"text/tabwriter"

	"medclaims/people"
	"medclaims/store"
)

// cmdPractitioner lists practitioners' qualification or shows one with its ledger
// (FRAUD.md §9), as the API's agency view does.
func cmdPractitioner(ctx context.Context, args []string, std io3) error {
	if len(args) == 0 || (args[0] != "list" && args[0] != "show") {
		fmt.Fprintln(std.err, "usage: medclaims practitioner list [--status S] [--provider ID] [--json] | practitioner show ID [--json]")
		return usageError{"practitioner: want list or show"}
	}
	fs := newFlags("practitioner "+args[0], std)
	status, provider := fs.String("status", "", "normal, suspended or terminated (list)"), fs.String("provider", "", "the people registered at a provider (list)")
	asJSON := fs.Bool("json", false, "JSON (CONTRACT.md's practitioner record)")
	n := 0
	if args[0] == "show" {
		n = 1
	}
	if err := parseArgs(fs, args[1:], "practitioner list [--status S] [--provider ID] [--json] | practitioner show ID [--json]", n, n); err != nil {
		return err
	}
	st, cfg, err := openWithConfig(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	svc := people.Service{Store: st, Policies: store.NewPolicyCache(st, slog.New(slog.NewTextHandler(io.Discard, nil))), Now: cfg.Now}
	if args[0] == "show" {
		rec, err := svc.Get(ctx, "", fs.Arg(0))
		if err != nil {
			return fmt.Errorf("practitioner %s: %w", fs.Arg(0), err)
		}
		if *asJSON {
			return json.NewEncoder(std.out).Encode(rec)
		}
		return printPractitioner(std.out, rec)
	}
	list, err := svc.List(ctx, "", people.Filter{Status: *status, ProviderID: *provider})
	if err != nil {
		return err
	}
	if *asJSON {
		return json.NewEncoder(std.out).Encode(list)
	}
	tw := tabwriter.NewWriter(std.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "practitioner\tname\trole\tproviders\tstatus\tuntil\tyear points")
	for _, r := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%v\t%s\t%s\t%d\n", r.PractitionerID, r.Name, r.Role, r.ProviderIDs, r.Status, dash(r.Until), r.YearPoints)
	}
	return tw.Flush()
}

func printPractitioner(w io.Writer, r people.Record) error {
	fmt.Fprintf(w, "%s %s (%s) at %v: %s", r.PractitionerID, r.Name, r.Role, r.ProviderIDs, r.Status)
	if r.Until != "" {
		fmt.Fprintf(w, " until %s", r.Until)
	}
	fmt.Fprintf(w, "; %d points in %d\n", r.YearPoints, r.Year)
	for _, e := range r.Ledger {
		fmt.Fprintf(w, "  %s  %+d points (%d)  %s  case %s finding %d\n", e.At.Format("2006-01-02 15:04"), e.Points, e.Year, e.Kind, dash(e.CaseID), e.Finding)
	}
	return nil
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
