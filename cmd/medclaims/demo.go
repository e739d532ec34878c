package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/closing"
	"medclaims/internal/harness"
	"medclaims/pipeline"
	"medclaims/store"
)

const demoDatabase = "medclaims_demo"

func cmdDemo(ctx context.Context, args []string, std io3) error {
	fs := newFlags("demo", std)
	exit := fs.Bool("exit", false, "stop after the summary instead of serving")
	fresh := fs.Bool("fresh", true, "drop and recreate the demo database first (only a database named medclaims_demo*)")
	brokerAddr := fs.String("broker-addr", "127.0.0.1:9092", "listen address of the embedded broker")
	dbName := fs.String("db-name", demoDatabase, "database for the demo on the DATABASE_URL server (must start with "+demoDatabase+")")
	if err := parseArgs(fs, args, "demo [--exit] [--fresh=false] [--broker-addr HOST:PORT] [--db-name NAME]", 0, 0); err != nil {
		return err
	}
	if !strings.HasPrefix(*dbName, demoDatabase) {
		return badFlag(fs, "--db-name %q: the demo only uses databases named %s*", *dbName, demoDatabase)
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
	s, err := pipeline.StartService(ctx, cfg.service(*brokerAddr), log)
	if err != nil {
		return err
	}
	defer s.Close()
	fmt.Fprintln(std.out, "1. migrations applied")
	bundle, err := harness.SampleBundle()
	if err != nil {
		return err
	}
	changed, err := s.Store.SavePolicy(ctx, bundle)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "2. sample policy bundle %s loaded (changed: %t): %d providers, %d members, %d catalogue items — its numbers are illustrative\n",
		bundle.Version, changed, len(bundle.Providers), len(bundle.Members), len(bundle.Catalogue))

	run := harness.Start(ctx, s, func(c context.Context) error { return serve(c, s, cfg, log) })
	defer run.Stop()
	batchID, got, err := harness.DemoBatch(ctx, run)
	if err != nil {
		return err
	}
	fmt.Fprintf(std.out, "3. sample batch %s submitted: %d submissions (claims, a duplicate, a void, a replace, invalid claims)\n", batchID, len(got))
	fmt.Fprintln(std.out, "4. every submission adjudicated, stored and published")
	printSummary(std.out, claim.Summarize(got))
	printProviders(std.out, harness.SettledScores(ctx, s.Store, 10*time.Second))
	if err := closeSamplePeriod(ctx, std.out, s.Store, cfg.Now); err != nil {
		return err
	}
	story, err := harness.TellPractitionerStory(ctx, run, cfg.Now)
	if err != nil {
		return err
	}
	printStory(std.out, story)
	upcoding, err := harness.TellUpcodingStory(ctx, s.Store, cfg.Now)
	if err != nil {
		return err
	}
	printUpcoding(std.out, upcoding)
	if *exit {
		return run.Stop()
	}
	fmt.Fprintf(std.out, "\nserving: Kafka %v, HTTP API http://%s (/v1/…, /openapi.json, /healthz, /metrics) and the console at /console/; Ctrl-C stops\n", s.Brokers, cfg.HTTPAddr)
	fmt.Fprintf(std.out, "a token for the API: DATABASE_URL='%s' medclaims token create --role hospital:H3001\n", cfg.DatabaseURL)
	return run.Join()
}

// printSummary prints counts by status and method, fund and member totals, the claims
// the fraud stage flagged, and every rejection with its reasons.
func printSummary(w io.Writer, s claim.Summary) {
	table := func(title, key string, rows []claim.SummaryRow) {
		tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(w, title)
		fmt.Fprintln(tw, key+"\tcount\ttotal\tfund pays\tmember pays\tto providers\t")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t\n", r.Key, r.Count, r.Total.StringFixed(2), r.FundTotal.StringFixed(2),
				r.MemberPays.StringFixed(2), r.ToProv.StringFixed(2))
		}
		tw.Flush()
	}
	table("\nResults by status (amounts of adjudicated and held claims; a re-emitted duplicate counts again):", "status", s.ByStatus)
	table("\nAdjudicated by payment method:", "method", s.ByMethod)
	if len(s.Flagged) > 0 {
		fmt.Fprintln(w, "\nFraud stage (claim rules):")
		for _, r := range s.Flagged {
			held := ""
			if r.Fraud.Held {
				held = "  held: provider payment withheld"
			}
			fmt.Fprintf(w, "  %-20s %-11s score %s  %s%s\n", r.ClaimID, r.Status, r.Fraud.Score, strings.Join(r.Fraud.Rules, ", "), held)
		}
		var byRule []string
		for _, rule := range slices.Sorted(maps.Keys(s.RuleCounts)) {
			byRule = append(byRule, fmt.Sprintf("%s %d", rule, s.RuleCounts[rule]))
		}
		fmt.Fprintf(w, "  claims flagged by rule: %s; held: %d\n", strings.Join(byRule, ", "), s.Held)
	}
	printEdits(w, s.ByEdit)
	if len(s.Rejected) > 0 {
		fmt.Fprintln(w, "\nRejections:")
		for _, r := range s.Rejected {
			var msgs []string
			for _, x := range r.Reasons {
				msgs = append(msgs, x.Code+": "+x.Message)
			}
			fmt.Fprintf(w, "  %-20s %s\n", r.ClaimID, strings.Join(msgs, " | "))
		}
	}
}

// printEdits prints the line edits that acted, by edit, and the amounts by action.
func printEdits(w io.Writer, rows []claim.EditRow) {
	if len(rows) == 0 {
		return
	}
	fmt.Fprintln(w, "\nLine edits (knowledge base, POLICY.md §10):")
	by := map[string]decimal.Decimal{}
	for _, e := range rows {
		by[e.Action] = by[e.Action].Add(e.Amount)
		fmt.Fprintf(w, "  %-6s %-10s %-8s %2d line(s) %10s  %s\n", e.EditID, e.Kind, e.Action, e.Lines, e.Amount.StringFixed(2), e.Source)
	}
	fmt.Fprintf(w, "  refused by edit (payable by nobody) %s; self-paid by edit %s; flagged for review %s\n",
		by["refuse"].StringFixed(2), by["self_pay"].StringFixed(2), by["flag"].StringFixed(2))
}

// printStory prints the practitioner step: the two decisions, the points and the status,
// and the refused line at the third hospital.
func printStory(w io.Writer, s harness.PractitionerStory) {
	p := s.Practitioner
	fmt.Fprintf(w, "\n6. practitioner %s (%s, registered at %s): payment qualification (医保支付资格)\n", p.PractitionerID, p.Role, strings.Join(p.ProviderIDs, ", "))
	for _, c := range s.Cases {
		fmt.Fprintf(w, "  case %s at %s: over_treatment on %s confirmed, +%d points\n", c.CaseID, c.ProviderID, c.ClaimID, c.Points)
	}
	fmt.Fprintf(w, "  %s: %d points in %d → %s until %s (medclaims practitioner show %s)\n", p.PractitionerID, p.YearPoints, p.Year, p.Status, p.Until, p.PractitionerID)
	r := s.Refused
	reason := ""
	for _, x := range r.Reasons {
		if x.Code == claim.ReasonPractitionerSuspended {
			reason = x.Message
		}
	}
	fmt.Fprintf(w, "  %s's next visit at %s (%s): %s, refused %s, fund %s — %s\n", p.PractitionerID, r.ProviderID, r.ClaimID, r.Status,
		r.Refused.Dec().StringFixed(2), r.FundTotal.Dec().StringFixed(2), reason)
	c, a := s.Appealed, s.After
	fmt.Fprintf(w, "  %s appealed case %s (申诉); the investigator amended it: %s +%d → +%d points\n", c.ProviderID, c.CaseID, p.PractitionerID,
		s.Cases[0].Points, c.Findings[0].PractitionerPoints[p.PractitionerID])
	status := a.Status
	if a.Until != "" {
		status += " until " + a.Until
	}
	fmt.Fprintf(w, "  %s: %d points in %d → %s; the ledger keeps the reversal (medclaims practitioner show %s)\n", a.PractitionerID, a.YearPoints, a.Year,
		status, a.PractitionerID)
}

// printProviders prints the providers with a score and any payment suspension.
func printProviders(w io.Writer, scores []store.ProviderScore) {
	fmt.Fprintln(w, "\nProvider scores (scoring consumer):")
	suspended := 0
	for _, p := range scores {
		if p.PaymentSuspended {
			suspended++
			fmt.Fprintf(w, "  %-8s score %s  SUSPENDED (%s)\n", p.ProviderID, p.Score, strings.Join(p.Rules, ", "))
		} else if p.Score != "0" {
			fmt.Fprintf(w, "  %-8s score %s  (share of flagged claims %s)\n", p.ProviderID, p.Score, p.FlaggedShare)
		}
	}
	fmt.Fprintf(w, "  providers under payment suspension: %d\n", suspended)
}

// printUpcoding prints the DRG step: the upcoded stay's two groups, the finding's recovery
// against the claim's fund share, and the statement that deducts it.
func printUpcoding(w io.Writer, u harness.UpcodingStory) {
	ev := u.Flag.Evidence
	fmt.Fprintf(w, "\n7. upcoding (高套): %s at %s coded %v (RW %v, standard %v); without %v, which no line supports, it groups to %v (RW %v, standard %v)\n",
		u.Flag.ClaimIDs[0], u.Flag.ProviderID, ev["drg"], ev["rw"], ev["standard"], ev["unsupported"], ev["drg_regrouped"], ev["rw_regrouped"], ev["standard_regrouped"])
	fmt.Fprintf(w, "  case %s confirmed upcoding (%s): recovery %s, the overpayment — the claim's fund share %s stays paid less it; fine %s–%s\n",
		u.CaseID, u.Finding.Article, u.Finding.Recovery, u.FundToProvider.StringFixed(2), u.Finding.FineMin, u.Finding.FineMax)
	for _, p := range u.Statement.Providers {
		if p.ProviderID == u.Flag.ProviderID {
			fmt.Fprintf(w, "  period %s, the decision's month, closed (version %d): %s's recoveries %s are deducted from its net payable (medclaims statement --period %s)\n",
				u.Statement.Period, u.Statement.Version, p.ProviderID, p.Recoveries, u.Statement.Period)
		}
	}
}

// samplePeriod is the month of the sample batch the demo closes.
const samplePeriod = "2026-03"

// closeSamplePeriod closes the sample month and prints a line per provider.
func closeSamplePeriod(ctx context.Context, out io.Writer, st *store.Store, now func() time.Time) error {
	res, err := closing.Service{Store: st, Now: now}.Close(ctx, samplePeriod, false)
	if err != nil {
		return err
	}
	doc := res.Statement
	fmt.Fprintf(out, "\n5. period %s closed (statement version %d; medclaims statement --period %s shows it):\n", doc.Period, doc.Version, doc.Period)
	for _, r := range doc.Regions {
		pv := "none: rate-method amounts stand"
		if r.PointValue != nil {
			pv = r.PointValue.StringFixed(4)
		}
		fmt.Fprintf(out, "  region %s: %d DRG cases, point value %s\n", r.Region, r.Cases, pv)
	}
	return closing.WriteSummary(out, doc, nil)
}
