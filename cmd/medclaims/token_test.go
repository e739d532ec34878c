package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"medclaims/claim"
)

// TestTokensAndAPIThroughTheBinary is the README's curl session with the built binary:
// create a hospital token, post the sample CSV, poll the batch, read a claim; the amounts
// equal `medclaims price` of the same CSV; a revoked token is then refused.
func TestTokensAndAPIThroughTheBinary(t *testing.T) {
	s := startServe(t)
	env, serveErr := s.env, s.stderr
	if _, stderr, err := medclaims(t, env, "load", "../../sample/bundle"); err != nil {
		t.Fatalf("load: %v %s", err, stderr)
	}
	for _, bad := range [][]string{{"token", "create"}, {"token", "create", "--role", "admin"}, {"token", "create", "--role", "hospital:"},
		{"token", "frob"}, {"token", "revoke"}} {
		if _, _, err := medclaims(t, env, bad...); exitStatus(err) != 2 {
			t.Errorf("%v: %v, want exit 2", bad, err)
		}
	}
	if _, stderr, err := medclaims(t, env, "token", "create", "--role", "hospital:H9999"); exitStatus(err) != 1 || !strings.Contains(stderr, "H9999") {
		t.Errorf("token for an unknown provider: %v %s", err, stderr)
	}
	out, stderr, err := medclaims(t, env, "token", "create", "--role", "hospital:H3001", "--name", "H3001 HIS")
	token := strings.TrimSpace(out)
	if err != nil || strings.Count(out, "\n") != 1 || !strings.HasPrefix(token, "mct_") {
		t.Fatalf("token create: %v %q %s", err, out, stderr)
	}
	list, _, _ := medclaims(t, env, "token", "list")
	if !strings.Contains(list, "H3001 HIS") || !strings.Contains(list, "hospital:H3001") || strings.Contains(list, token) {
		t.Errorf("token list:\n%s", list)
	}

	base := "http://" + s.http
	csv, _ := os.ReadFile("../../sample/h3001_batch.csv")
	status, body := call(t, "POST", base+"/v1/batches?batch_id=README-1", token, "text/csv", csv)
	if status != 202 || !strings.Contains(body, `"accepted":2`) {
		t.Fatalf("POST batch: %d %s", status, body)
	}
	var batch struct {
		Counts map[string]int
		Claims []claim.Result
	}
	waitFor(t, 30*time.Second, func() bool {
		_, body := call(t, "GET", base+"/v1/batches/README-1", token, "", nil)
		batch.Counts, batch.Claims = nil, nil
		json.Unmarshal([]byte(body), &batch)
		return len(batch.Claims) == 2 && batch.Counts["submitted"] == 0
	})
	priced, _, err := medclaims(t, nil, "price", "--bundle", "../../sample/bundle", "../../sample/h3001_batch.csv")
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(strings.NewReader(priced))
	for i := 0; sc.Scan(); i++ {
		var want claim.Result
		json.Unmarshal(sc.Bytes(), &want)
		got := batch.Claims[i]
		if got.Status != want.Status || got.FundToProvider.String() != want.FundToProvider.String() ||
			got.MemberPays.String() != want.MemberPays.String() || got.FundTotal.String() != want.FundTotal.String() {
			t.Errorf("%s: API %s %s/%s, price %s %s/%s", want.ClaimID, got.Status, got.FundToProvider, got.MemberPays, want.Status,
				want.FundToProvider, want.MemberPays)
		}
	}
	status, body = call(t, "GET", base+"/v1/claims/H3001/H3001-2026-300001", token, "", nil)
	if status != 200 || !strings.Contains(body, `"explanation"`) || !strings.Contains(body, `"payment_status":"payable"`) {
		t.Errorf("GET claim: %d %.400s", status, body)
	}
	if strings.Contains(serveErr.String(), token) || !strings.Contains(serveErr.String(), `token="H3001 HIS"`) {
		t.Error("the access log holds the token, or does not name it")
	}
	var id string
	for _, line := range strings.Split(list, "\n") {
		if strings.Contains(line, "H3001 HIS") {
			id = strings.Fields(line)[0]
		}
	}
	if out, _, err := medclaims(t, env, "token", "revoke", id); err != nil || !strings.Contains(out, "revoked") {
		t.Fatalf("revoke %s: %v %s", id, err, out)
	}
	if status, body := call(t, "GET", base+"/v1/batches/README-1", token, "", nil); status != 401 || !strings.Contains(body, "revoked") {
		t.Errorf("revoked token: %d %s", status, body)
	}
}

func call(t *testing.T, method, url, token, ctype string, body []byte) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(resp.Body)
	return resp.StatusCode, b.String()
}

func waitFor(t *testing.T, d time.Duration, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("not reached within %v", d)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
