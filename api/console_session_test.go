package api

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var csrfField = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// consoleForm posts a console form with the cookies and headers given.
func (e *env) consoleForm(path string, form url.Values, origin string, cookies ...*http.Cookie) *http.Response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	for _, c := range cookies {
		req.AddCookie(c)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

// signInForm fetches the sign-in page: its CSRF value and cookie.
func (e *env) signInForm() (string, *http.Cookie) {
	e.t.Helper()
	resp, err := http.Get(e.base + "/console/login")
	if err != nil {
		e.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(body)
	if m == nil || resp.Header.Get("Cache-Control") != "no-store" || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		e.t.Fatalf("the sign-in page: %v %s", resp.Header, body)
	}
	for _, c := range resp.Cookies() {
		if c.Name == loginCookie {
			return string(m[1]), c
		}
	}
	e.t.Fatal("the sign-in page sets no CSRF cookie")
	return "", nil
}

// consoleSession signs a token in as a browser on this server would and returns the
// session cookie.
func (e *env) consoleSession(token string) *http.Cookie {
	e.t.Helper()
	csrf, c := e.signInForm()
	resp := e.consoleForm("/console/login", url.Values{"token": {token}, "csrf": {csrf}}, e.base, c)
	for _, ck := range resp.Cookies() {
		if ck.Name == sessionCookie && ck.Value != "" {
			return ck
		}
	}
	e.t.Fatalf("sign-in: %d, no session cookie", resp.StatusCode)
	return nil
}

func (e *env) consolePage(path string, c *http.Cookie) int {
	e.t.Helper()
	req, _ := http.NewRequest("GET", e.base+path, nil)
	req.AddCookie(c)
	resp, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestConsoleSessions: the session cookie is a random id, not the token; sign-in needs this
// server's Origin and the form's CSRF value; logout and revoking the token end the session;
// a token in a URL is refused and never logged.
func TestConsoleSessions(t *testing.T) {
	e := newEnv(t, nil)
	tok := e.tokens["investigator"]
	csrf, c := e.signInForm()
	for _, bad := range []struct {
		name, origin, csrf string
		cookie             *http.Cookie
	}{
		{"another site's form", "http://evil.invalid", csrf, c},
		{"no Origin nor Referer", "", csrf, c},
		{"no CSRF value", e.base, "", c},
		{"no CSRF cookie", e.base, csrf, &http.Cookie{Name: "other", Value: "x"}},
	} {
		if resp := e.consoleForm("/console/login", url.Values{"token": {tok}, "csrf": {bad.csrf}}, bad.origin, bad.cookie); resp.StatusCode != http.StatusForbidden {
			t.Errorf("sign-in, %s: %d", bad.name, resp.StatusCode)
		}
	}
	s := e.consoleSession(tok)
	if strings.Contains(s.Value, tok) || strings.HasPrefix(s.Value, "mct_") || !s.HttpOnly {
		t.Errorf("the session cookie %+v", s)
	}
	if got := e.consolePage("/console/cases", s); got != 200 {
		t.Errorf("a page with the session: %d", got)
	}
	if got := e.consolePage("/console/cases", &http.Cookie{Name: sessionCookie, Value: tok}); got != http.StatusUnauthorized {
		t.Errorf("the token itself as the cookie: %d", got)
	}
	// Logout ends the session on the server: the old cookie is dead.
	if resp := e.consoleForm("/console/logout", url.Values{"csrf": {csrfOf(s.Value)}}, e.base, s); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("logout: %d", resp.StatusCode)
	}
	if got := e.consolePage("/console/cases", s); got != http.StatusUnauthorized {
		t.Errorf("the cookie after logout: %d", got)
	}
	// Revoking the token ends its sessions.
	s2 := e.consoleSession(tok)
	if _, err := e.svc.Store.RevokeToken(t.Context(), e.ids["investigator"], time.Now()); err != nil {
		t.Fatal(err)
	}
	if got := e.consolePage("/console/cases", s2); got != http.StatusUnauthorized {
		t.Errorf("a session of a revoked token: %d", got)
	}
	// A token in a URL: refused, and not in the log.
	other := e.token("agency")
	resp, err := http.Get(e.base + "/console/login?token=" + other)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest || strings.Contains(e.log.String(), other) || strings.Contains(e.log.String(), tok) {
		t.Errorf("a token in the query: %d; the log holds a token: %v", resp.StatusCode, strings.Contains(e.log.String(), "mct_"))
	}
}

// TestSlowBodyIsNotWaitedFor: an unauthenticated post that trickles its body is answered
// 401 at once, without its body, and the server closes the connection within bodyWait
// instead of holding it for the batch ceiling.
func TestSlowBodyIsNotWaitedFor(t *testing.T) {
	e := newEnv(t, nil)
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /v1/batches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n["); err != nil {
		t.Fatal(err)
	}
	conn.SetReadDeadline(time.Now().Add(bodyWait + 15*time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a slow unauthenticated body: %v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	start := time.Now()
	for {
		if _, err := conn.Write([]byte(" ")); err != nil {
			break
		}
		if time.Since(start) > bodyWait+15*time.Second {
			t.Fatalf("the server still reads the body after %s", time.Since(start))
		}
		time.Sleep(500 * time.Millisecond)
	}
}
