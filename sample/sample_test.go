package sample

import (
	"bytes"
	"testing"

	"medclaims/claim"
)

// TestSampleData: the bundle loads, every demo item decodes, and the synthetic stream is
// valid claims, the same for a seed and different across seeds.
func TestSampleData(t *testing.T) {
	if _, err := Bundle(); err != nil {
		t.Fatalf("the sample bundle: %v", err)
	}
	if _, err := SyntheticBundle(50); err != nil {
		t.Fatalf("the synthetic bundle: %v", err)
	}
	for i, it := range DemoBatch() {
		if _, err := claim.DecodeSubmission(it); err != nil {
			t.Errorf("demo item %d: %v", i, err)
		}
	}
	a, b, c := Synthetic(200, 50, 1), Synthetic(200, 50, 1), Synthetic(200, 50, 2)
	if !bytes.Equal(bytes.Join(a, nil), bytes.Join(b, nil)) || bytes.Equal(bytes.Join(a, nil), bytes.Join(c, nil)) {
		t.Error("the synthetic stream is not determined by its seed")
	}
	for i, it := range a {
		s, err := claim.DecodeSubmission(it)
		if err != nil || !s.Problems.Empty() {
			t.Fatalf("synthetic claim %d: %v %+v", i, err, s.Problems)
		}
	}
}
