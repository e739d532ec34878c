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
	cmd.Env = append(os.Environ(), append(c.env, "MEDCLAIMS_HTTP_ADDR="+freeAddr(c.t))...)
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
