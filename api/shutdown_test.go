package api

import (
	"encoding/json"
	"io"
	"medclaims/intake"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestShutdownFinishesInFlightBatch: a batch whose body is still arriving when the server
// is told to stop is read, produced and answered 202; a new connection is then refused.
func TestShutdownFinishesInFlightBatch(t *testing.T) {
	e := newEnv(t, nil)
	body := toCSV(t, demoClaims(t, "H3001"))
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", e.base+"/v1/batches?batch_id=B-SHUTDOWN", pr)
	req.Header.Set("Authorization", "Bearer "+e.tokens["hospital:H3001"])
	req.Header.Set("Content-Type", "text/csv")
	type answer struct {
		status int
		body   []byte
		err    error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		done <- answer{status: resp.StatusCode, body: b}
	}()
	half := len(body) / 2
	if _, err := pw.Write(body[:half]); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the handler is reading the body
	e.cancel()                         // SIGTERM
	time.Sleep(300 * time.Millisecond)
	if _, err := http.Get(e.base + "/healthz"); err == nil {
		t.Error("a new connection was accepted during shutdown")
	}
	if _, err := pw.Write(body[half:]); err != nil {
		t.Fatal(err)
	}
	pw.Close()
	a := <-done
	if a.err != nil || a.status != http.StatusAccepted {
		t.Fatalf("in-flight batch: %v %d %s", a.err, a.status, a.body)
	}
	var ans intake.Answer
	if err := json.Unmarshal(a.body, &ans); err != nil || ans.Accepted != len(demoClaims(t, "H3001")) {
		t.Errorf("answer %s", a.body)
	}
	if !strings.Contains(e.log.String(), `route="POST /v1/batches" path="/v1/batches?batch_id=B-SHUTDOWN" status=202`) {
		t.Errorf("log:\n%.3000s", e.log.String())
	}
}
