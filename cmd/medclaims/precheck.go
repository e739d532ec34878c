package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"

	"medclaims/claim"
	"medclaims/precheck"
	"medclaims/store"
)

// cmdPrecheck prints, one JSON line each, the results adjudication would give the claims
// of FILE now against the running system's database (POLICY.md §11); nothing is stored,
// published or counted.
func cmdPrecheck(ctx context.Context, args []string, std io3) error {
	fs := newFlags("precheck", std)
	summary := fs.Bool("summary", false, "after the results, a line per claim on stderr: status, amounts, edits")
	if err := parseArgs(fs, args, "precheck [--summary] FILE", 1, 1); err != nil {
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
	svc := precheck.Service{Store: st, Policies: store.NewPolicyCache(st, slog.New(slog.NewTextHandler(io.Discard, nil))), Now: cfg.Now}
	results, err := svc.Check(ctx, "", items)
	if err != nil {
		return err
	}
	for i := range results {
		if _, err := std.out.Write(append(results[i].AppendJSON(nil), '\n')); err != nil {
			return err
		}
		if *summary {
			printPrecheck(std.err, results[i])
		}
	}
	return nil
}

// printPrecheck is one claim's pre-check in a line a hospital reads at a glance.
func printPrecheck(w io.Writer, r claim.Result) {
	fmt.Fprintf(w, "%s %s %s: total %s, fund %s, member %s, refused %s", r.ProviderID, r.ClaimID, r.Status,
		r.Total.Dec().StringFixed(2), r.FundTotal.Dec().StringFixed(2), r.MemberPays.Dec().StringFixed(2), r.Refused.Dec().StringFixed(2))
	for _, e := range r.Edits {
		fmt.Fprintf(w, "; line %d %s %s %s", e.LineNo, e.EditID, e.Action, e.Amount.String())
	}
	for _, x := range r.Reasons {
		if x.Code != claim.ReasonLineEdit {
			fmt.Fprintf(w, "; %s", x.Code)
		}
	}
	fmt.Fprintln(w)
}
