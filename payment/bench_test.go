package payment

import (
	"bytes"
	"fmt"
	"maps"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
	"medclaims/sample"
)

// fixture is built once per test binary, so the benchmark's repeated runs do not pay (or
// collect the garbage of) decoding and bundle loading.
var fixture = sync.OnceValues(func() (*policy.Bundle, []claim.Submission) {
	bundle, err := sample.SyntheticBundle(5000)
	if err != nil {
		panic(err)
	}
	items := sample.Synthetic(20000, 5000, 1)
	subs := make([]claim.Submission, len(items))
	for i, it := range items {
		if subs[i], err = claim.DecodeSubmission(it); err != nil {
			panic(err)
		}
	}
	runtime.GC()
	return bundle, subs
})

// BenchmarkAdjudicate prices synthetic claims of every payment method (decoded beforehand)
// through the Book, the path both the Kafka consumer and the offline price command take,
// claim rules included.
func BenchmarkAdjudicate(b *testing.B) {
	bundle, subs := fixture()
	benchBook(b, bundle, subs)
}

// BenchmarkAdjudicateNoFraud is BenchmarkAdjudicate with every fraud rule switched off:
// the difference is what the claim rules cost.
func BenchmarkAdjudicateNoFraud(b *testing.B) {
	bundle, subs := fixture()
	benchBook(b, withoutFraud(bundle), subs)
}

func benchBook(b *testing.B, bundle *policy.Bundle, subs []claim.Submission) {
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	b.ReportAllocs()
	b.ResetTimer()
	var book *Book
	for i := 0; i < b.N; i++ {
		if i%len(subs) == 0 {
			book = NewBook(NewPolicies(bundle), BundleDirectory{Bundle: bundle}, now)
		}
		if eff := book.Process(&subs[i%len(subs)], nil); eff.Result.Status != claim.StatusAdjudicated && eff.Result.Status != claim.StatusHeld {
			b.Fatalf("claim %d: %s %v", i, eff.Result.Status, eff.Result.Reasons)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}

// withoutFraud is the bundle with every fraud rule switched off.
func withoutFraud(b *policy.Bundle) *policy.Bundle {
	off := *b
	off.Fraud = fraud.AllOff()
	return &off
}

// BenchmarkAdjudicateOnly measures Adjudicate alone: cost sharing and explanation for one
// claim with fixed accumulators.
func BenchmarkAdjudicateOnly(b *testing.B) {
	bundle, err := sample.SyntheticBundle(10)
	if err != nil {
		b.Fatal(err)
	}
	s, err := claim.DecodeSubmission(sample.Synthetic(1, 10, 3)[0])
	if err != nil {
		b.Fatal(err)
	}
	in := Input{Claim: &s.Claim, Bundle: bundle, Provider: bundle.Providers[s.Claim.ProviderID], Member: bundle.Members[s.Claim.MemberID]}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Adjudicate(in)
	}
}

// BenchmarkAdjudicateParallel prices claims on every core, members sharded over one book per
// core as the pipeline shards them over partitions.
func BenchmarkAdjudicateParallel(b *testing.B) {
	bundle, subs := fixture()
	benchParallel(b, bundle, subs)
}

// BenchmarkAdjudicateParallelFFS is the parallel benchmark with every provider contracting
// fee-for-service only: the member side and ffs pricing without grouping.
func BenchmarkAdjudicateParallelFFS(b *testing.B) {
	bundle, subs := fixture()
	ffs := *bundle
	ffs.Providers = map[string]*policy.Provider{}
	for id, p := range bundle.Providers {
		cp := *p
		cp.SetMethods([]string{MethodFFS})
		ffs.Providers[id] = &cp
	}
	benchParallel(b, &ffs, subs)
}

func benchParallel(b *testing.B, bundle *policy.Bundle, subs []claim.Submission) {
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	shards := runtime.GOMAXPROCS(0)
	parts := ShardByMember(subs, shards)
	b.ReportAllocs()
	b.ResetTimer()
	var wg sync.WaitGroup
	for w := 0; w < shards; w++ {
		wg.Add(1)
		go func(part []claim.Submission) {
			defer wg.Done()
			var book *Book
			for i := 0; i < b.N/shards; i++ {
				if i%len(part) == 0 {
					book = NewBook(NewPolicies(bundle), BundleDirectory{Bundle: bundle}, now)
				}
				book.Process(&part[i%len(part)], nil)
			}
		}(parts[w])
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkAdjudicateNoEdits is BenchmarkAdjudicate without the sample bundle's edits.csv:
// the base the edits' cost is read against.
func BenchmarkAdjudicateNoEdits(b *testing.B) {
	bundle, subs := fixture()
	files := maps.Clone(bundle.Files)
	delete(files, policy.FileEdits)
	benchBook(b, reload(b, files), subs)
}

// BenchmarkAdjudicate10kEdits is BenchmarkAdjudicate with 10,000 edits loaded: 9,960 on
// items the synthetic claims never bill (every kind) and 40 on items they do, tested on
// every such line and passing (ages, levels, units within their limits, indications met,
// a one-day repeat window): the cost of carrying a national-size knowledge base.
func BenchmarkAdjudicate10kEdits(b *testing.B) {
	bundle, subs := fixture()
	benchBook(b, manyEdits(b, bundle, 10000, passingEdits), subs)
}

// BenchmarkAdjudicate10kEditsActing is the same with the 40 billed edits acting on many
// claims (repeat over the member's history, multiple-procedure discounts, indication flags,
// units, exclusive flags): what the acted-on lines' entries, steps and reasons add.
func BenchmarkAdjudicate10kEditsActing(b *testing.B) {
	bundle, subs := fixture()
	benchBook(b, manyEdits(b, bundle, 10000, actingEdits), subs)
}

// BenchmarkLoad10kEdits loads and validates a bundle with 10,000 edits (and 10,000 more
// catalogue items): the cost of reading edits.csv whole at load.
func BenchmarkLoad10kEdits(b *testing.B) {
	bundle, _ := fixture()
	files := manyEditFiles(bundle, 10000, passingEdits)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		reload(b, files)
	}
}

func reload(b testing.TB, files map[string][]byte) *policy.Bundle {
	out, err := policy.FromFiles(files, PolicyOptions())
	if err != nil {
		b.Fatal(err)
	}
	return out
}

func manyEdits(b testing.TB, bundle *policy.Bundle, n int, billed []string) *policy.Bundle {
	return reload(b, manyEditFiles(bundle, n, billed))
}

// passingEdits are tested on the lines of items the synthetic claims bill and never act.
var passingEdits = []string{
	"age,LAB02,,..150,refuse", "level,SRV01,,1,refuse", "units,LAB01,,day:99,refuse", "units,XJ01DD04,,claim:400,refuse",
	"indication,XC10AA05,,A|B|C|D|E|F|G|H|I|J|K|L|M|N|O|P|Q|R|S|T|Z,refuse", "age,EXM01,,0..,self_pay", "level,BED01,,1,refuse",
	"units,TCM01,,day:50,refuse", "age,NUR01,,..150,refuse", "level,MAT01,,1,refuse",
}

// actingEdits act on items the synthetic claims bill.
var actingEdits = []string{
	"repeat,EXM01,,7,refuse", "discount,PRC01,,0.5,refuse", "discount,PRC02,,0.5,refuse", "indication,XC10AA05,,E11|I10,flag",
	"units,LAB01,,day:2,refuse", "age,LAB02,,..120,self_pay", "level,SRV01,,1,refuse", "exclusive,TCM01,,,flag",
	"sex,BED01,,F,flag", "units,XJ01DD04,,claim:400,refuse",
}

func manyEditFiles(bundle *policy.Bundle, n int, billed []string) map[string][]byte {
	files := maps.Clone(bundle.Files)
	cat := bytes.NewBuffer(append([]byte{}, files[policy.FileCatalogue]...))
	ed := bytes.NewBufferString("edit_id,kind,item_code,other,param,action,effective_from,effective_to,source\n")
	kinds := []string{"sex,%s,,F", "age,%s,,18..", "indication,%s,,C50|C16", "level,%s,,3", "exclusive,%s,%s,", "bundled,%s,%s,",
		"repeat,%s,,30", "units,%s,,day:3", "discount,%s,,0.5"}
	for i := 0; i < n; i++ {
		if i < 40 {
			e := billed[i%len(billed)]
			if strings.HasPrefix(e, "exclusive") {
				e = "exclusive,TCM01,LAB0" + strconv.Itoa(1+i%2) + ",,flag"
			}
			fmt.Fprintf(ed, "B%05d,%s,2026-01-01,,bench\n", i, e)
			continue
		}
		item, other := fmt.Sprintf("ZX%05d", i), fmt.Sprintf("ZX%05d", i+1)
		fmt.Fprintf(cat, "%s,Bench item %d,drug,B,0.8,,,,\n%s,Bench item %d,drug,B,0.8,,,,\n", item, i, other, i+1)
		k := kinds[i%len(kinds)]
		row := fmt.Sprintf(k, item, other)
		if strings.Count(k, "%s") == 1 {
			row = fmt.Sprintf(k, item)
		}
		fmt.Fprintf(ed, "E%05d,%s,refuse,,,bench\n", i, row)
	}
	files[policy.FileCatalogue], files[policy.FileEdits] = dedupeCatalogue(cat.Bytes()), ed.Bytes()
	return files
}

// dedupeCatalogue keeps the first row of each item code.
func dedupeCatalogue(b []byte) []byte {
	seen := map[string]bool{}
	var out bytes.Buffer
	for _, line := range strings.SplitAfter(string(b), "\n") {
		code, _, _ := strings.Cut(line, ",")
		if line == "" || seen[code] {
			continue
		}
		seen[code] = true
		out.WriteString(line)
	}
	return out.Bytes()
}

// peopleFixture is the synthetic claims with a practitioner on every line (one of 400),
// the bundle with a registry of those 400 at the providers they bill at, and points ledgers
// that suspend 40 of them over the claims' months: what FRAUD.md §9 adds to adjudication.
func peopleFixture(b *testing.B) (*policy.Bundle, []claim.Submission, map[string][]fraud.PointsEntry) {
	bundle, subs := fixture()
	subs = slices.Clone(subs)
	var reg strings.Builder
	reg.WriteString("practitioner_id,name,role,provider_ids\n")
	providers := strings.Join(slices.Sorted(maps.Keys(bundle.Providers)), "|")
	for i := range 400 {
		fmt.Fprintf(&reg, "P%03d,Person %d,doctor,%s\n", i, i, providers)
	}
	files := maps.Clone(bundle.Files)
	files[policy.FilePractitioners] = []byte(reg.String())
	ledgers := map[string][]fraud.PointsEntry{}
	for i := 0; i < 400; i += 10 {
		id := fmt.Sprintf("P%03d", i)
		ledgers[id] = []fraud.PointsEntry{{PractitionerID: id, At: time.Date(2026, time.Month(1+i%9), 1, 2, 0, 0, 0, time.UTC), Year: 2026,
			Points: 10, CaseID: "K", Finding: 1, Kind: fraud.PointsAssigned}}
	}
	for i := range subs {
		lines := slices.Clone(subs[i].Claim.Lines)
		for j := range lines {
			lines[j].PractitionerID = fmt.Sprintf("P%03d", (i*7+j)%400)
		}
		subs[i].Claim.Lines = lines
	}
	return reload(b, files), subs, ledgers
}

// BenchmarkAdjudicatePractitioners prices claims naming practitioners against the registry
// and the ledgers; BenchmarkAdjudicatePractitionersBase prices the same claims without
// either: the difference is the qualification checks' cost.
func BenchmarkAdjudicatePractitioners(b *testing.B) {
	bundle, subs, ledgers := peopleFixture(b)
	benchBookWith(b, bundle, subs, ledgers)
}

func BenchmarkAdjudicatePractitionersBase(b *testing.B) {
	bundle, subs, _ := peopleFixture(b)
	files := maps.Clone(bundle.Files)
	delete(files, policy.FilePractitioners)
	benchBookWith(b, reload(b, files), subs, nil)
}

func benchBookWith(b *testing.B, bundle *policy.Bundle, subs []claim.Submission, ledgers map[string][]fraud.PointsEntry) {
	now := func() time.Time { return time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC) }
	b.ReportAllocs()
	b.ResetTimer()
	var book *Book
	for i := 0; i < b.N; i++ {
		if i%len(subs) == 0 {
			book = NewBook(NewPolicies(bundle), BundleDirectory{Bundle: bundle}, now)
			book.Points = ledgers
		}
		if eff := book.Process(&subs[i%len(subs)], nil); eff.Result.Status != claim.StatusAdjudicated && eff.Result.Status != claim.StatusHeld {
			b.Fatalf("claim %d: %s %v", i, eff.Result.Status, eff.Result.Reasons)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "claims/s")
}

// BenchmarkAdjudicatePractitionersChecks is BenchmarkAdjudicatePractitioners with the
// ledgers' suspensions in 2025, before every claim: every line is checked, none refused.
func BenchmarkAdjudicatePractitionersChecks(b *testing.B) {
	bundle, subs, ledgers := peopleFixture(b)
	for id, es := range ledgers {
		es = slices.Clone(es)
		for i := range es {
			es[i].At, es[i].Year = es[i].At.AddDate(-1, 0, 0), 2025
		}
		ledgers[id] = es
	}
	benchBookWith(b, bundle, subs, ledgers)
}
