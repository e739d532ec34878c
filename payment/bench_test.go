package payment

import (
	"runtime"
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
