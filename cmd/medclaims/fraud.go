package main

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"
)

func cmdFraud(ctx context.Context, args []string, std io3) error {
	if len(args) == 0 || args[0] != "providers" {
		fmt.Fprintln(std.err, "usage: medclaims fraud providers")
		return usageError{"fraud takes a subcommand: providers"}
	}
	fs := newFlags("fraud providers", std)
	if err := parseArgs(fs, args[1:], "fraud providers", 0, 0); err != nil {
		return err
	}
	st, err := openConfigured(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	scores, err := st.ProviderScores(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(std.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "provider\tscore\tflagged share\trules firing\tpayment\tsince")
	for _, p := range scores {
		pay, since := "payable", "-"
		if p.PaymentSuspended {
			pay = "SUSPENDED"
			if p.SuspendedAt != nil {
				since = p.SuspendedAt.UTC().Format("2006-01-02 15:04")
			}
		}
		rules := strings.Join(p.Rules, ", ")
		if rules == "" {
			rules = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.ProviderID, p.Score, p.FlaggedShare, rules, pay, since)
	}
	return tw.Flush()
}
