package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/segmentio/kafka-go"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/store/storetest"
)

const bundleDir = "../../sample/bundle"

// visitJSON is an outpatient visit of the sample bundle.
func visitJSON(id, extra string) string {
	return `{"claim_id":"` + id + `","provider_id":"H1001","member_id":"M000001","care_type":"outpatient","service_date":"2026-03-01"` + extra +
		`,"lines":[{"item_code":"SRV01","service_date":"2026-03-01","quantity":"1","unit_price":"30","amount":"30"}],"total":"30"}`
}

func writeFile(t *testing.T, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func exitStatus(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// priceResults prices a file and decodes its results.
func priceResults(t *testing.T, file string) ([]claim.Result, string, int) {
	t.Helper()
	out, stderr, err := medclaims(t, nil, "price", "--bundle", bundleDir, file)
	var rs []claim.Result
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		var r claim.Result
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("price output: %v", err)
		}
		rs = append(rs, r)
	}
	return rs, stderr, exitStatus(err)
}

// TestPriceInputIsStrict: each way input used to be lost now gives an error naming its
// position, or a rejection naming what is wrong; nothing is dropped without a word.
func TestPriceInputIsStrict(t *testing.T) {
	t.Run("a second array after the first", func(t *testing.T) {
		f := writeFile(t, "two.json", "["+visitJSON("A1", "")+"]\n["+visitJSON("A2", "")+"]\n")
		rs, stderr, code := priceResults(t, f)
		if code != 1 || !strings.Contains(stderr, "line 2 column 1: trailing content after the JSON array") || len(rs) != 1 {
			t.Errorf("exit %d, %d results, stderr %s", code, len(rs), stderr)
		}
	})
	t.Run("one pretty-printed claim", func(t *testing.T) {
		var pretty bytes.Buffer
		json.Indent(&pretty, []byte(visitJSON("P1", "")), "", "  ")
		rs, stderr, code := priceResults(t, writeFile(t, "one.json", pretty.String()))
		if code != 0 || len(rs) != 1 || rs[0].ClaimID != "P1" || rs[0].Status != claim.StatusAdjudicated {
			t.Errorf("exit %d, %d results %+v, stderr %s", code, len(rs), rs, stderr)
		}
	})
	t.Run("a CSV cell that does not parse", func(t *testing.T) {
		csv := "claim_id,provider_id,member_id,care_type,service_date,total,line_no,item_code,line_service_date,quantity,unit_price,amount\n" +
			"C1,H1001,M000001,outpatient,2026-03-01,30,abc,SRV01,2026-03-01,1,30,30\n" +
			"C2,H1001,M000001,outpatient,2026-03-01,30,1,SRV01,2026-03-01,1,30,30\n"
		rs, stderr, code := priceResults(t, writeFile(t, "bad.csv", csv))
		if code != 0 || len(rs) != 2 {
			t.Fatalf("exit %d, %d results, stderr %s", code, len(rs), stderr)
		}
		if r := rs[0]; r.ClaimID != "C1" || r.Status != claim.StatusRejected || r.ReasonCodes()[0] != claim.ReasonMalformed ||
			!strings.Contains(r.Reasons[0].Message, "claim.lines[0].line_no at CSV line 2 column 43 (line_no)") {
			t.Errorf("C1: %+v", r)
		}
		if rs[1].Status != claim.StatusAdjudicated {
			t.Errorf("C2 after the bad claim: %+v", rs[1])
		}
	})
	t.Run("duplicate keys", func(t *testing.T) {
		rs, _, code := priceResults(t, writeFile(t, "dup.jsonl", visitJSON("K1", `,"member_id":"M000002"`)+"\n"))
		if code != 0 || len(rs) != 1 || rs[0].Status != claim.StatusRejected || !strings.Contains(rs[0].Reasons[0].Message, "member_id: the key appears twice") {
			t.Errorf("exit %d: %+v", code, rs)
		}
	})
	t.Run("ids as sent", func(t *testing.T) {
		long := strings.Repeat("L", 70)
		rs, _, code := priceResults(t, writeFile(t, "ids.jsonl", visitJSON(long, "")+"\n"+strings.Replace(visitJSON("X", ""), `"H1001"`, `"H1\u0007"`, 1)+"\n"))
		if code != 0 || len(rs) != 2 || rs[0].ClaimID != long || rs[1].ProviderID != "H1\a" || rs[0].Status != claim.StatusRejected {
			t.Errorf("exit %d: %+v", code, rs)
		}
	})
	t.Run("a line that is not JSON", func(t *testing.T) {
		rs, stderr, code := priceResults(t, writeFile(t, "mixed.jsonl", visitJSON("M1", "")+"\nnot json\n"+visitJSON("M2", "")+"\n"))
		if code != 1 || len(rs) != 2 || !strings.Contains(stderr, "line 2: undecodable submission") {
			t.Errorf("exit %d, %d results, stderr %s", code, len(rs), stderr)
		}
	})
}

// TestCommandsRefuseBadArguments: extra words and out-of-range flags print the usage and
// exit 2, never a stack trace, and run nothing.
func TestCommandsRefuseBadArguments(t *testing.T) {
	env := []string{"DATABASE_URL=postgres://postgres@127.0.0.1:1/none?sslmode=disable"} // nothing may reach a database
	for _, args := range [][]string{
		{"bench", "--claims", "-5"}, {"bench", "--claims", "0"}, {"bench", "--batch-size", "0"}, {"bench", "--members", "0"},
		{"demo", "help"}, {"migrate", "extra"}, {"serve", "now"}, {"broker", "--partitions", "0"}, {"price"},
		{"price", "--bundle", bundleDir, "a", "b"}, {"submit"}, {"load"}, {"load", "a", "b"}, {"dlq", "x"}, {"nosuch"}, {"bench", "--nosuch"},
	} {
		out, stderr, err := medclaims(t, env, args...)
		if code := exitStatus(err); code != 2 || !strings.Contains(stderr, "usage") || strings.Contains(stderr, "goroutine") || out != "" {
			t.Errorf("%v: exit %d, stdout %q, stderr %s", args, code, out, stderr)
		}
	}
}

// syncBuffer is a bytes.Buffer safe for a process writing while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// submitSample submits sample/claims.jsonl: the intake refuses its one claim that cannot
// be decoded into a submission (exit 1, named) and takes the other 39.
func submitSample(t *testing.T, env []string) {
	t.Helper()
	_, stderr, err := medclaims(t, env, "submit", "--quiet", "../../sample/claims.jsonl")
	if exitStatus(err) != 1 || !strings.Contains(stderr, "46 submissions acknowledged") || !strings.Contains(stderr, "1 item(s) refused") {
		t.Fatalf("submit the sample: %v %s", err, stderr)
	}
}

// serveSample is a running serve with the sample bundle loaded and the sample batch's 44
// submissions stored, and a connection to its database.
func serveSample(t *testing.T) (*served, *sqlx.DB) {
	t.Helper()
	s := startServe(t)
	if _, stderr, err := medclaims(t, s.env, "load", "../../sample/bundle"); err != nil {
		t.Fatalf("load: %v %s", err, stderr)
	}
	submitSample(t, s.env)
	x := sqlx.MustOpen("postgres", s.db)
	t.Cleanup(func() { x.Close() })
	waitFor(t, 30*time.Second, func() bool {
		var n int
		x.Get(&n, `SELECT count(*) FROM submissions`)
		return n == 46
	})
	return s, x
}

// served is a running `medclaims serve` with its database and addresses.
type served struct {
	env          []string // for commands that talk to it
	db           string
	broker, http string
	stderr       *syncBuffer
}

func startServe(t *testing.T) *served {
	t.Helper()
	s := &served{db: storetest.NewDB(t), broker: freeAddr(t), http: freeAddr(t), stderr: &syncBuffer{}}
	s.env = []string{"DATABASE_URL=" + s.db, "MEDCLAIMS_HTTP_ADDR=" + s.http, "MEDCLAIMS_PARTITIONS=4", "KAFKA_BROKERS=" + s.broker}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "serve", "--broker-addr", s.broker)
	cmd.Env = append(os.Environ(), "DATABASE_URL="+s.db, "MEDCLAIMS_HTTP_ADDR="+s.http, "MEDCLAIMS_PARTITIONS=4", "KAFKA_BROKERS=")
	cmd.Stderr = s.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); cmd.Wait() })
	s.waitLog(t, "HTTP listening")
	return s
}

func (s *served) waitLog(t *testing.T, text string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(s.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not log %q:\n%s", text, s.stderr.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// results reads n results from claims.adjudicated.
func (s *served) results(t *testing.T, n int) []claim.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var out []claim.Result
	err := pipeline.WatchRaw(ctx, []string{s.broker}, "claims.adjudicated", func(v []byte, _ time.Time) error {
		var r claim.Result
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if out = append(out, r); len(out) == n {
			cancel()
		}
		return nil
	})
	if err != nil || len(out) < n {
		t.Fatalf("%d of %d results on claims.adjudicated: %v\n%s", len(out), n, err, s.stderr.String())
	}
	return out
}

// TestServeWithoutPolicyWarns: serve says loudly that it rejects everything while no
// policy version is loaded, in its log and on /healthz; a busy broker address is an error.
func TestServeWithoutPolicyWarns(t *testing.T) {
	s := startServe(t)
	s.waitLog(t, "NO POLICY VERSION IS LOADED")
	resp, err := http.Get("http://" + s.http + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var h pipeline.Health
	json.NewDecoder(resp.Body).Decode(&h)
	if resp.StatusCode != 200 || h.PolicyVersions != 0 || len(h.Warnings) == 0 || !strings.Contains(h.Warnings[0], "no policy version") {
		t.Errorf("healthz %d %+v", resp.StatusCode, h)
	}
	// The broker address is taken now: a second serve must say so and stop.
	_, stderr, err := medclaims(t, []string{"DATABASE_URL=" + s.db, "KAFKA_BROKERS=", "MEDCLAIMS_HTTP_ADDR=" + freeAddr(t)}, "serve", "--broker-addr", s.broker)
	if exitStatus(err) != 1 || !strings.Contains(stderr, "address already in use") || !strings.Contains(stderr, "--broker-addr") {
		t.Errorf("serve on a busy broker address: %v\n%s", err, stderr)
	}
}

// TestSubmitThroughKafka drives `submit` against a running serve with each input case:
// one pretty-printed claim is one submission; a bad CSV cell is a rejection naming its
// line and column; a file with trailing content produces nothing; a claim the broker
// refuses is named with its size and the limit while the rest is acknowledged; a
// 10,000-line claim gets its result and it equals `price`; an undecodable line is parked
// and `medclaims dlq` shows it.
func TestSubmitThroughKafka(t *testing.T) {
	s := startServe(t)
	if _, stderr, err := medclaims(t, s.env, "load", bundleDir); err != nil {
		t.Fatalf("load: %v %s", err, stderr)
	}
	var pretty bytes.Buffer
	json.Indent(&pretty, []byte(visitJSON("S-PRETTY", "")), "", "  ")
	_, stderr, err := medclaims(t, s.env, "submit", "--batch-id", "B-PRETTY", writeFile(t, "one.json", pretty.String()))
	if err != nil || !strings.Contains(stderr, "1 submissions acknowledged") {
		t.Fatalf("submit of one pretty claim: %v %s", err, stderr)
	}
	// Refused at the door, as the API refuses them, each named with its reasons (exit 1):
	// a malformed CSV value, an id too long, control characters, a key given twice, bytes
	// that are not a JSON object.
	csv := "claim_id,provider_id,member_id,care_type,service_date,total,line_no,item_code,line_service_date,quantity,unit_price,amount\n" +
		"S-CSV,H1001,M000001,outpatient,2026-03-01,30,abc,SRV01,2026-03-01,1,30,30\n"
	long := "S-" + strings.Repeat("L", 70)
	odd := visitJSON(long, "") + "\n" + strings.Replace(visitJSON("S-CTRL", ""), `"H1001"`, `"H1\u0000\u0007"`, 1) + "\n" + visitJSON("S-DUP", `,"total":"31"`) + "\n"
	for _, c := range []struct {
		name, file string
		want       []string
	}{
		{"bad.csv", csv, []string{"CSV line 2 column 46 (line_no)"}},
		{"odd.jsonl", odd, []string{`claim "` + long + `"): malformed`, `claim "S-CTRL"): malformed`, "provider_id: contains a non-printable character", "total: the key appears twice", "3 item(s) refused"}},
		{"junk.jsonl", visitJSON("S-J1", "") + "\nnot json at all\n", []string{"line 2: not a JSON object", "1 submissions acknowledged"}},
	} {
		_, stderr, err := medclaims(t, s.env, "submit", writeFile(t, c.name, c.file))
		for _, w := range c.want {
			if exitStatus(err) != 1 || !strings.Contains(stderr, w) {
				t.Errorf("submit %s: %v, stderr lacks %q:\n%s", c.name, err, w, stderr)
			}
		}
	}
	two := "[" + visitJSON("S-NEVER", "") + "]\n[" + visitJSON("S-NEVER2", "") + "]"
	if _, stderr, err := medclaims(t, s.env, "submit", writeFile(t, "two.json", two)); exitStatus(err) != 1 || !strings.Contains(stderr, "trailing content") {
		t.Errorf("submit with trailing content: %v %s", err, stderr)
	}
	junk := make([]byte, 1_500_000)
	rand.Read(junk)
	tooBig := visitJSON("S-TOOBIG", `,"dept":"`+base64.StdEncoding.EncodeToString(junk)+`"`)
	out, stderr, err := medclaims(t, s.env, "submit", "--batch-id", "B-BIG", writeFile(t, "big.jsonl", visitJSON("S-SMALL", "")+"\n"+tooBig+"\n"))
	if exitStatus(err) != 1 || !strings.Contains(stderr, "claim H1001/S-TOOBIG") || !strings.Contains(stderr, "max.message.bytes") ||
		!strings.Contains(stderr, fmt.Sprintf("%d bytes", len(`{"kind":"claim","batch_id":"B-BIG","claim":`)+len(tooBig)+1+len("M000001"))) ||
		!strings.Contains(stderr, "(1 were)") || strings.TrimSpace(out) != "B-BIG" {
		t.Errorf("submit of a claim too large: %v\nstdout %s\nstderr %s", err, out, stderr)
	}
	huge := hugeClaim(10_000)
	hugeFile := writeFile(t, "huge.json", huge)
	if _, stderr, err := medclaims(t, s.env, "submit", "--batch-id", "B-HUGE", hugeFile); err != nil {
		t.Fatalf("submit of a 10,000-line claim (%d bytes): %v %s", len(huge), err, stderr)
	}
	// A hospital's own producer can still send bytes that are not JSON: they go to the DLQ.
	w := &kafka.Writer{Addr: kafka.TCP(s.broker), Topic: "claims.submitted", BatchTimeout: time.Millisecond}
	if err := w.WriteMessages(context.Background(), kafka.Message{Key: []byte("M000001"), Value: []byte("not json at all")}); err != nil {
		t.Fatal(err)
	}
	w.Close()

	byID := map[string]claim.Result{}
	for _, r := range s.results(t, 4) { // pretty, small, huge, the good line of the junk file
		byID[r.ClaimID] = r
	}
	if r := byID["S-PRETTY"]; r.Status != claim.StatusAdjudicated || r.BatchID != "B-PRETTY" {
		t.Errorf("pretty claim: %+v", r)
	}
	for _, id := range []string{"S-NEVER", "S-CSV", long, "S-CTRL", "S-DUP"} {
		if _, ok := byID[id]; ok {
			t.Errorf("%s was produced", id)
		}
	}
	priced, _, code := priceResults(t, hugeFile)
	if code != 0 || len(priced) != 1 {
		t.Fatalf("price of the huge claim: exit %d", code)
	}
	got, want := byID["H2001-HUGE"], priced[0]
	if got.Status != want.Status || priceFields(got) != priceFields(want) {
		t.Errorf("the 10,000-line claim through Kafka differs from price:\n kafka %s\n price %s", priceFields(got), priceFields(want))
	}
	waitFor(t, 30*time.Second, func() bool {
		out, _, _ := medclaims(t, s.env, "dlq")
		return strings.Contains(out, "not json at all")
	})
	dlqOut, stderr, err := medclaims(t, s.env, "dlq")
	if err != nil || !strings.Contains(dlqOut, "stage decode") || !strings.Contains(dlqOut, "undecodable submission") ||
		!strings.Contains(dlqOut, "not json at all") || !strings.Contains(stderr, "1 record(s) on claims.dlq") {
		t.Errorf("dlq: %v\n%s\n%s", err, dlqOut, stderr)
	}
	x := sqlx.MustOpen("postgres", s.db)
	defer x.Close()
	var n, refused int
	x.Get(&n, `SELECT count(*) FROM submissions`)
	x.Get(&refused, `SELECT count(*) FROM api_batch_items WHERE status = 'rejected'`)
	if n != 4 || refused < 3 {
		t.Errorf("%d submissions stored (want 4), %d refused items recorded", n, refused)
	}
}

func priceFields(r claim.Result) string {
	return fmt.Sprintf("%s %s %v %s %s %s %s %s %s", r.Status, r.Method, r.ReasonCodes(), r.Total, r.Eligible, r.Deductible,
		r.FundTotal, r.MemberPays, r.FundToProvider)
}

// hugeClaim is a 60-day inpatient stay billed in n lines of catalogue items.
func hugeClaim(n int) string {
	items := []struct{ code, price string }{{"BED01", "60.00"}, {"NUR01", "30.00"}, {"LAB01", "25.00"}, {"XC10AA05", "40.00"}, {"SRV01", "30.00"}}
	var lines []string
	cents := 0
	for i := range n {
		it := items[i%len(items)]
		day := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%60).Format("2006-01-02")
		lines = append(lines, fmt.Sprintf(`{"line_no":%d,"item_code":%q,"service_date":%q,"quantity":"1","unit_price":%q,"amount":%q}`, i+1, it.code, day, it.price, it.price))
		var whole, frac int
		fmt.Sscanf(it.price, "%d.%d", &whole, &frac)
		cents += whole*100 + frac
	}
	return fmt.Sprintf(`{"claim_id":"H2001-HUGE","provider_id":"H2001","member_id":"M000003","care_type":"inpatient","ward_type":"general",`+
		`"admitted":"2026-03-01","discharged":"2026-04-30","discharge_status":"home","diagnoses":["K35.800"],"lines":[%s],"total":"%d.%02d"}`,
		strings.Join(lines, ","), cents/100, cents%100)
}
