package api

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Console sign-in and sessions. Signing in with an API token starts a server-side session:
// the cookie holds a random session id (only its SHA-256 is stored), which logout ends, and
// which dies with its token's revocation and after sessionTTL. The sign-in form is guarded
// like every other form: its Origin must be this server's, and it carries a CSRF value
// that must equal the one in a short-lived cookie set with the form (double submit), so
// another site cannot sign a browser into a session of its choosing.
const (
	sessionCookie = "medclaims_console"
	loginCookie   = "medclaims_login"
	sessionTTL    = 8 * time.Hour
	loginBody     = 8 << 10 // a sign-in form is a token and a CSRF value
)

// newSecret is 256 random bits, base64url.
func newSecret() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func hashSecret(s string) []byte {
	h := sha256.Sum256([]byte(s))
	return h[:]
}

// csrfOf is the CSRF token of a session's forms.
func csrfOf(sessionID string) string {
	m := hmac.New(sha256.New, []byte(sessionID))
	m.Write([]byte("medclaims console csrf"))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.loginForm(w, http.StatusOK, "")
}

// loginForm renders the sign-in page with a fresh CSRF value, also set in its cookie.
func (s *Server) loginForm(w http.ResponseWriter, status int, msg string) {
	v := newSecret()
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: v, Path: "/console/login", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		MaxAge: 600})
	s.render(w, status, "login", page{Title: "Sign in", Error: msg, CSRF: v})
}

// login checks where the form comes from and its CSRF value, then the token, and starts a
// session.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, loginBody)
	if !sameOrigin(r) {
		s.loginForm(w, http.StatusForbidden, "sign-in refused: the form was not sent from this console's own page")
		return
	}
	c, err := r.Cookie(loginCookie)
	if err != nil || subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(c.Value)) != 1 {
		s.loginForm(w, http.StatusForbidden, "the sign-in form has expired or was not sent from this page: sign in again")
		return
	}
	p, aerr := s.tokenPrincipal(r.Context(), strings.TrimSpace(r.PostFormValue("token")))
	if aerr != nil {
		s.loginForm(w, http.StatusUnauthorized, aerr.Message)
		return
	}
	record(r, p)
	sid, now := newSecret(), s.cfg.Now()
	if err := s.cfg.Store.CreateSession(r.Context(), hashSecret(sid), p.TokenID, now, now.Add(sessionTTL)); err != nil {
		s.log.Error("console sign-in", "err", err)
		s.loginForm(w, http.StatusServiceUnavailable, "cannot sign in now: the database does not answer")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: loginCookie, Value: "", Path: "/console/login", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: sid, Path: "/console", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: int(sessionTTL.Seconds())})
	to := "/console/flags"
	if p.Role == RoleHospital {
		to = "/console/cases"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// sessionPrincipal is who a live session acts for.
func (s *Server) sessionPrincipal(ctx context.Context, sid string) (Principal, *apiError) {
	t, err := s.cfg.Store.SessionToken(ctx, hashSecret(sid), s.cfg.Now())
	return s.principalOfToken(t, err, "the session has ended (signed out, expired, or its token revoked): sign in again")
}

// logout ends the session on the server and clears its cookie.
func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ page) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.cfg.Store.EndSession(r.Context(), hashSecret(c.Value), s.cfg.Now()); err != nil {
			s.log.Error("console sign-out", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// sameOrigin reports whether a form post comes from this server's own pages: its Origin
// (or, when a browser sends none, its Referer) names this host.
func sameOrigin(r *http.Request) bool {
	from := r.Header.Get("Origin")
	if from == "" || from == "null" {
		from = r.Header.Get("Referer")
	}
	u, err := url.Parse(from)
	return from != "" && err == nil && u.Host == r.Host && (u.Scheme == "http" || u.Scheme == "https")
}
