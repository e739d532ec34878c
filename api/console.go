package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"slices"
	"strings"

	"medclaims/store"
)

// The investigator console: server-rendered pages (html/template, no JavaScript), signed in
// with an API token kept in an HttpOnly, SameSite=Strict cookie; every form carries a CSRF
// token derived from the session, checked on every POST. Hospitals see their own cases and
// the response form only.

//go:embed templates/*.html
var templateFS embed.FS

var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"json": func(v any) string { b, _ := json.MarshalIndent(v, "", " "); return string(b) }}
	out := map[string]*template.Template{}
	for _, p := range []string{"login", "flags", "provider", "cases", "case"} {
		out[p] = template.Must(template.New(p+".html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	return out
}()

const sessionCookie = "medclaims_console"

// page is what every console page gets.
type page struct {
	Title        string
	Who          string
	CSRF         string
	Error        string
	Investigator bool
	Hospital     bool
}

func csrfOf(token string) string {
	h := sha256.Sum256([]byte("medclaims console csrf\x00" + token))
	return hex.EncodeToString(h[:16])
}

func (s *Server) consoleRoutes(mux *http.ServeMux) {
	s.handle(mux, "GET /console/", http.HandlerFunc(s.consoleHome))
	s.handle(mux, "GET /console/login", http.HandlerFunc(s.loginPage))
	s.handle(mux, "POST /console/login", http.HandlerFunc(s.login))
	s.handle(mux, "POST /console/logout", s.console(everyone, s.logout))
	s.handle(mux, "GET /console/flags", s.console(reviewers, s.flagsPage))
	s.handle(mux, "GET /console/providers/{provider_id}", s.console(reviewers, s.providerPage))
	s.handle(mux, "GET /console/cases", s.console(everyone, s.casesPage))
	s.handle(mux, "GET /console/cases/{case_id}", s.console(everyone, s.casePage))
	s.handle(mux, "POST /console/cases", s.console(investigators, s.consoleOpenCase))
	s.handle(mux, "POST /console/cases/{case_id}/{action}", s.console(everyone, s.consoleMove))
}

func (s *Server) render(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'unsafe-inline'")
	w.WriteHeader(status)
	if err := pages[name].Execute(w, data); err != nil {
		s.log.Error("render console page", "page", name, "err", err)
	}
}

// console checks the session cookie (a missing or dead one goes to the sign-in page), the
// role, and on POST the CSRF token; the page data gets who is signed in.
func (s *Server) console(roles []string, next func(http.ResponseWriter, *http.Request, page)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		p, ok := s.signedIn(w, r, c.Value)
		if !ok {
			return
		}
		pg := page{Who: p.Name + " · " + p.RoleString(), CSRF: csrfOf(c.Value), Investigator: p.Role == RoleInvestigator, Hospital: p.Role == RoleHospital}
		if r.Method == http.MethodPost && subtle.ConstantTimeCompare([]byte(r.PostFormValue("csrf")), []byte(pg.CSRF)) != 1 {
			pg.Title, pg.Error = "Refused", "the form's CSRF token is missing or wrong: reload the page and try again"
			s.render(w, http.StatusForbidden, "cases", struct {
				page
				Cases any
			}{pg, nil})
			return
		}
		if field, why := badForm(r); why != "" {
			pg.Title, pg.Error = "Refused", "the form's field "+field+" "+why
			s.render(w, http.StatusBadRequest, "cases", struct {
				page
				Cases any
			}{pg, nil})
			return
		}
		if !slices.Contains(roles, p.Role) {
			pg.Title, pg.Error = "Not allowed", "role "+p.RoleString()+" may not use "+r.URL.Path
			s.render(w, http.StatusForbidden, "cases", struct {
				page
				Cases any
			}{pg, nil})
			return
		}
		next(w, r, pg)
	}
}

func (s *Server) consoleHome(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/console/" {
		writeError(w, errorf(codeNotFound, "no console page %s", r.URL.Path))
		return
	}
	http.Redirect(w, r, "/console/cases", http.StatusSeeOther)
}

func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, http.StatusOK, "login", page{Title: "Sign in"})
}

// signedIn checks a console token; a bad one gets the sign-in page with the reason.
func (s *Server) signedIn(w http.ResponseWriter, r *http.Request, token string) (Principal, bool) {
	p, aerr := s.tokenPrincipal(r.Context(), token)
	if aerr != nil {
		s.render(w, http.StatusUnauthorized, "login", page{Title: "Sign in", Error: aerr.Message})
		return Principal{}, false
	}
	record(r, p)
	return p, true
}

// login checks the token and keeps it in the session cookie.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	token := strings.TrimSpace(r.PostFormValue("token"))
	p, ok := s.signedIn(w, r, token)
	if !ok {
		return
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: token, Path: "/console", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		Secure: r.TLS != nil, MaxAge: 8 * 3600})
	to := "/console/flags"
	if p.Role == RoleHospital {
		to = "/console/cases"
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request, _ page) {
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/console", MaxAge: -1, HttpOnly: true, SameSite: http.SameSiteStrictMode})
	http.Redirect(w, r, "/console/login", http.StatusSeeOther)
}

// consoleFail renders a failed lookup or move on the page it came from.
func (s *Server) consoleFail(w http.ResponseWriter, pg page, err error) {
	status := http.StatusInternalServerError
	switch {
	case errors.Is(err, store.ErrNotFound):
		status, pg.Error = http.StatusNotFound, "not found"
	default:
		s.log.Error("console", "err", err)
		pg.Error = "the request failed; the server log has the cause"
	}
	pg.Title = "Error"
	s.render(w, status, "cases", struct {
		page
		Cases any
	}{pg, nil})
}
