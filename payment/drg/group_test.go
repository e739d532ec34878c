package drg

import (
	"os"
	"strings"
	"testing"
)

func scheme(t testing.TB) *Grouper {
	t.Helper()
	g, err := Scheme("chs-drg-1.1")
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func sampleRows(t testing.TB) []Row {
	t.Helper()
	f, err := os.Open("data/chs-drg-1.1/sample_cases.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := ReadCases(f)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestConformance groups every sample case and requires 100% agreement on MDC, ADRG, DRG
// and status with the independent grouper's answers.
func TestConformance(t *testing.T) {
	g := scheme(t)
	rows := sampleRows(t)
	if len(rows) != 500 {
		t.Fatalf("%d sample cases, want 500", len(rows))
	}
	bad := 0
	for _, r := range rows {
		got := g.Group(&r.Case)
		e := r.Expected
		if got.MDC != e.MDC || got.ADRG != e.ADRG || got.DRG != e.DRG || got.Status != e.Status {
			bad++
			t.Errorf("case %s: got %s %s %s %s, want %s %s %s %s\n  trace: %s", r.Case.Index, got.MDC, got.ADRG, got.DRG, got.Status,
				e.MDC, e.ADRG, e.DRG, e.Status, strings.Join(got.Trace, " | "))
		}
	}
	t.Logf("%d of %d cases agree", len(rows)-bad, len(rows))
}

func TestWorkedExampleTrace(t *testing.T) {
	g := scheme(t)
	c := Case{Gender: 2, HasGender: true, Age: 88, HasAge: true,
		Diagnoses: SplitCodes("K22.301|K11.901|E11.900|I10.x05", false), Procedures: SplitCodes("96.0800x005", true)}
	r := g.Group(&c)
	if r.MDC != "MDCG" || r.ADRG != "GZ1" || r.DRG != "GZ13" || r.Status != Success {
		t.Fatalf("got %+v", r)
	}
	trail := strings.Join(r.Trace, "\n")
	for _, want := range []string{"MDCG entry: principal diagnosis K22.301", "ADRG GZ1", "secondary K11.901 is CC", "→ GZ13"} {
		if !strings.Contains(trail, want) {
			t.Errorf("trace lacks %q:\n%s", want, trail)
		}
	}
}

func TestSplitCodes(t *testing.T) {
	for in, want := range map[string]string{"": `[""]`, "A||B": `["A","","B"]`, "A,B|C": `["A","B","C"]`, "|X": `["","X"]`} {
		got := SplitCodes(in, false)
		if q := quoteAll(got); q != want {
			t.Errorf("SplitCodes(%q) = %s, want %s", in, q, want)
		}
	}
	if got := SplitCodes("", true); got != nil {
		t.Errorf("empty procedures = %v, want none", got)
	}
	if got := SplitCodes("|X", true); quoteAll(got) != `["","X"]` {
		t.Errorf("procedures |X = %v", got)
	}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, x := range s {
		q[i] = `"` + x + `"`
	}
	return "[" + strings.Join(q, ",") + "]"
}

func TestUnknownCodesReported(t *testing.T) {
	g := scheme(t)
	c := Case{Gender: 1, HasGender: true, Age: 40, HasAge: true, Diagnoses: []string{"NOT-A-CODE", ""}, Procedures: []string{"zz.99"}}
	r := g.Group(&c)
	if r.Status != Fail || len(r.Unknown) != 3 {
		t.Errorf("got %+v", r)
	}
}

func FuzzGroup(f *testing.F) {
	g, err := Scheme("chs-drg-1.1")
	if err != nil {
		f.Fatal(err)
	}
	f.Add("K22.301|K11.901|E11.900", "96.0800x005", 2, 88, 0, 0)
	f.Add("P07.200", "", 1, 0, 3, 1400)
	f.Add("", "37.5100", 1, 30, -1, -1)
	f.Add("S06.000|S22.400|S32.000", "|", 9, -5, 400, 0)
	f.Fuzz(func(t *testing.T, dx, px string, gender, age, ageDays, weight int) {
		c := Case{Gender: gender, HasGender: gender != 0, Age: age, HasAge: age != -1, AgeDays: ageDays, HasAgeDays: ageDays >= 0,
			BirthWeightG: weight, HasBirthWeight: weight >= 0, Diagnoses: SplitCodes(dx, false), Procedures: SplitCodes(px, true)}
		r := g.Group(&c)
		switch r.Status {
		case Success, Fail, QY, CheckFailed:
		default:
			t.Fatalf("status %q", r.Status)
		}
		if r.Status == Success && (len(r.DRG) != 4 || r.ADRG != r.DRG[:3] || r.MDC != "MDC"+r.DRG[:1]) {
			t.Fatalf("inconsistent result %+v", r)
		}
	})
}

func BenchmarkGroup(b *testing.B) {
	g := scheme(b)
	rows := sampleRows(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		g.Group(&rows[i%len(rows)].Case)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "cases/s")
}
