package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/sample"
	"medclaims/store"
	"medclaims/store/storetest"
)

// cluster is a broker process and the serve processes that share it and one database.
type cluster struct {
	t      *testing.T
	db     string
	broker string
	env    []string
	logs   []*syncBuffer
	http   string // the last serve's HTTP address
}

// newCluster starts `medclaims broker` with 8 partitions and loads a synthetic bundle of
// members into a fresh database.
func newCluster(t *testing.T, members int) *cluster {
	t.Helper()
	c := &cluster{t: t, db: storetest.NewDB(t), broker: freeAddr(t)}
	c.env = []string{"DATABASE_URL=" + c.db, "MEDCLAIMS_PARTITIONS=8", "KAFKA_BROKERS=" + c.broker, "MEDCLAIMS_NOW=2026-12-01T02:00:00Z"}
	ctx, cancel := context.WithCancel(context.Background())
	b := exec.CommandContext(ctx, bin, "broker", "--addr", c.broker, "--partitions", "8")
	b.Env = append(os.Environ(), c.env...)
	out := &syncBuffer{}
	b.Stdout, b.Stderr = out, out
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); b.Wait() })
	waitFor(t, 30*time.Second, func() bool { return strings.Contains(out.String(), "listening") })
	bundle, err := sample.SyntheticBundle(members)
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.OpenMigrated(context.Background(), c.db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SavePolicy(context.Background(), bundle); err != nil {
		t.Fatal(err)
	}
	return c
}

// serve starts a `medclaims serve` on the cluster's broker and returns it running; stop it
// with kill (SIGKILL) or let the test end it.
func (c *cluster) serve() *exec.Cmd {
	c.t.Helper()
	cmd := exec.Command(bin, "serve")
	log := &syncBuffer{}
	c.logs = append(c.logs, log)
	c.http = freeAddr(c.t)
	cmd.Env = append(os.Environ(), append(c.env, "MEDCLAIMS_HTTP_ADDR="+c.http)...)
	cmd.Stderr = log
	if err := cmd.Start(); err != nil {
		c.t.Fatal(err)
	}
	c.t.Cleanup(func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() })
	return cmd
}

func kill(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
}

// submit produces items through kafka-go, as a hospital's producer would.
func (c *cluster) submit(batchID string, items [][]byte) {
	c.t.Helper()
	p := pipeline.NewProducer([]string{c.broker}, "claims.submitted")
	defer p.Close()
	if _, err := pipeline.Submit(context.Background(), p, items, batchID, nil); err != nil {
		c.t.Fatal(err)
	}
}

// waitProcessed waits until n submissions are stored, or fails with the serve logs.
func (c *cluster) waitProcessed(n int, within time.Duration) {
	c.t.Helper()
	x := sqlx.MustOpen("postgres", c.db)
	defer x.Close()
	deadline := time.Now().Add(within)
	got := 0
	for time.Now().Before(deadline) {
		if x.Get(&got, `SELECT count(*) FROM submissions`) == nil && got >= n {
			return
		}
		time.Sleep(200 * time.Millisecond)
	}
	last := ""
	if len(c.logs) > 0 {
		last = c.logs[len(c.logs)-1].String()
	}
	c.t.Fatalf("%d of %d submissions processed after %s; the last serve's log:\n%s", got, n, within, tail(last, 4000))
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// results reads claims.adjudicated until every submission has a result, deduplicated by
// source, and fails if any source is missing.
func (c *cluster) results(n int) map[claim.Source]claim.Result {
	c.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out := map[claim.Source]claim.Result{}
	_ = pipeline.WatchRaw(ctx, []string{c.broker}, "claims.adjudicated", func(v []byte, _ time.Time) error {
		var r claim.Result
		if err := json.Unmarshal(v, &r); err != nil {
			return err
		}
		if r.Source != nil {
			out[*r.Source] = r
		}
		if len(out) >= n {
			cancel()
		}
		return nil
	})
	if len(out) != n {
		c.t.Fatalf("%d distinct results on claims.adjudicated, want %d", len(out), n)
	}
	return out
}

// TestServeKilledTwiceWhileJoining: serve is killed with SIGKILL 1.5 s after it starts,
// restarted, killed again 1.5 s later, and restarted: every partition is served again and
// every submission gets its result. (A member killed while it joins the consumer group
// must not keep partitions for good.)
func TestServeKilledTwiceWhileJoining(t *testing.T) {
	const n = 5000
	c := newCluster(t, 2000)
	c.submit("CRASH-1", sample.Synthetic(n, 2000, 7))
	for range 2 {
		s := c.serve()
		time.Sleep(1500 * time.Millisecond)
		kill(t, s)
	}
	c.serve()
	c.waitProcessed(n, 120*time.Second)
	c.results(n)
	if testing.Verbose() {
		fmt.Println(tail(c.logs[len(c.logs)-1].String(), 2000))
	}
}

// snapshot is what one pass over a stream leaves in the database: every claim's stored
// versions and amounts, the members' ledger totals, the providers' ledger and the flags.
func (c *cluster) snapshot() map[string][]string {
	c.t.Helper()
	x := sqlx.MustOpen("postgres", c.db)
	defer x.Close()
	out := map[string][]string{}
	for name, q := range map[string]string{
		"results": `SELECT provider_id || '/' || claim_id || ' v' || version || ' ' || status || ' ' || trim_scale(fund_to_provider) || ' ' || trim_scale(member_pays) FROM claim_results ORDER BY 1`,
		"totals":  `SELECT member_id || ' ' || year || ' ' || kind || ' ' || trim_scale(amount) FROM member_totals WHERE amount <> 0 ORDER BY 1`,
		"ledger":  `SELECT provider_id || ' ' || period || ' ' || kind || ' ' || trim_scale(sum(amount)) FROM provider_ledger GROUP BY provider_id, period, kind ORDER BY 1`,
		"flags":   `SELECT flag_id || ' ' || rule || ' ' || trim_scale(score) || ' ' || status FROM fraud_flags ORDER BY 1`,
	} {
		var rows []string
		if err := x.Select(&rows, q); err != nil {
			c.t.Fatalf("%s: %v", name, err)
		}
		out[name] = rows
	}
	return out
}

// waitScored waits until both consumer groups have no lag (as the last serve's /healthz
// reports it) and no provider waits for scoring.
func (c *cluster) waitScored(within time.Duration) {
	c.t.Helper()
	x := sqlx.MustOpen("postgres", c.db)
	defer x.Close()
	deadline := time.Now().Add(within)
	health := ""
	for time.Now().Before(deadline) {
		var dirty int
		_, health = call(c.t, "GET", "http://"+c.http+"/healthz", "", "", nil)
		var h pipeline.Health
		if json.Unmarshal([]byte(health), &h) == nil && caughtUp(h) && x.Get(&dirty, `SELECT count(*) FROM fraud_dirty`) == nil && dirty == 0 {
			return
		}
		time.Sleep(500 * time.Millisecond)
	}
	c.t.Fatalf("the consumers have not caught up after %s: %s", within, health)
}

func caughtUp(h pipeline.Health) bool {
	if len(h.Groups) != 2 {
		return false
	}
	for _, g := range h.Groups {
		for _, l := range g.Lag {
			if l.Lag != 0 {
				return false
			}
		}
		if len(g.Lag) == 0 || g.Error != "" {
			return false
		}
	}
	return true
}

// TestScaleOut: three serve processes share the consumer groups of one broker and one
// database; one is killed with SIGKILL mid-stream and a fourth joins. Every submission
// gets exactly one stored result and one distinct result on claims.adjudicated, and the
// claims, ledgers and flags equal those of one clean pass of the same stream by a single
// serve. (Throughput on this machine's two cores is not what this shows.)
func TestScaleOut(t *testing.T) {
	const n = 4000
	stream := sample.Synthetic(n, 1500, 11)
	clean := newCluster(t, 1500)
	clean.submit("SCALE-1", stream)
	clean.serve()
	clean.waitProcessed(n, 120*time.Second)
	clean.results(n)
	clean.waitScored(60 * time.Second)
	want := clean.snapshot()
	t.Logf("one clean pass: %d claim versions, %d member totals, %d provider ledger sums, %d flags",
		len(want["results"]), len(want["totals"]), len(want["ledger"]), len(want["flags"]))
	if len(want["results"]) != n || len(want["flags"]) == 0 {
		t.Fatalf("the clean pass is not a fair reference: %d results, %d flags", len(want["results"]), len(want["flags"]))
	}

	c := newCluster(t, 1500)
	serves := []*exec.Cmd{c.serve(), c.serve(), c.serve()}
	c.submit("SCALE-1", stream)
	x := sqlx.MustOpen("postgres", c.db)
	defer x.Close()
	waitFor(t, 60*time.Second, func() bool {
		var got int
		return x.Get(&got, `SELECT count(*) FROM submissions`) == nil && got > n/5
	})
	kill(t, serves[1])
	c.serve()
	c.waitProcessed(n, 120*time.Second)
	c.results(n)
	c.waitScored(60 * time.Second)
	var stored, sources int
	x.Get(&stored, `SELECT count(*) FROM submissions`)
	x.Get(&sources, `SELECT count(DISTINCT (partition, "offset")) FROM submissions`)
	if stored != n || sources != n {
		t.Errorf("%d stored submissions, %d distinct sources, want %d each", stored, sources, n)
	}
	got := c.snapshot()
	for name, rows := range want {
		if strings.Join(got[name], "\n") != strings.Join(rows, "\n") {
			t.Errorf("%s differ from one clean pass: %d rows, want %d; first difference %s", name, len(got[name]), len(rows), firstDiff(got[name], rows))
		}
	}
}

func firstDiff(a, b []string) string {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Sprintf("%q vs %q", a[i], b[i])
		}
	}
	return "(one is a prefix of the other)"
}
