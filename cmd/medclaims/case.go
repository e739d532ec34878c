package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"text/tabwriter"

	"medclaims/casework"
	"medclaims/claim"
	"medclaims/fraud"
)

const caseUsage = `case list [--state S] [--provider P] | case show ID [--json] |
  case open --provider P --flags F1,F2 [--note N] | case notify ID [--note N] |
  case respond ID --statement S | case decide ID --decision confirm|dismiss [--note N] [--findings FILE]
  (every subcommand takes --as NAME: who acts, recorded in the audit trail)`

// cmdCase runs the case workflow from the terminal with the API's rules and audit: open,
// notify and decide act as an investigator, respond as the case's hospital.
func cmdCase(ctx context.Context, args []string, std io3) error {
	if len(args) == 0 {
		fmt.Fprintln(std.err, "usage: medclaims "+caseUsage)
		return usageError{"case takes a subcommand: list, show, open, notify, respond or decide"}
	}
	sub, rest := args[0], args[1:]
	if len(rest) > 0 && !strings.HasPrefix(rest[0], "-") { // "case notify ID --note N": the id first, flags after
		rest = append(slices.Clone(rest[1:]), rest[0])
	}
	build, ok := caseSubs[sub]
	if !ok {
		fmt.Fprintln(std.err, "usage: medclaims "+caseUsage)
		return usageError{fmt.Sprintf("unknown case subcommand %q", sub)}
	}
	fs := newFlags("case "+sub, std)
	as := fs.String("as", os.Getenv("USER"), "who acts (recorded in the audit trail)")
	run, err := build(ctx, fs, rest, std)
	if err != nil {
		return err
	}
	if *as == "" && sub != "list" && sub != "show" {
		return badFlag(fs, "say who acts with --as NAME")
	}
	st, cfg, err := openWithConfig(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	return run(casework.Service{Store: st, Now: cfg.Now}, fraud.Actor{Name: *as + " (command line)", Role: fraud.ActorInvestigator})
}

// caseRun carries out a parsed case subcommand; caseSub parses one.
type (
	caseRun func(casework.Service, fraud.Actor) error
	caseSub func(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error)
)

var caseSubs = map[string]caseSub{"list": caseList, "show": caseShow, "open": caseOpen, "notify": caseNotify, "respond": caseRespond,
	"decide": caseDecide}

func caseList(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error) {
	state, provider := fs.String("state", "", "only cases in this state"), fs.String("provider", "", "only this provider's cases")
	if err := parseArgs(fs, rest, "case list [--state S] [--provider P]", 0, 0); err != nil {
		return nil, err
	}
	return func(s casework.Service, _ fraud.Actor) error { return listCases(ctx, s, *state, *provider, std.out) }, nil
}

func caseShow(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error) {
	asJSON := fs.Bool("json", false, "the case as JSON")
	if err := parseArgs(fs, rest, "case show ID [--json]", 1, 1); err != nil {
		return nil, err
	}
	return func(s casework.Service, a fraud.Actor) error {
		c, err := s.Get(ctx, a, fs.Arg(0))
		if err != nil {
			return err
		}
		return printCase(std.out, *c, *asJSON)
	}, nil
}

func caseOpen(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error) {
	provider, flags, note := fs.String("provider", "", "the provider (required)"), fs.String("flags", "", "flag ids, comma-separated (required)"),
		fs.String("note", "", "why")
	if err := parseArgs(fs, rest, "case open --provider P --flags F1,F2 [--note N]", 0, 0); err != nil {
		return nil, err
	}
	if *provider == "" || *flags == "" {
		return nil, badFlag(fs, "case open needs --provider and --flags")
	}
	return func(s casework.Service, a fraud.Actor) error {
		return printMoved(std.out, func() (fraud.Case, error) { return s.Open(ctx, a, *provider, strings.Split(*flags, ","), *note) })
	}, nil
}

func caseNotify(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error) {
	note := fs.String("note", "", "the allegation sent")
	if err := parseArgs(fs, rest, "case notify ID [--note N]", 1, 1); err != nil {
		return nil, err
	}
	return func(s casework.Service, a fraud.Actor) error {
		return printMoved(std.out, func() (fraud.Case, error) { return s.Notify(ctx, a, fs.Arg(0), *note) })
	}, nil
}

func caseRespond(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error) {
	statement := fs.String("statement", "", "the hospital's statement (required)")
	if err := parseArgs(fs, rest, "case respond ID --statement S", 1, 1); err != nil {
		return nil, err
	}
	return func(s casework.Service, a fraud.Actor) error {
		c, err := s.Get(ctx, a, fs.Arg(0))
		if err != nil {
			return err
		}
		a.Role, a.ProviderID = fraud.ActorHospital, c.ProviderID
		return printMoved(std.out, func() (fraud.Case, error) { return s.Respond(ctx, a, fs.Arg(0), *statement) })
	}, nil
}

func caseDecide(ctx context.Context, fs *flag.FlagSet, rest []string, std io3) (caseRun, error) {
	decision, note, findings := fs.String("decision", "", "confirm or dismiss (required)"), fs.String("note", "", "the reasons"),
		fs.String("findings", "", "a JSON file (- for stdin) with the findings: [{type, claim_ids, practitioner_ids, fine, suspend_months}]")
	if err := parseArgs(fs, rest, "case decide ID --decision confirm|dismiss [--note N] [--findings FILE]", 1, 1); err != nil {
		return nil, err
	}
	return func(s casework.Service, a fraud.Actor) error {
		dec := fraud.Decision{Decision: *decision, Note: *note}
		if *findings != "" {
			if err := readFindings(*findings, std.in, &dec); err != nil {
				return err
			}
		}
		return printMoved(std.out, func() (fraud.Case, error) { return s.Decide(ctx, a, fs.Arg(0), dec) })
	}, nil
}

func readFindings(path string, stdin io.Reader, dec *fraud.Decision) error {
	in, name, closeFn, err := openInput(path, stdin)
	if err != nil {
		return err
	}
	defer closeFn()
	d := json.NewDecoder(in)
	d.DisallowUnknownFields()
	if err := d.Decode(&dec.Findings); err != nil {
		return fmt.Errorf("%s: the findings are not a JSON array of {type, claim_ids, practitioner_ids, fine, suspend_months}: %w", name, err)
	}
	return nil
}

func printMoved(out io.Writer, move func() (fraud.Case, error)) error {
	c, err := move()
	if err != nil {
		return err
	}
	return printCase(out, c, false)
}

func printCase(out io.Writer, c fraud.Case, asJSON bool) error {
	if asJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(c)
	}
	fmt.Fprintf(out, "case %s  provider %s  state %s\n  flags  %s\n  claims %s\n", c.CaseID, c.ProviderID, c.State,
		strings.Join(c.FlagIDs, ", "), strings.Join(c.ClaimIDs, ", "))
	if c.Deadline != nil {
		fmt.Fprintf(out, "  deadline %s\n", c.Deadline.In(claim.Shanghai).Format("2006-01-02"))
	}
	if c.Decision != "" {
		fmt.Fprintf(out, "  decision %s\n", c.Decision)
	}
	for _, f := range c.Findings {
		fmt.Fprintf(out, "  finding %s (%s) claims %s: recovery %s, fine %s (range %s–%s)\n", f.Type, f.Article, strings.Join(f.ClaimIDs, ","),
			f.Recovery.String(), f.Fine.String(), f.FineMin.String(), f.FineMax.String())
	}
	for _, e := range c.Events {
		fmt.Fprintf(out, "  %s  %-9s by %s (%s)  %s\n", e.At.Format("2006-01-02 15:04"), e.Event, e.By, e.Role, e.Note)
	}
	return nil
}

func listCases(ctx context.Context, s casework.Service, state, provider string, out io.Writer) error {
	cs, err := s.Store.Cases(ctx, state, provider)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "case\tprovider\tstate\topened\tflags\tdecision")
	for _, c := range cs {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%s\n", c.CaseID, c.ProviderID, c.State, c.OpenedAt.Format("2006-01-02 15:04"), len(c.FlagIDs), c.Decision)
	}
	return tw.Flush()
}
