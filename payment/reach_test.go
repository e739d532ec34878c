package payment

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
	"medclaims/sample"
)

// TestReachIsAllTheHistoryTheRulesSee prices streams twice: once with each member's whole
// history, as offline price does, and once with only what the adjudicator's batch load reads
// (the member's live claims dated from the claim's earliest date − Policies.Reach on). Every
// result and every flag must be the same, and the window must have left claims out.
func TestReachIsAllTheHistoryTheRulesSee(t *testing.T) {
	stream, err := sample.Eval(3, 1)
	if err != nil {
		t.Fatal(err)
	}
	synthetic, err := sample.SyntheticBundle(200)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		bundle *policy.Bundle
		items  [][]byte
	}{
		{"labelled fraud stream", stream.Bundle, stream.Items},
		{"synthetic, 30 claims a member", synthetic, sample.Synthetic(6000, 200, 5)},
	} {
		t.Run(c.name, func(t *testing.T) { compareWindowed(t, c.bundle, c.items) })
	}
}

func compareWindowed(t *testing.T, b *policy.Bundle, items [][]byte) {
	ps := NewPolicies(b)
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	full := NewBook(ps, BundleDirectory{Bundle: b}, now)
	windowed := NewBook(ps, BundleDirectory{Bundle: b}, now)
	windowed.History = map[string][]*fraud.Fact{}
	reach := ps.Reach()
	left, fired := 0, 0
	for i, it := range items {
		s, err := claim.DecodeSubmission(it)
		if err != nil {
			continue
		}
		m := s.Claim.MemberID
		history := slices.Clone(full.History[m])          // what the database holds
		if from, ok := HistoryFrom(&s.Claim, reach); ok { // the window the store reads
			history = slices.DeleteFunc(history, func(f *fraud.Fact) bool { return f.ClaimDate().Before(from) })
		}
		left += len(full.History[m]) - len(history)
		windowed.History[m] = history
		src := &claim.Source{Topic: "claims.submitted", Offset: int64(i)}
		a, w := full.Process(&s, src), windowed.Process(&s, src)
		ja, _ := json.Marshal(a.Result)
		jw, _ := json.Marshal(w.Result)
		if !bytes.Equal(ja, jw) {
			t.Fatalf("item %d: with the whole history\n%s\nwith the window\n%s", i, ja, jw)
		}
		fa, _ := json.Marshal(a.Flags)
		fw, _ := json.Marshal(w.Flags)
		if !bytes.Equal(fa, fw) {
			t.Fatalf("item %d flags: with the whole history\n%s\nwith the window\n%s", i, fa, fw)
		}
		fired += len(a.Flags)
	}
	if left == 0 {
		t.Fatal("the window never left a claim out: the comparison shows nothing")
	}
	t.Logf("%d items, %d flags, %d history claims left out by the window", len(items), fired, left)
}
