package api

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"medclaims/people"
	"medclaims/store"
)

// practitionerPage shows a practitioner's qualification: status and end, the year's
// points, the points over time and the ledger with its cases. A hospital sees the people
// registered at it, and only its own cases' ids.
func (s *Server) practitionerPage(w http.ResponseWriter, r *http.Request, pg page) {
	rec, err := s.people().Get(r.Context(), viewerOf(principalOf(r.Context())), r.PathValue("practitioner_id"))
	if errors.Is(err, people.ErrNotFound) {
		err = store.ErrNotFound
	}
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	pg.Title = "Practitioner " + rec.PractitionerID
	s.render(w, http.StatusOK, "practitioner", struct {
		page
		P     people.Record
		Chart template.HTML
	}{pg, rec, pointsChart(rec)})
}

// pointsChart draws each year's running points total after every ledger entry, with the
// thresholds 9 (suspension) and 12 (termination), as an SVG drawn on the server.
func pointsChart(rec people.Record) template.HTML {
	if len(rec.Ledger) == 0 {
		return `<p id="points-chart">No points on the ledger.</p>`
	}
	const w, h, pad, top = 640, 180, 30, 16
	y := func(v int) int { return h - pad - v*(h-2*pad)/top }
	step := (w - 2*pad) / max(len(rec.Ledger), 1)
	var b strings.Builder
	fmt.Fprintf(&b, `<svg id="points-chart" width="%d" height="%d" role="img" aria-label="points over time">`, w, h)
	for _, t := range []struct {
		v     int
		label string
	}{{9, "9: suspension"}, {12, "12: termination"}} {
		fmt.Fprintf(&b, `<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#b3261e" stroke-dasharray="4 3"/><text x="%d" y="%d" font-size="11">%s</text>`,
			pad, w-pad, y(t.v), y(t.v), w-pad-95, y(t.v)-3, t.label)
	}
	totals := map[int]int{}
	for i, e := range rec.Ledger {
		totals[e.Year] += e.Points
		x := pad + i*step + step/2
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#2e5d8b"><title>%s: %+d, %d in %d</title></rect>`,
			x-8, y(totals[e.Year]), 16, h-pad-y(totals[e.Year]), e.At.Format("2006-01-02"), e.Points, totals[e.Year], e.Year)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle">%d</text><text x="%d" y="%d" font-size="10" text-anchor="middle">%s</text>`,
			x, y(totals[e.Year])-4, totals[e.Year], x, h-pad+14, e.At.Format("2006-01-02"))
	}
	b.WriteString(`</svg>`)
	return template.HTML(b.String()) // numbers and dates only
}
