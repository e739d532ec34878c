package main

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/sample"
	"medclaims/store"
)

const demoDatabase = "medclaims_demo"

func cmdDemo(ctx context.Context, args []string, std io3) error {
	fs := newFlags("demo", std)
	exit := fs.Bool("exit", false, "stop after the summary instead of serving")
	fresh := fs.Bool("fresh", true, "drop and recreate the demo database first (only a database named medclaims_demo*)")
	brokerAddr := fs.String("broker-addr", "127.0.0.1:9092", "listen address of the embedded broker")
	dbName := fs.String("db-name", demoDatabase, "database for the demo on the DATABASE_URL server (must start with "+demoDatabase+")")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if !strings.HasPrefix(*dbName, demoDatabase) {
		return fmt.Errorf("--db-name %q: the demo only uses databases named %s*", *dbName, demoDatabase)
	}
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	cfg.Brokers = "" // the demo runs on the embedded broker
	if cfg.DatabaseURL, err = withDatabase(cfg.DatabaseURL, *dbName); err != nil {
		return err
	}
	log := newLogger(std.err)
	if *fresh {
		if err := store.DropDatabase(ctx, cfg.DatabaseURL, demoDatabase); err != nil {
			return err
		}
	}
	fmt.Fprintf(std.out, "medclaims demo — database %s, embedded broker\n", databaseName(cfg.DatabaseURL))
	s, err := startService(ctx, cfg, log, *brokerAddr)
	if err != nil {
		return err
	}
	defer s.close()
	fmt.Fprintln(std.out, "1. migrations applied")

	bundle, err := sample.Bundle()
	if err != nil {
		return err
	}
	changed, err := s.st.SavePolicy(ctx, bundle)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "2. sample policy bundle %s loaded (changed: %t): %d providers, %d members, %d catalogue items — its numbers are illustrative\n",
		bundle.Version, changed, len(bundle.Providers), len(bundle.Members), len(bundle.Catalogue))

	runCtx, stopRun := context.WithCancel(ctx)
	defer stopRun()
	runErr := make(chan error, 1)
	go func() { runErr <- s.run(runCtx) }()

	items := sample.DemoBatch()
	var mu sync.Mutex
	var got []claim.Result
	all := make(chan struct{})
	watchCtx, stopWatch := context.WithCancel(ctx)
	defer stopWatch()
	go func() {
		_ = pipeline.WatchResults(watchCtx, s.brokers, s.topics.Adjudicated, func(r claim.Result, _ time.Time) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, r)
			if len(got) == len(items) {
				close(all)
			}
		})
	}()
	w := pipeline.NewWriter(s.brokers, s.topics.Submitted)
	batchID := pipeline.NewBatchID(time.Now())
	if _, err := pipeline.Submit(ctx, w, items, batchID, nil); err != nil {
		w.Close()
		return err
	}
	w.Close()
	fmt.Fprintf(std.out, "3. sample batch %s submitted: %d submissions (claims, a duplicate, a void, a replace, invalid claims)\n", batchID, len(items))
	select {
	case <-all:
	case err := <-runErr:
		return fmt.Errorf("pipeline stopped: %w", err)
	case <-time.After(2 * time.Minute):
		return fmt.Errorf("only %d of %d results arrived within 2 minutes", len(got), len(items))
	case <-ctx.Done():
		return ctx.Err()
	}
	stopWatch()
	fmt.Fprintln(std.out, "4. every submission adjudicated, stored and published")
	mu.Lock()
	printSummary(std.out, got)
	mu.Unlock()
	if *exit {
		stopRun()
		<-runErr
		return nil
	}
	fmt.Fprintf(std.out, "\nserving: Kafka %v, HTTP http://%s (/healthz, /metrics); Ctrl-C stops\n", s.brokers, cfg.HTTPAddr)
	select {
	case <-ctx.Done():
		<-runErr
		return nil
	case err := <-runErr:
		return err
	}
}

// printSummary prints counts by status and method, fund and member totals, and every
// rejection with its reasons.
func printSummary(w io.Writer, rs []claim.Result) {
	type agg struct {
		n                           int
		total, fund, member, toProv decimal.Decimal
	}
	byStatus := map[string]*agg{}
	byMethod := map[string]*agg{}
	add := func(m map[string]*agg, k string, r claim.Result) {
		a := m[k]
		if a == nil {
			a = &agg{}
			m[k] = a
		}
		a.n++
		a.total = a.total.Add(r.Total.Dec())
		a.fund = a.fund.Add(r.FundTotal.Dec())
		a.member = a.member.Add(r.MemberPays.Dec())
		a.toProv = a.toProv.Add(r.FundToProvider.Dec())
	}
	var rejected []claim.Result
	for _, r := range rs {
		add(byStatus, r.Status, r)
		if r.Status == claim.StatusAdjudicated || r.Status == claim.StatusHeld {
			add(byMethod, r.Method, r)
		}
		if r.Status == claim.StatusRejected {
			rejected = append(rejected, r)
		}
	}
	table := func(title, key string, m map[string]*agg) {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, title)
		fmt.Fprintln(tw, key+"\tcount\ttotal\tfund pays\tmember pays\tto providers\t")
		for _, k := range sortedKeys(m) {
			a := m[k]
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", k, a.n, a.total.StringFixed(2), a.fund.StringFixed(2), a.member.StringFixed(2), a.toProv.StringFixed(2))
		}
		tw.Flush()
	}
	table("\nResults by status (amounts of adjudicated and held claims; a re-emitted duplicate counts again):", "status", byStatus)
	table("\nAdjudicated by payment method:", "method", byMethod)
	if len(rejected) > 0 {
		fmt.Fprintln(w, "\nRejections:")
		sort.Slice(rejected, func(i, j int) bool { return rejected[i].ClaimID < rejected[j].ClaimID })
		for _, r := range rejected {
			var msgs []string
			for _, x := range r.Reasons {
				msgs = append(msgs, x.Code+": "+x.Message)
			}
			fmt.Fprintf(w, "  %-20s %s\n", r.ClaimID, strings.Join(msgs, " | "))
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
