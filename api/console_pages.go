package api

import (
	"fmt"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"medclaims/casework"
	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/store"
)

// flagsPage lists the open flags, highest score first, with their evidence.
func (s *Server) flagsPage(w http.ResponseWriter, r *http.Request, pg page) {
	flags, _, err := s.cfg.Store.FlagPage(r.Context(), store.FlagFilter{Status: fraud.StatusOpen, Limit: maxLimit})
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	slices.SortStableFunc(flags, func(a, b fraud.Flag) int { return b.Score.Cmp(a.Score) })
	pg.Title = "Open flags"
	s.render(w, http.StatusOK, "flags", struct {
		page
		Flags []fraud.Flag
	}{pg, flags})
}

// providerPage shows a provider's standing, its census against its beds, flags and cases.
func (s *Server) providerPage(w http.ResponseWriter, r *http.Request, pg page) {
	id := r.PathValue("provider_id")
	pv, err := s.cfg.Store.ProviderStanding(r.Context(), id, s.cfg.Now())
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	facts, err := s.cfg.Store.ProviderFacts(r.Context(), id, 90)
	if err == nil {
		var flags []fraud.Flag
		if flags, _, err = s.cfg.Store.FlagPage(r.Context(), store.FlagFilter{ProviderID: id, Limit: maxLimit}); err == nil {
			var cases []fraud.Case
			if cases, err = s.cfg.Store.Cases(r.Context(), "", id); err == nil {
				pg.Title = "Provider " + id
				s.render(w, http.StatusOK, "provider", struct {
					page
					P     *providerView
					Chart template.HTML
					Flags []fraud.Flag
					Cases []fraud.Case
				}{pg, providerOfView(pv), censusChart(fraud.Census(facts), pv.Beds), flags, cases})
				return
			}
		}
	}
	s.consoleFail(w, pg, err)
}

// censusChart draws the midnight census (line) against the beds (dashed) and the claims
// per day (bars) as an SVG, server-side.
func censusChart(days []fraud.DayCount, beds int) template.HTML {
	if len(days) == 0 {
		return `<p>No live claims in the last 90 days.</p>`
	}
	const w, h, pad = 900, 220, 30
	top := beds
	for _, d := range days {
		top = max(top, d.Census, d.Claims)
	}
	top = max(top, 1)
	x := func(i int) float64 { return pad + float64(i)*float64(w-2*pad)/float64(max(len(days)-1, 1)) }
	y := func(v int) float64 { return float64(h-pad) - float64(v)*float64(h-2*pad)/float64(top) }
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="census" xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" role="img" aria-label="census against beds">`, w, h)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#999"/>`, pad, h-pad, w-pad, h-pad)
	for i, d := range days {
		if d.Claims > 0 {
			fmt.Fprintf(&b, `<rect x="%.1f" y="%.1f" width="3" height="%.1f" fill="#b7c9dd"><title>%s: %d claim(s)</title></rect>`,
				x(i)-1.5, y(d.Claims), float64(h-pad)-y(d.Claims), d.Date.Format("2006-01-02"), d.Claims)
		}
	}
	var pts []string
	for i, d := range days {
		pts = append(pts, fmt.Sprintf("%.1f,%.1f", x(i), y(d.Census)))
	}
	fmt.Fprintf(&b, `<polyline fill="none" stroke="#17324d" stroke-width="2" points="%s"/>`, strings.Join(pts, " "))
	fmt.Fprintf(&b, `<line x1="%d" y1="%.1f" x2="%d" y2="%.1f" stroke="#b00020" stroke-dasharray="6 4"/>`, pad, y(beds), w-pad, y(beds))
	fmt.Fprintf(&b, `<text x="%d" y="%.1f" fill="#b00020" font-size="12">%d beds</text>`, w-pad-60, y(beds)-4, beds)
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12">%s</text><text x="%d" y="%d" font-size="12">%s</text>`, pad, h-8,
		days[0].Date.Format("2006-01-02"), w-pad-70, h-8, days[len(days)-1].Date.Format("2006-01-02"))
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // every value above is a number or a formatted date
}

// casesPage lists cases; a hospital its own.
func (s *Server) casesPage(w http.ResponseWriter, r *http.Request, pg page) {
	provider := ""
	if p := principalOf(r.Context()); p.Role == RoleHospital {
		provider = p.ProviderID
	}
	cases, err := s.cfg.Store.Cases(r.Context(), "", provider)
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	pg.Title = "Cases"
	s.render(w, http.StatusOK, "cases", struct {
		page
		Cases []fraud.Case
	}{pg, cases})
}

// casePage shows a case, its trail and the actions its state allows the signed-in role.
func (s *Server) casePage(w http.ResponseWriter, r *http.Request, pg page) {
	s.showCase(w, r, pg, http.StatusOK)
}

func (s *Server) showCase(w http.ResponseWriter, r *http.Request, pg page, status int) {
	c, err := s.cases().Get(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"))
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	own, err := s.cfg.Store.CasePayments(r.Context(), c.ProviderID, c.ClaimIDs)
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	var ids []string
	for id := range own {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	pg.Title = "Case " + c.CaseID
	s.render(w, status, "case", struct {
		page
		C              *fraud.Case
		FindingTypes   []string
		ProviderClaims string
	}{pg, c, fraud.FindingTypes(), strings.Join(ids, ",")})
}

func (s *Server) consoleOpenCase(w http.ResponseWriter, r *http.Request, pg page) {
	c, err := s.cases().Open(r.Context(), actorOf(principalOf(r.Context())), r.PostFormValue("provider_id"),
		[]string{r.PostFormValue("flag_id")}, r.PostFormValue("note"))
	if err != nil {
		pg.Error = err.Error()
		s.flagsPage(w, r, pg)
		return
	}
	http.Redirect(w, r, "/console/cases/"+c.CaseID, http.StatusSeeOther)
}

// consoleMove notifies, responds or decides from the case page's forms.
func (s *Server) consoleMove(w http.ResponseWriter, r *http.Request, pg page) {
	a, id := actorOf(principalOf(r.Context())), r.PathValue("case_id")
	svc := s.cases()
	var err error
	switch r.PathValue("action") {
	case "notice":
		_, err = svc.Notify(r.Context(), a, id, r.PostFormValue("note"))
	case "response":
		_, err = svc.Respond(r.Context(), a, id, r.PostFormValue("statement"))
	case "decision":
		var dec fraud.Decision
		if dec, err = formDecision(r); err == nil {
			_, err = svc.Decide(r.Context(), a, id, dec)
		}
	case "appeal":
		_, err = svc.Appeal(r.Context(), a, id, r.PostFormValue("statement"))
	case "appeal-decision":
		err = s.consoleAppealDecision(r, a, id)
	default:
		writeError(w, errorf(codeNotFound, "no console action %s", r.PathValue("action")))
		return
	}
	if err != nil {
		pg.Error = err.Error()
		status := map[string]int{"conflict": 409, "forbidden": 403, "invalid": 400, "not_found": 404}[casework.Kind(err)]
		if status == 0 {
			s.consoleFail(w, pg, err)
			return
		}
		s.showCase(w, r, pg, status)
		return
	}
	http.Redirect(w, r, "/console/cases/"+id, http.StatusSeeOther)
}

// consoleAppealDecision upholds or amends from the case page: each decided finding kept
// (with its people, points and fine as the form lowers them) or withdrawn.
func (s *Server) consoleAppealDecision(r *http.Request, a fraud.Actor, id string) error {
	svc := s.cases()
	c, err := svc.Get(r.Context(), a, id)
	if err != nil {
		return err
	}
	outcome, note := r.PostFormValue("outcome"), r.PostFormValue("note")
	var amended []fraud.Finding
	for i, f := range c.Findings {
		n := strconv.Itoa(i + 1)
		if outcome != fraud.AppealAmend || r.PostFormValue("withdraw_"+n) != "" {
			continue
		}
		fine, err := decimal.NewFromString(strings.TrimSpace(r.PostFormValue("fine_" + n)))
		if err != nil {
			return fmt.Errorf("%w: finding %s: fine %q is not an amount", fraud.ErrInvalid, n, r.PostFormValue("fine_"+n))
		}
		f.Fine, f.PractitionerIDs = claim.M(fine), splitList(r.PostFormValue("practitioners_"+n))
		if f.PractitionerPoints, err = formPoints(r.PostFormValue("points_" + n)); err != nil {
			return err
		}
		amended = append(amended, f)
	}
	_, err = svc.DecideAppeal(r.Context(), a, id, outcome, note, amended)
	return err
}

// formDecision reads the decision form: a dismissal, or a confirmation with one finding.
func formDecision(r *http.Request) (fraud.Decision, error) {
	dec := fraud.Decision{Decision: r.PostFormValue("decision"), Note: r.PostFormValue("note")}
	if dec.Decision != fraud.DecisionConfirm {
		return dec, nil
	}
	fine, err := decimal.NewFromString(strings.TrimSpace(r.PostFormValue("fine")))
	if err != nil {
		return dec, fmt.Errorf("%w: fine %q is not an amount", fraud.ErrInvalid, r.PostFormValue("fine"))
	}
	months, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("suspend_months")))
	if err != nil {
		return dec, fmt.Errorf("%w: suspend months %q is not a whole number", fraud.ErrInvalid, r.PostFormValue("suspend_months"))
	}
	f := fraud.Finding{Type: r.PostFormValue("type"), ClaimIDs: splitList(r.PostFormValue("claim_ids")),
		PractitionerIDs: splitList(r.PostFormValue("practitioner_ids")), Fine: claim.M(fine), SuspendMonths: months}
	if f.PractitionerPoints, err = formPoints(r.PostFormValue("practitioner_points")); err != nil {
		return dec, err
	}
	for id := range f.PractitionerPoints { // a person given points is named by the finding
		if !slices.Contains(f.PractitionerIDs, id) {
			f.PractitionerIDs = append(f.PractitionerIDs, id)
		}
	}
	dec.Findings = []fraud.Finding{f}
	return dec, nil
}

// formPoints reads "D017=9, N002=3": qualification points per practitioner.
func formPoints(s string) (map[string]int, error) {
	var out map[string]int
	for _, item := range splitList(s) {
		id, n, ok := strings.Cut(item, "=")
		points, err := strconv.Atoi(strings.TrimSpace(n))
		if id = strings.TrimSpace(id); !ok || id == "" || err != nil {
			return nil, fmt.Errorf("%w: points %q: write ID=points, comma-separated (D017=9, N002=3)", fraud.ErrInvalid, item)
		}
		if out == nil {
			out = map[string]int{}
		}
		out[id] = points
	}
	return out, nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
