package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"medclaims/settlement"
)

// TestCloseCommands: close and statement through the built binary on the sample batch: a
// stored version, an unchanged re-close, a dry run, JSON and CSV, and refused arguments.
func TestCloseCommands(t *testing.T) {
	s, _ := serveSample(t)
	out, stderr, err := medclaims(t, s.env, "close", "--period", "2026-03")
	if err != nil || !strings.Contains(out, "period 2026-03: version 1 stored") || !strings.Contains(out, "net payable") {
		t.Fatalf("close: %v %s %s", err, out, stderr)
	}
	if out, _, _ := medclaims(t, s.env, "close", "--period", "2026-03"); !strings.Contains(out, "unchanged, version 1") {
		t.Errorf("re-close: %s", out)
	}
	if out, _, _ := medclaims(t, s.env, "close", "--period", "2026-04", "--dry-run"); !strings.Contains(out, "preview of version 1 (not stored)") {
		t.Errorf("dry run: %s", out)
	}
	if _, stderr, err := medclaims(t, s.env, "statement", "--period", "2026-04"); exitStatus(err) != 1 || !strings.Contains(stderr, "has not been closed") {
		t.Errorf("a dry run stored something: %v %s", err, stderr)
	}
	out, _, _ = medclaims(t, s.env, "statement", "--period", "2026-03", "--json", "--provider", "H1001")
	var doc settlement.Document
	if err := json.Unmarshal([]byte(out), &doc); err != nil || len(doc.Providers) != 1 || doc.Providers[0].NetPayable == nil {
		t.Errorf("statement --json: %v %s", err, out)
	}
	out, _, _ = medclaims(t, s.env, "statement", "--period", "2026-03", "--csv")
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(out), []byte("\ufeff")))).ReadAll()
	if err != nil || len(rows) < 3 || rows[0][3] != "claim_id" || rows[len(rows)-1][3] != "TOTAL" {
		t.Errorf("statement --csv: %v %q", err, out)
	}
	for _, bad := range [][]string{{"close"}, {"close", "--period", "2026-3"}, {"statement", "--period", "March"}, {"close", "--period", "2026-03", "x"}} {
		if _, _, err := medclaims(t, s.env, bad...); exitStatus(err) != 2 {
			t.Errorf("%v: %v, want exit 2", bad, err)
		}
	}
}
