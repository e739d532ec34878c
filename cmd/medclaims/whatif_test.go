package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"medclaims/claim"
)

// snapshot is a digest of every table adjudication, fraud and settlement write: equal
// digests before and after mean nothing stored changed.
func snapshot(t *testing.T, x *sqlx.DB) string {
	t.Helper()
	var out []string
	for _, table := range []string{"claim_results", "submissions", "ledger_entries", "member_totals", "claim_facts", "fraud_flags",
		"provider_ledger", "event_outbox", "policy_versions", "api_batches"} {
		var d string
		if err := x.Get(&d, `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out = append(out, table+"="+d)
	}
	return strings.Join(out, " ")
}

// TestPrecheckAndSimulateCommands: on the sample batch, precheck FILE answers a stored
// claim with its stored result and a new claim with what adjudication would give, and
// simulate under the bundle in force changes no result; under a draft with one new edit
// it reports exactly that edit (and the edit it pre-empts); its HTML opens in Chromium and
// shows both charts. Nothing stored changes.
func TestPrecheckAndSimulateCommands(t *testing.T) {
	s, x := serveSample(t)
	before := snapshot(t, x)
	dir := t.TempDir()

	// precheck: the ultrasound at H2001 again 5 days after the stored one (repeat: refused)
	// and the stored H1001-2026-100101 as sent (its stored result).
	again := `{"claim_id":"H2001-2026-100199","provider_id":"H2001","member_id":"M000009","care_type":"outpatient","service_date":"2026-10-25",
		"diagnoses":["K80.200"],"lines":[{"line_no":1,"item_code":"EXM03","service_date":"2026-10-25","quantity":"1","unit_price":"120.00","amount":"120.00"}],"total":"120.00"}`
	stored := storedLine(t, "H1001-2026-100101")
	file := filepath.Join(dir, "precheck.jsonl")
	os.WriteFile(file, []byte(again+"\n"+stored+"\n"), 0o644)
	out, stderr, err := medclaims(t, s.env, "precheck", "--summary", file)
	if err != nil {
		t.Fatalf("precheck: %v %s", err, stderr)
	}
	var rs []claim.Result
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r claim.Result
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("precheck output %q: %v", l, err)
		}
		rs = append(rs, r)
	}
	var storedFund string
	x.Get(&storedFund, `SELECT fund_total::text FROM claim_results WHERE claim_id = 'H1001-2026-100101'`)
	switch {
	case len(rs) != 2, rs[0].Refused.StringFixed(2) != "120.00", len(rs[0].Edits) != 1 || rs[0].Edits[0].EditID != "E0008",
		!rs[0].AdjudicatedAt.IsZero() || rs[0].Source != nil || rs[0].BatchID != "":
		t.Errorf("precheck of a repeated ultrasound: %s", out)
	case rs[1].Status != claim.StatusAdjudicated || rs[1].FundTotal.StringFixed(2) != storedFund || len(rs[1].Edits) != 3:
		t.Errorf("precheck of a stored claim (fund %s): %s", storedFund, out)
	case !strings.Contains(stderr, "H2001 H2001-2026-100199 adjudicated: total 120.00, fund 0.00, member 0.00, refused 120.00; line 1 E0008 refuse 120.00"):
		t.Errorf("precheck --summary: %s", stderr)
	}

	// simulate under the bundle in force: every stored result is reproduced.
	out, stderr, err = medclaims(t, s.env, "simulate", "--bundle", "../../sample/bundle", "--from", "2026-01-01", "--to", "2026-12-31")
	if err != nil || !strings.Contains(out, ": 32 claims, 0 with a result that changes") {
		t.Fatalf("simulate in force: %v %s %s", err, out, stderr)
	}

	// a draft with one new edit: PET-CT level aside, moxibustion only at level 3. At H2001
	// (level 2) it refuses H2001-2026-100103's line 4 whole (3 × 20.00 = 60.00), so E0009
	// (units, after the whole-line kinds) no longer takes its 20.00: refused +40.00.
	draft := copyBundle(t, "../../sample/bundle", filepath.Join(dir, "draft"))
	appendFile(t, filepath.Join(draft, "edits.csv"), "E9001,level,TCM02,,3,refuse,2026-01-01,,草案：艾灸限三级医疗机构\n")
	html := filepath.Join(dir, "whatif.html")
	out, stderr, err = medclaims(t, s.env, "simulate", "--bundle", draft, "--from", "2026-01-01", "--to", "2026-12-31", "--csv", "--html", html)
	if err != nil {
		t.Fatalf("simulate draft: %v %s", err, stderr)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	changed := map[string][]string{}
	var total []string
	for _, r := range rows[1:] {
		if r[0] == "edit" && (r[10] != r[11] || r[12] != r[13]) {
			changed[r[16]] = r
		}
		if r[0] == "provider" && r[1] == "TOTAL" {
			total = r
		}
	}
	if len(changed) != 2 || changed["E9001"][11] != "60.00" || changed["E9001"][10] != "0.00" || changed["E0009"][10] != "20.00" ||
		changed["E0009"][11] != "0.00" || total[10] != "1893.00" || total[11] != "1933.00" {
		t.Errorf("draft with E9001: changed edits %v, total %v\n%s", changed, total, out)
	}
	// --provider: only H2001's claims in the report, the window cut to October.
	out, _, err = medclaims(t, s.env, "simulate", "--bundle", draft, "--from", "2026-10-01", "--to", "2026-10-31", "--provider", "H2001", "--csv")
	rows, _ = csv.NewReader(strings.NewReader(out)).ReadAll()
	for _, r := range rows[1:] {
		if r[0] == "provider" && r[1] != "H2001" && r[1] != "TOTAL" || r[0] == "provider" && r[1] == "TOTAL" && r[3] != "1" {
			t.Errorf("simulate --provider H2001 in October: %v (%v)", r, err)
		}
	}
	for _, bad := range [][]string{{"simulate", "--from", "2026-01-01", "--to", "2026-12-31"}, {"simulate", "--bundle", draft, "--from", "2026-12-31", "--to", "2026-01-01"},
		{"simulate", "--bundle", draft, "--from", "2026-13-01", "--to", "2026-12-31"}, {"precheck"}} {
		if _, _, err := medclaims(t, s.env, bad...); exitStatus(err) != 2 {
			t.Errorf("%v: %v, want exit 2", bad, err)
		}
	}
	if after := snapshot(t, x); after != before {
		t.Errorf("precheck or simulate changed the database:\nbefore %s\nafter  %s", before, after)
	}
	browseReport(t, html)
}

// storedLine is the sample batch's line of a claim, as sent.
func storedLine(t *testing.T, claimID string) string {
	t.Helper()
	b, err := os.ReadFile("../../sample/claims.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"`+claimID+`"`) {
			return l
		}
	}
	t.Fatalf("no %s in the sample", claimID)
	return ""
}

func copyBundle(t *testing.T, from, to string) string {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(from)
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err == nil {
			err = os.WriteFile(filepath.Join(to, e.Name()), b, 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return to
}

func appendFile(t *testing.T, path, text string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err == nil {
		_, err = f.WriteString(text)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// browseReport opens the what-if page in headless Chromium: both charts are drawn, the
// new edit's bar is there; the screenshot goes to docs/ when MEDCLAIMS_DOCS is set.
func browseReport(t *testing.T, html string) {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.NoSandbox, chromedp.Headless, chromedp.DisableGPU,
		chromedp.WindowSize(1200, 900))
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	ctx, cancel := chromedp.NewContext(actx)
	defer cancel()
	ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+html), chromedp.WaitVisible(`#chart-refused`)); err != nil {
		t.Fatalf("open the report: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('#chart-fund rect').length + 100 * document.querySelectorAll('#chart-refused rect').length`))
	if err != nil || n%100 < 1 || n/100 < 6 {
		t.Errorf("charts: %d fund bars, %d refused bars (%v)", n%100, n/100, err)
	}
	label, err := chromedp.Run(ctx, chromedp.Text(`#chart-refused`))
	if err != nil || !strings.Contains(label, "E9001 level") || !strings.Contains(label, "+60.00") {
		t.Errorf("refused chart: %q %v", label, err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil || len(png) < 1000 {
		t.Fatalf("screenshot: %v", err)
	}
	if dir := os.Getenv("MEDCLAIMS_DOCS"); dir != "" {
		if err := os.WriteFile(filepath.Join(dir, "simulate-report.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
