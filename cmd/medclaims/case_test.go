package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/shopspring/decimal"

	"medclaims/fraud"
)

// TestCaseCommands: the case workflow from the terminal on the flags the sample batch
// raises: open, a refused decision, notify, respond, dismiss; the trail names who acted.
func TestCaseCommands(t *testing.T) {
	s := startServe(t)
	env, db := s.env, s.db
	if _, stderr, err := medclaims(t, env, "load", "../../sample/bundle"); err != nil {
		t.Fatalf("load: %v %s", err, stderr)
	}
	submitSample(t, env)
	x := sqlx.MustOpen("postgres", db)
	defer x.Close()
	var flagID, provider string
	waitFor(t, 30*time.Second, func() bool {
		return x.QueryRow(`SELECT flag_id, provider_id FROM fraud_flags WHERE status = 'open' ORDER BY flag_id LIMIT 1`).Scan(&flagID, &provider) == nil
	})
	run := func(args ...string) (string, string, int) {
		out, stderr, err := medclaims(t, env, append([]string{"case"}, args...)...)
		return out, stderr, exitStatus(err)
	}
	out, stderr, code := run("open", "--as", "wang", "--provider", provider, "--flags", flagID, "--note", "looks wrong")
	if code != 0 || !strings.Contains(out, "state open") {
		t.Fatalf("open: %d %s %s", code, out, stderr)
	}
	id := strings.Fields(out)[1]
	if _, stderr, code := run("decide", id, "--as", "wang", "--decision", "dismiss"); code != 1 || !strings.Contains(stderr, "notify the provider first") {
		t.Errorf("decide before notice: %d %s", code, stderr)
	}
	for _, step := range [][]string{{"notify", id, "--as", "wang", "--note", "sent"}, {"respond", id, "--as", "li", "--statement", "explained"},
		{"decide", id, "--as", "wang", "--decision", "dismiss", "--note", "explained"}} {
		if out, stderr, code := run(step...); code != 0 {
			t.Fatalf("%v: %d %s %s", step, code, out, stderr)
		}
	}
	if _, stderr, code := run("respond", id, "--as", "li", "--statement", "again"); code != 1 || !strings.Contains(stderr, "decided") {
		t.Errorf("respond after the decision: %d %s", code, stderr)
	}
	out, stderr, _ = run("show", id, "--json")
	var c fraud.Case
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatalf("show --json: %v %s %s", err, out, stderr)
	}
	var trail []string
	for _, e := range c.Events {
		trail = append(trail, e.Event+" "+e.By+" "+e.Role)
	}
	if want := "opened wang (command line) investigator,notified wang (command line) investigator,responded li (command line) hospital," +
		"decided wang (command line) investigator"; strings.Join(trail, ",") != want || c.Decision != "dismiss" {
		t.Errorf("trail %v, decision %s", trail, c.Decision)
	}
	if out, _, _ := run("list", "--state", "decided"); !strings.Contains(out, id) {
		t.Errorf("list: %s", out)
	}
	for _, bad := range [][]string{{"frob"}, {"open", "--as", "w"}, {"show"}, {"notify", id, "extra"}} {
		if _, _, code := run(bad...); code != 2 {
			t.Errorf("%v: exit %d, want 2", bad, code)
		}
	}
	decideWithPoints(t, env, x)
}

// decideWithPoints confirms a fabricated service on the next open flag, giving D017 a single
// 12 points on 2026-12-10: `practitioner show` and `list` then show D017 terminated until
// 2029-12-10 (three years: one finding alone gave 12).
func decideWithPoints(t *testing.T, env []string, x *sqlx.DB) {
	env = append(append([]string{}, env...), "MEDCLAIMS_NOW=2026-12-10")
	var flagID, provider, claimID, ftp string
	if err := x.QueryRow(`SELECT f.flag_id, f.provider_id, f.claim_ids[1], r.fund_to_provider::text FROM fraud_flags f
		JOIN claim_results r ON r.provider_id = f.provider_id AND r.claim_id = f.claim_ids[1] WHERE f.status = 'open' ORDER BY f.flag_id LIMIT 1`).
		Scan(&flagID, &provider, &claimID, &ftp); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) string {
		t.Helper()
		out, stderr, err := medclaims(t, env, args...)
		if err != nil {
			t.Fatalf("%v: %v %s %s", args, err, out, stderr)
		}
		return out
	}
	id := strings.Fields(run("case", "open", "--as", "wang", "--provider", provider, "--flags", flagID))[1]
	run("case", "notify", id, "--as", "wang")
	run("case", "respond", id, "--as", "li", "--statement", "s")
	fine := decimal.RequireFromString(ftp).Mul(decimal.NewFromInt(3)).StringFixed(2)
	findings := filepath.Join(t.TempDir(), "findings.json")
	os.WriteFile(findings, []byte(`[{"type":"fabricated_service","claim_ids":["`+claimID+`"],"practitioner_ids":["D017"],"practitioner_points":{"D017":12},"fine":"`+fine+`"}]`), 0o644)
	run("case", "decide", id, "--as", "wang", "--decision", "confirm", "--findings", findings)
	if out := run("practitioner", "show", "D017"); !strings.Contains(out, "D017 Li Wei (doctor) at [H1002 H2001 H3001]: terminated until 2029-12-10; 12 points in 2026") ||
		!strings.Contains(out, "+12 points (2026)  assigned  case "+id+" finding 1") {
		t.Errorf("practitioner show:\n%s", out)
	}
	if out := run("practitioner", "list", "--status", "terminated"); !strings.Contains(out, "D017") || strings.Contains(out, "N002") {
		t.Errorf("practitioner list --status terminated:\n%s", out)
	}
	if _, _, err := medclaims(t, env, "practitioner", "show", "NOPE"); exitStatus(err) != 1 {
		t.Errorf("an unknown practitioner: %v", err)
	}
}
