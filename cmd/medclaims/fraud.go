package main

import (
	"context"
	"fmt"
	"maps"
	"medclaims/internal/harness"
	"os"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

func cmdFraud(ctx context.Context, args []string, std io3) error {
	if len(args) > 0 && args[0] == "eval" {
		return cmdFraudEval(ctx, args[1:], std)
	}
	if len(args) == 0 || args[0] != "providers" {
		fmt.Fprintln(std.err, "usage: medclaims fraud providers | medclaims fraud eval [--seed N] [--scale S]")
		return usageError{"fraud takes a subcommand: providers or eval"}
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

// cmdFraudEval runs the labelled evaluation (FRAUD.md §7) and prints recall and precision
// per rule and the outcome per provider; it fails when an unambiguous rule misses a case or
// a clean provider is held.
func cmdFraudEval(ctx context.Context, args []string, std io3) error {
	fs := newFlags("fraud eval", std)
	seed := fs.Uint64("seed", 1, "generator seed")
	scale := fs.Int("scale", 1, "size: background members and injected cases grow with it (1 to 20)")
	dbName := fs.String("db-name", harness.EvalDatabase, "database for the evaluation, recreated (must start with "+harness.EvalDatabase+")")
	if err := parseArgs(fs, args, "fraud eval [--seed N] [--scale S] [--db-name NAME]", 0, 0); err != nil {
		return err
	}
	if *scale < 1 || *scale > 20 {
		return badFlag(fs, "--scale %d: want 1 to 20", *scale)
	}
	if !strings.HasPrefix(*dbName, harness.EvalDatabase) {
		return badFlag(fs, "--db-name %q: the evaluation only uses databases named %s*", *dbName, harness.EvalDatabase)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.DatabaseURL, err = withDatabase(cfg.DatabaseURL, *dbName); err != nil {
		return err
	}
	if cfg.Brokers != "" {
		cfg.TopicPrefix += fmt.Sprintf("eval-%d.", time.Now().Unix()) // fresh topics on a shared cluster
	}
	sc := cfg.service("127.0.0.1:0")
	if os.Getenv("MEDCLAIMS_NOW") == "" {
		sc.Now = nil // the evaluation's own clock: after the stream
	}
	rep, err := harness.RunEval(ctx, harness.EvalConfig{Seed: *seed, Scale: *scale, Service: sc}, newLogger(std.err))
	if err != nil {
		return err
	}
	printEval(std, *seed, *scale, rep)
	if len(rep.Failures) > 0 {
		return fmt.Errorf("evaluation failed: %s", strings.Join(rep.Failures, "; "))
	}
	return nil
}

func printEval(std io3, seed uint64, scale int, rep harness.EvalReport) {
	fmt.Fprintf(std.out, "fraud eval — seed %d, scale %d: %d claims through Kafka, PostgreSQL and both consumers in %v\n\n",
		seed, scale, rep.Claims, rep.Elapsed.Round(time.Millisecond))
	tw := tabwriter.NewWriter(std.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "rule\tlevel\tinjected\tflagged\tcaught\trecall\tprecision\tmust catch all")
	for _, r := range rep.Rules {
		must := ""
		if r.Unambiguous {
			must = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.2f\t%.2f\t%s\n", r.Rule, r.Level, r.Labelled, r.Flagged, r.TruePos, r.Recall, r.Precision, must)
	}
	tw.Flush()
	fmt.Fprintln(std.out)
	tw = tabwriter.NewWriter(std.out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "provider\tinjected patterns\tprovider rules flagged\tscore\tpayment")
	for _, p := range rep.Providers {
		inj, fired, pay := strings.Join(p.Labelled, ", "), strings.Join(p.Fired, ", "), "payable"
		if inj == "" {
			inj = "(clean)"
		}
		if fired == "" {
			fired = "-"
		}
		if p.Suspended {
			pay = "SUSPENDED"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.ID, inj, fired, p.Score, pay)
	}
	tw.Flush()
	if len(rep.LookAlikesFlagged) > 0 {
		fmt.Fprintln(std.out, "\nlook-alikes flagged:")
		for _, l := range rep.LookAlikesFlagged {
			fmt.Fprintln(std.out, "  "+l)
		}
	} else {
		kinds := make([]string, 0, len(rep.LookAlikes))
		for _, k := range slices.Sorted(maps.Keys(rep.LookAlikes)) {
			kinds = append(kinds, fmt.Sprintf("%d %s", rep.LookAlikes[k], k))
		}
		fmt.Fprintf(std.out, "\nno legitimate look-alike was flagged: %s\n", strings.Join(kinds, ", "))
	}
	if len(rep.Failures) == 0 {
		fmt.Fprintln(std.out, "every unambiguous rule caught every injected case; no clean provider reached hold_score")
	}
	for _, f := range rep.Failures {
		fmt.Fprintln(std.out, "FAILED: "+f)
	}
}
