package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"medclaims/claim"
	"medclaims/store/storetest"
)

var update = flag.Bool("update", false, "rewrite golden files")

// bin is the medclaims binary built once for these end-to-end tests.
var bin string

func TestMain(m *testing.M) {
	flag.Parse()
	dir, err := os.MkdirTemp("", "medclaims-e2e")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "medclaims")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build medclaims: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	storetest.Cleanup()
	os.RemoveAll(dir)
	os.Exit(code)
}

func medclaims(t *testing.T, env []string, args ...string) (string, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

var volatile = regexp.MustCompile(`"adjudicated_at":"[^"]*"`)

// TestPriceGolden prices the sample batch offline and compares every result, explanation
// included, with the golden file (regenerate with go test ./cmd/medclaims -update). The
// processing date is fixed: a provider's designation is read on it (POLICY.md §9.7).
func TestPriceGolden(t *testing.T) {
	out, stderr, err := medclaims(t, []string{"MEDCLAIMS_NOW=2026-12-01T02:00:00Z"}, "price", "--bundle", "../../sample/bundle", "../../sample/claims.jsonl")
	if err != nil {
		t.Fatalf("price: %v\n%s", err, stderr)
	}
	got := volatile.ReplaceAllString(out, `"adjudicated_at":"…"`)
	golden := filepath.Join("testdata", "price_sample.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		gl, wl := strings.Split(got, "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("line %d differs:\n got %s\nwant %s", i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("output has %d lines, golden %d", len(gl), len(wl))
	}
	if n := strings.Count(out, "\n"); n != 47 {
		t.Errorf("%d results, want one per submission (47)", n)
	}
}

func TestLoadRefusesBadBundle(t *testing.T) {
	dir := t.TempDir()
	entries, _ := os.ReadDir("../../sample/bundle")
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join("../../sample/bundle", e.Name()))
		if e.Name() == "catalogue.csv" {
			b = bytes.Replace(b, []byte("EXM01,Chest CT,exam,B,0.8"), []byte("EXM01,Chest CT,exam,B,eight"), 1)
		}
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o644)
	}
	db := storetest.NewDB(t)
	_, stderr, err := medclaims(t, []string{"DATABASE_URL=" + db}, "load", dir)
	if err == nil || !strings.Contains(stderr, `catalogue.csv:5:23: eligible_ratio: "eight" is not a decimal`) {
		t.Fatalf("load of a bad bundle: %v\n%s", err, stderr)
	}
	x := sqlx.MustOpen("postgres", db)
	defer x.Close()
	var n int
	x.Get(&n, `SELECT count(*) FROM policy_versions`)
	if n != 0 {
		t.Error("a refused bundle was stored")
	}
}

func freeAddr(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// TestServeSubmitMatchesPrice drives the binary as an agency would: serve (embedded
// broker), load the bundle, submit the sample batch, then checks the stored results carry
// exactly the amounts the offline price command gives.
func TestServeSubmitMatchesPrice(t *testing.T) {
	db := storetest.NewDB(t)
	broker, httpAddr := freeAddr(t), freeAddr(t)
	env := []string{"DATABASE_URL=" + db, "MEDCLAIMS_HTTP_ADDR=" + httpAddr, "MEDCLAIMS_PARTITIONS=4", "KAFKA_BROKERS="}
	if out, stderr, err := medclaims(t, env, "load", "../../sample/bundle"); err != nil || !strings.Contains(out, "loaded policy 2026.1") {
		t.Fatalf("load: %v %s %s", err, out, stderr)
	}
	if out, _, _ := medclaims(t, env, "load", "../../sample/bundle"); !strings.Contains(out, "nothing changed") {
		t.Errorf("second load: %s", out)
	}
	ctx, cancel := context.WithCancel(context.Background())
	serve := exec.CommandContext(ctx, bin, "serve", "--broker-addr", broker)
	serve.Env = append(os.Environ(), env...)
	var serveErr bytes.Buffer
	serve.Stderr = &serveErr
	if err := serve.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); serve.Wait() }()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(serveErr.String(), "HTTP listening") {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not start:\n%s", serveErr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	// The sample holds one claim that cannot be decoded into a submission: submit refuses it
	// at the door, as the API does, names it, and exits 1; the other 39 go in.
	out, stderr, err := medclaims(t, append(env, "KAFKA_BROKERS="+broker), "submit", "--batch-id", "E2E-1", "../../sample/claims.jsonl")
	if exitStatus(err) != 1 || strings.TrimSpace(out) != "E2E-1" || !strings.Contains(stderr, `refused line 31 (claim "H2001-2026-000296"): missing_field`) ||
		!strings.Contains(stderr, "46 submissions acknowledged") {
		t.Fatalf("submit: %v %q %s", err, out, stderr)
	}
	x := sqlx.MustOpen("postgres", db)
	defer x.Close()
	for n := 0; n < 39; {
		if time.Now().After(deadline.Add(30 * time.Second)) {
			t.Fatalf("%d of 46 submissions processed\n%s", n, serveErr.String())
		}
		time.Sleep(50 * time.Millisecond)
		x.Get(&n, `SELECT count(*) FROM submissions WHERE batch_id = 'E2E-1'`)
	}
	var recorded, refused int
	x.Get(&recorded, `SELECT count(*) FROM api_batch_items WHERE batch_id = 'E2E-1'`)
	x.Get(&refused, `SELECT count(*) FROM api_batch_items WHERE batch_id = 'E2E-1' AND status = 'rejected' AND claim_id = 'H2001-2026-000296'`)
	if recorded != 47 || refused != 1 {
		t.Errorf("the batch's record: %d items, %d refused (want 47, 1)", recorded, refused)
	}
	priced, _, err := medclaims(t, nil, "price", "--bundle", "../../sample/bundle", "../../sample/claims.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	// Every claim's current stored version equals, field for field (edits, reasons, fraud
	// block and explanation included), the last offline result for that claim; only what a
	// submission has (batch, source, processing time) differs.
	want := map[string]string{}
	edited := 0
	sc := bufio.NewScanner(strings.NewReader(priced))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r claim.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		if r.Status != claim.StatusRejected {
			want[r.ProviderID+"/"+r.ClaimID] = resultFields(r)
			edited += len(r.Edits)
		}
	}
	rows, err := x.Query(`SELECT DISTINCT ON (provider_id, claim_id) provider_id, claim_id, COALESCE(voided_result, result)
		FROM claim_results ORDER BY provider_id, claim_id, version DESC`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var p, c string
		var b []byte
		var r claim.Result
		if err := rows.Scan(&p, &c, &b); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatal(err)
		}
		got[p+"/"+c] = resultFields(r)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: stored\n%s\nprice\n%s", k, got[k], w)
		}
	}
	if len(got) != len(want) || edited < 10 {
		t.Errorf("stored %d claims, price adjudicated %d; %d edit entries", len(got), len(want), edited)
	}
}

// resultFields is a result without what only a submission has.
func resultFields(r claim.Result) string {
	r.BatchID, r.Source, r.AdjudicatedAt = "", nil, time.Time{}
	return string(r.AppendJSON(nil))
}

// TestDemoExit runs the demo end to end on its own database.
func TestDemoExit(t *testing.T) {
	name := fmt.Sprintf("medclaims_demo_test_%d", time.Now().UnixNano())
	env := []string{"DATABASE_URL=" + storetest.ServerURL(), "MEDCLAIMS_HTTP_ADDR=" + freeAddr(t)}
	out, stderr, err := medclaims(t, env, "demo", "--exit", "--db-name", name, "--broker-addr", freeAddr(t))
	t.Cleanup(func() {
		x := sqlx.MustOpen("postgres", storetest.ServerURL())
		defer x.Close()
		x.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	if err != nil {
		t.Fatalf("demo: %v\n%s\n%s", err, out, stderr)
	}
	for _, want := range []string{"every submission adjudicated", "adjudicated     32", "rejected     11", "voided      1", "provider_banned",
		"bed_day      2", "capitation      5", "disease      5", "drg      5", "ffs     18", "held      3",
		"E0008  repeat     refuse    1 line(s)     120.00", "refused by edit (payable by nobody) 1893.00; self-paid by edit 8231.00; flagged for review 136.00",
		"6. practitioner D017 (doctor, registered at H1002, H2001, H3001)", "+5 points", "+4 points", "D017: 9 points in 2026 → suspended until",
		"D017's next visit at H3001 (H3001-DEMO-D017): adjudicated, refused 30.00, fund 0.00 — line 1: practitioner D017 is suspended until",
		"appealed case", "the investigator amended it: D017 +5 → +2 points", "D017: 6 points in 2026 → normal",
		"claims flagged by rule: after_death 1, daily_cap 1, duplicate_charge 1, overlapping_stay 1, trace_code_reused 1, unsupported_cc 1; held: 3",
		"7. upcoding (高套): H3001-2026-000206 at H3001 coded GZ13 (RW 0.78, standard 7902.73); without [S67.000 S24.100x771], which no line supports, it groups to GZ15 (RW 0.62, standard 6281.66)",
		"confirmed upcoding (art38): recovery 1621.07, the overpayment", "H3001's recoveries 1621.07 are deducted"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}

// TestDRGGroupReproducesSample runs `medclaims drg group` on the national sample cases and
// compares its CSV with the expected columns.
func TestDRGGroupReproducesSample(t *testing.T) {
	src := "../../payment/drg/data/chs-drg-1.1/sample_cases.csv"
	out, stderr, err := medclaims(t, nil, "drg", "group", src)
	if err != nil {
		t.Fatalf("drg group: %v\n%s", err, stderr)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	want, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	got, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || strings.Join(got[0], ",") != "index,mdc,adrg,drg,status" {
		t.Fatalf("%d rows (header %v), want %d", len(got), got[0], len(want))
	}
	for i := 1; i < len(want); i++ {
		w := want[i]
		exp := []string{w[0], w[10], w[11], w[12], w[13]}
		if strings.Join(got[i], ",") != strings.Join(exp, ",") {
			t.Errorf("row %d: got %v, want %v", i, got[i], exp)
		}
	}
	traced, _, err := medclaims(t, nil, "drg", "group", "--trace", src)
	if err != nil || !strings.Contains(traced, "principal diagnosis") || !strings.HasPrefix(traced, "index,mdc,adrg,drg,status,trace,unknown_codes") {
		t.Errorf("--trace output: %v\n%.300s", err, traced)
	}
}

// TestFraudEval runs the labelled evaluation at its default size through the built binary:
// every unambiguous rule catches every injected case, no clean provider is held.
func TestFraudEval(t *testing.T) {
	name := fmt.Sprintf("medclaims_eval_test_%d", time.Now().UnixNano())
	out, stderr, err := medclaims(t, []string{"DATABASE_URL=" + storetest.ServerURL(), "KAFKA_BROKERS="}, "fraud", "eval", "--seed", "7", "--db-name", name)
	t.Cleanup(func() {
		x := sqlx.MustOpen("postgres", storetest.ServerURL())
		defer x.Close()
		x.Exec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`)
	})
	if err != nil {
		t.Fatalf("fraud eval: %v\n%s\n%s", err, out, stderr)
	}
	flat := strings.Join(strings.Fields(out), " ") // the table's widths follow its longest rule id
	for _, want := range []string{"after_death claim 10 10 10 1.00 1.00 yes", "census_over_beds provider 1 1 1 1.00",
		"trace_code_reused claim 10 10 10 1.00 1.00 yes", "unsupported_cc claim 10 10 10 1.00 1.00 yes",
		"cost_shifting claim 20 20 20 1.00 1.00 yes", "split_admission claim 20 20 20 1.00 1.00",
		"low_severity_admissions provider 1 1 1 1.00 1.00", "severity_upcoding provider 1 1 1 1.00 1.00",
		"EFEMR (clean) - 0 payable", "every unambiguous rule caught every injected case", "no legitimate look-alike was flagged"} {
		if !strings.Contains(flat, want) {
			t.Errorf("eval output lacks %q:\n%s", want, out)
		}
	}
}
