package api

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/pipeline"
	"medclaims/sample"
)

// demoThroughKafka produces the whole demo batch (clean and fraudulent claims) and waits
// for its results and the provider scoring.
func demoThroughKafka(t *testing.T, e *env) {
	t.Helper()
	p := pipeline.NewProducer(e.svc.Brokers, e.svc.Topics.Submitted)
	defer p.Close()
	if _, err := pipeline.Submit(context.Background(), p, sample.DemoBatch(), "B-DEMO", nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		n, _ := e.svc.Store.CountSubmissions(context.Background())
		pending, _ := e.svc.Store.ScoringPending(context.Background())
		if n == len(sample.DemoBatch()) && pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d of %d processed, %d providers waiting for scoring", n, len(sample.DemoBatch()), pending)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestFlagsClaimsProviders: investigators and the agency list flags with filters and
// pagination; a held claim shows its flags and payment status; a provider shows its
// standing.
func TestFlagsClaimsProviders(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	var all flagList
	r := e.get("/v1/flags?limit=500", "investigator")
	r.decode(t, &all)
	if r.status != 200 || len(all.Items) < 2 || all.NextCursor != "" {
		t.Fatalf("flags: %d, %d items, cursor %q", r.status, len(all.Items), all.NextCursor)
	}
	// Newest first, and paging one at a time gives the same list.
	var paged []string
	path := "/v1/flags?limit=1"
	for range len(all.Items) + 1 {
		var page flagList
		e.get(path, "agency").decode(t, &page)
		for _, f := range page.Items {
			paged = append(paged, f.FlagID)
		}
		if page.NextCursor == "" {
			break
		}
		path = "/v1/flags?limit=1&cursor=" + page.NextCursor
	}
	var ids []string
	for i, f := range all.Items {
		ids = append(ids, f.FlagID)
		if i > 0 && f.CreatedAt.After(all.Items[i-1].CreatedAt) {
			t.Errorf("flags not newest first at %d", i)
		}
	}
	if !slices.Equal(paged, ids) {
		t.Errorf("paging gives %v, the whole list %v", paged, ids)
	}
	// Filters.
	var deaths flagList
	e.get("/v1/flags?rule=after_death&status=open&level=claim", "agency").decode(t, &deaths)
	if len(deaths.Items) == 0 {
		t.Fatal("no after_death flag from the demo batch")
	}
	for _, f := range deaths.Items {
		if f.Rule != fraud.AfterDeath || f.Status != "open" || f.Level != "claim" || len(f.Evidence) == 0 {
			t.Errorf("filtered flag %+v", f)
		}
	}
	for _, q := range []string{"?status=closed", "?rule=nope", "?level=member", "?limit=0", "?limit=501", "?limit=x", "?cursor=zzz",
		"?provider=H1", "?status=open&status=open"} {
		if r := e.get("/v1/flags"+q, "agency"); r.status != 400 || r.errorCode(t) != codeBadRequest {
			t.Errorf("flags%s: %d %s", q, r.status, r.body)
		}
	}
	// A flagged claim: its result, explanation, versions, payment status and flags.
	f := deaths.Items[0]
	var cv claimView
	r = e.get("/v1/claims/"+f.ProviderID+"/"+f.ClaimIDs[0], "investigator")
	r.decode(t, &cv)
	if r.status != 200 || !slices.ContainsFunc(cv.Flags, func(x fraud.Flag) bool { return x.FlagID == f.FlagID }) {
		t.Errorf("claim of flag %s: %d, flags %v", f.FlagID, r.status, cv.Flags)
	}
	if cv.Status != claim.StatusRejected || cv.PaymentStatus != "" || len(cv.Versions) != 0 {
		t.Errorf("after-death claim: status %s payment %q versions %d", cv.Status, cv.PaymentStatus, len(cv.Versions))
	}
	var held flagList
	e.get("/v1/flags?rule=overlapping_stay", "agency").decode(t, &held)
	if len(held.Items) == 0 {
		t.Fatal("no overlapping_stay flag")
	}
	h := held.Items[0]
	e.get("/v1/claims/"+h.ProviderID+"/"+h.ClaimIDs[0], "agency").decode(t, &cv)
	if cv.Status != claim.StatusHeld || cv.PaymentStatus != "held" || len(cv.Versions) != 1 || len(cv.Explanation) == 0 || cv.Fraud == nil ||
		!cv.Fraud.Held {
		t.Errorf("held claim: status %s payment %q versions %d fraud %+v", cv.Status, cv.PaymentStatus, len(cv.Versions), cv.Fraud)
	}
	// Each provider's standing is the one the scoring consumer stored.
	stored, err := e.svc.Store.ProviderScores(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{}
	for _, ps := range stored {
		want[ps.ProviderID] = [2]string{ps.Score, strings.Join(ps.Rules, ",")}
	}
	for _, id := range []string{"H1001", "H1002", "H2001", "H2002", "H3001", "H3002", "H3009"} {
		var pv struct {
			ProviderID       string   `json:"provider_id"`
			Status           string   `json:"status"`
			BannedUntil      string   `json:"banned_until"`
			PaymentSuspended bool     `json:"payment_suspended"`
			Score            string   `json:"score"`
			Rules            []string `json:"rules_firing"`
		}
		r := e.get("/v1/providers/"+id, "agency")
		r.decode(t, &pv)
		if r.status != 200 || pv.ProviderID != id || pv.Status == "" || pv.Score == "" {
			t.Errorf("provider %s: %d %s", id, r.status, r.body)
		}
		if id == "H3009" && (pv.Status != "terminated" || pv.BannedUntil != "2029-04-01") {
			t.Errorf("H3009's designation: %s", r.body)
		}
		if got := [2]string{pv.Score, strings.Join(pv.Rules, ",")}; got != want[id] {
			t.Errorf("provider %s: score and rules %v, stored %v", id, got, want[id])
		}
	}
	if r := e.get("/v1/providers/H3001", "hospital:H3001"); r.status != 200 || !strings.Contains(string(r.body), `"payment_suspended"`) {
		t.Errorf("a hospital reads its own standing: %d %s", r.status, r.body)
	}
	// A hospital reads its own claim without the investigators' flags.
	if r := e.get("/v1/claims/"+h.ProviderID+"/"+h.ClaimIDs[0], "hospital:"+h.ProviderID); r.status != 200 || strings.Contains(string(r.body), `"flags"`) {
		t.Errorf("hospital reads its held claim: %d %.300s", r.status, r.body)
	}
}
