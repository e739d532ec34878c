package main

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

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
}
