package api

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/shopspring/decimal"
)

// artefacts is where the browser test keeps its screenshots: $MEDCLAIMS_ARTEFACTS, or a
// fresh temporary directory; the test prints it.
func artefacts(t *testing.T) string {
	dir := os.Getenv("MEDCLAIMS_ARTEFACTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "medclaims-console-"+time.Now().Format("20060102-150405"))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Logf("console screenshots in %s", dir)
	return dir
}

// TestConsoleInTheBrowser drives the console in headless Chromium: an investigator signs
// in, opens a case on the top held flag, notifies; the hospital signs in and responds; the
// investigator confirms a fabricated service and sees the provider barred on its page.
func TestConsoleInTheBrowser(t *testing.T) {
	e := newEnv(t, nil)
	demoThroughKafka(t, e)
	held, _ := heldFlags(t, e)
	hosp := e.token("hospital:" + held.ProviderID)
	dir := artefacts(t)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1280, 1000))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 90*time.Second)
	defer cancel()
	shot := func(name string) {
		png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err == nil {
			err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
		}
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
	}
	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Text(sel))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(v)
	}
	// reached waits for the case page to show the state: a form's answer is a new page whose
	// #trail the old page had too, so only the state tells the two apart.
	reached := func(what, state string) {
		t.Helper()
		wctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		if _, err := chromedp.Run(wctx, chromedp.WaitVisible(`#state[data-state="`+state+`"]`)); err != nil {
			t.Fatalf("after %s: state %q, want %q (%v)", what, text("#state"), state, err)
		}
	}
	signIn := func(token string) {
		do("sign in", chromedp.Navigate(e.base+"/console/login"), chromedp.WaitVisible("#token"), chromedp.SendKeys("#token", token),
			chromedp.Click("#signin"), chromedp.WaitVisible("header form button"))
	}
	signOut := func() { do("sign out", chromedp.Click("header form button"), chromedp.WaitVisible("#token")) }

	signIn(e.tokens["investigator"])
	do("the flags page", chromedp.WaitVisible("#flags"))
	if flags := text("#flags"); !strings.Contains(flags, held.FlagID) {
		t.Fatalf("the flags page lacks %s: %.400s", held.FlagID, flags)
	} else if !strings.Contains(flags, "overpayment 1621.07: coded GZ13 (RW 0.78, standard 7902.73), regrouped without S67.000, S24.100x771: GZ15 (RW 0.62, standard 6281.66)") ||
		!strings.Contains(flags, "first settled by H1002/H1002-2026-100004, member M000003, line 2, on 2026-06-02") {
		t.Errorf("the flags page does not show the upcoded stay's overpayment or the resold box's first settlement: %s", flags)
	}
	shot("1-flags")
	do("open a case", chromedp.Click(`tr[data-flag="`+held.FlagID+`"] button.open-case`))
	reached("opening", "open")
	caseURL, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	do("notify", chromedp.SendKeys("#notice-note", "allegation sent by letter"), chromedp.Click("#notify"))
	reached("the notice", "notified")
	shot("2-notified")
	signOut()
	signIn(hosp)
	do("respond as the hospital", chromedp.Navigate(caseURL), chromedp.WaitVisible("#statement"),
		chromedp.SendKeys("#statement", "the patient was with us the whole week"), chromedp.Click("#respond"))
	reached("the response", "responded")
	if seen := text("main"); strings.Contains(seen, "Decide") || strings.Contains(seen, "Notify the provider") {
		t.Errorf("the hospital is offered investigators' actions:\n%s", seen)
	}
	shot("3-responded-as-hospital")
	signOut()
	// The fine: three times the recovery of the provider's claims the form names.
	c, err := e.svc.Store.Case(context.Background(), caseURL[strings.LastIndex(caseURL, "/")+1:])
	if err != nil {
		t.Fatal(err)
	}
	own, _ := e.svc.Store.CasePayments(context.Background(), c.ProviderID, c.ClaimIDs)
	recovery := decimal.Zero
	for _, p := range own {
		recovery = recovery.Add(p.FundToProvider)
	}
	signIn(e.tokens["investigator"])
	do("decide", chromedp.Navigate(caseURL), chromedp.WaitVisible("#decide"), chromedp.SetValue("#finding-type", "fabricated_service"),
		chromedp.SendKeys("#finding-fine", recovery.Mul(decimal.NewFromInt(3)).StringFixed(2)), chromedp.SendKeys("#finding-practitioners", "D017"), chromedp.SendKeys("#finding-points", "D017=12"),
		chromedp.SendKeys("#decision-note", "no such admission"), chromedp.Click("#decide"))
	reached("the decision", "decided")
	shot("4-decided")
	do("the provider page", chromedp.Click("#provider-link"), chromedp.WaitVisible("#census"))
	if standing := text("#standing"); !strings.Contains(standing, "terminated") || !strings.Contains(standing, "until 2029-12-01") {
		t.Errorf("the provider page after the decision: %q", standing)
	}
	shot("5-provider-barred")
	// The claim page: a line's edits with the source each cites, then the explanation.
	do("a claim with edits", chromedp.Navigate(e.base+"/console/claims/H2001/H2001-2026-100103"), chromedp.WaitVisible("#edits"))
	if edits := text("#edits"); !strings.Contains(edits, "E0008") || !strings.Contains(edits, "repeat") || !strings.Contains(edits, "医联体检查检验结果互认") ||
		!strings.Contains(edits, "7800.00") || !strings.Contains(text("#amounts"), "refused") {
		t.Errorf("the claim page's edits: %q", edits)
	}
	shot("6-claim-edits")
	// The practitioner the decision gave a single 12 points: terminated for three years, the
	// ledger linking the case.
	do("the case's practitioner", chromedp.Navigate(caseURL), chromedp.Click(`a[href="/console/practitioners/D017"]`), chromedp.WaitVisible("#ledger"))
	if q := text("#qualification"); !strings.Contains(q, "terminated until 2029-12-01") || !strings.Contains(q, "12 points in 2026") {
		t.Errorf("the practitioner page: %q", q)
	}
	if ledger := text("#ledger"); !strings.Contains(ledger, c.CaseID) || !strings.Contains(ledger, "assigned") {
		t.Errorf("the ledger: %q", ledger)
	}
	shot("7-practitioner")
	// The hospital appeals; the investigator amends D017's 12 points to 9: a suspension of a
	// month instead of a termination.
	signOut()
	signIn(hosp)
	do("appeal as the hospital", chromedp.Navigate(caseURL), chromedp.WaitVisible("#appeal-statement"),
		chromedp.SendKeys("#appeal-statement", "D017 acted on the ward head's order"), chromedp.Click("#appeal"), chromedp.WaitVisible("#appeal-outcome"))
	if o := text("#appeal-outcome"); !strings.Contains(o, "awaiting") {
		t.Errorf("after the appeal: %q", o)
	}
	shot("8-appealed-as-hospital")
	signOut()
	signIn(e.tokens["investigator"])
	do("amend", chromedp.Navigate(caseURL), chromedp.WaitVisible("#decide-appeal"), chromedp.Click("#amend"),
		chromedp.SetValue("#points-1", "D017=9"), chromedp.SendKeys("#appeal-note", "instructed by the ward head"), chromedp.Click("#decide-appeal"))
	do("the amended case", chromedp.WaitNotPresent("#decide-appeal"), chromedp.WaitVisible("#appeal-outcome"))
	if o := text("#appeal-outcome"); !strings.Contains(o, "outcome amend") {
		t.Errorf("after the amendment: %q", o)
	}
	shot("9-appeal-amended")
	do("the practitioner after the appeal", chromedp.Navigate(e.base+"/console/practitioners/D017"), chromedp.WaitVisible("#ledger"))
	if q := text("#qualification"); !strings.Contains(q, "suspended until 2027-01-01") || !strings.Contains(q, "9 points in 2026") ||
		!strings.Contains(text("#ledger"), "reversed") {
		t.Errorf("D017 after the appeal: %q", q)
	}
	shot("10-practitioner-after-appeal")
	// A hospital's console session reads its own claims only.
	for _, c := range []struct {
		provider string
		want     int
	}{{"H2001", http.StatusOK}, {"H3001", http.StatusNotFound}} {
		req, _ := http.NewRequest("GET", e.base+"/console/claims/"+c.provider+"/H2001-2026-100103", nil)
		if c.provider == "H3001" {
			req, _ = http.NewRequest("GET", e.base+"/console/claims/H3001/H3001-2026-000101", nil)
		}
		req.AddCookie(e.consoleSession(e.token("hospital:H2001")))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("hospital H2001 reading a claim of %s in the console: %d, want %d", c.provider, resp.StatusCode, c.want)
		}
	}
	// A form posted with the session but without its CSRF token is refused.
	session := e.consoleSession(e.tokens["investigator"])
	for _, body := range []string{"note=x", "note=x&csrf=0000"} {
		req, _ := http.NewRequest("POST", e.base+"/console/cases/"+c.CaseID+"/notice", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(session)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("a form without its CSRF token (%s): %d", body, resp.StatusCode)
		}
	}
}
