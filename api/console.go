package api

import (
	"crypto/subtle"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"medclaims/store"
)

// The investigator console: server-rendered pages (html/template, no JavaScript), signed in
// with an API token that starts a server-side session (console_session.go); every form
// carries a CSRF token derived from the session, checked on every POST. Hospitals see their
// own cases and the response form only.

//go:embed templates/*.html
var templateFS embed.FS

// pointsText renders points as the forms take them: "D017=9, N002=3".
func pointsText(m map[string]int) string {
	var parts []string
	for _, id := range slices.Sorted(maps.Keys(m)) {
		parts = append(parts, id+"="+strconv.Itoa(m[id]))
	}
	return strings.Join(parts, ", ")
}

var pages = func() map[string]*template.Template {
	funcs := template.FuncMap{"json": func(v any) string { b, _ := json.MarshalIndent(v, "", " "); return string(b) },
		"inc": func(i int) int { return i + 1 }, "join": func(s []string) string { return strings.Join(s, ", ") }, "points": pointsText,
		"headline": flagHeadline}
	out := map[string]*template.Template{}
	for _, p := range []string{"login", "flags", "provider", "cases", "case", "claim", "practitioner"} {
		out[p] = template.Must(template.New(p+".html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/"+p+".html"))
	}
	return out
}()

// page is what every console page gets.
type page struct {
	Title        string
	Who          string
	CSRF         string
	Error        string
	Investigator bool
	Hospital     bool
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
	s.handle(mux, "GET /console/claims/{provider_id}/{claim_id}", s.console(everyone, s.claimPage))
	s.handle(mux, "GET /console/practitioners/{practitioner_id}", s.console(everyone, s.practitionerPage))
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

// console checks the session cookie (a missing or dead session goes to the sign-in page),
// the role, and on POST the CSRF token; the page data gets who is signed in.
func (s *Server) console(roles []string, next func(http.ResponseWriter, *http.Request, page)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		if err != nil {
			http.Redirect(w, r, "/console/login", http.StatusSeeOther)
			return
		}
		p, aerr := s.sessionPrincipal(r.Context(), c.Value)
		if aerr != nil {
			s.loginForm(w, http.StatusUnauthorized, aerr.Message)
			return
		}
		record(r, p)
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
