package offline

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"medclaims/sample"
)

// TestPrice: the sample file prices to one result per item, twice alike; an item that is
// not a JSON object is named and skipped.
func TestPrice(t *testing.T) {
	b, err := sample.Bundle()
	if err != nil {
		t.Fatal(err)
	}
	file, err := os.ReadFile("../sample/claims.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 1, 2, 0, 0, 0, time.UTC) }
	var runs [2]bytes.Buffer
	for i := range runs {
		rep, err := Price(context.Background(), b, now, bytes.NewReader(file), "claims.jsonl", &runs[i], os.Stderr)
		if err != nil || rep.Items != 47 || rep.Skipped != 0 || strings.Count(runs[i].String(), "\n") != 47 {
			t.Fatalf("run %d: %+v %v, %d lines", i, rep, err, strings.Count(runs[i].String(), "\n"))
		}
	}
	if runs[0].String() != runs[1].String() {
		t.Error("two runs of one file differ")
	}
	var errs bytes.Buffer
	rep, err := Price(context.Background(), b, now, strings.NewReader("[1, {\"claim_id\":\"X\"}]"), "mixed", &bytes.Buffer{}, &errs)
	if err != nil || rep.Skipped != 1 || !strings.Contains(errs.String(), "mixed") {
		t.Errorf("a non-object item: %+v %v %q", rep, err, errs.String())
	}
}
