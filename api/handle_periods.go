package api

import (
	"errors"
	"net/http"
	"strings"

	"medclaims/closing"
	"medclaims/settlement"
)

// closeAnswer is the answer of POST /v1/periods/{period}/close.
type closeAnswer struct {
	Unchanged bool                `json:"unchanged"`
	DryRun    bool                `json:"dry_run"`
	Statement settlement.Document `json:"statement"`
}

// closePeriod closes a period (agency); ?dry_run=true computes without storing.
func (s *Server) closePeriod(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "dry_run" {
			writeError(w, errorf(codeBadRequest, "unknown query parameter %q (close takes dry_run)", k))
			return
		}
	}
	dry := q.Get("dry_run")
	if dry != "" && dry != "true" && dry != "false" {
		writeError(w, errorf(codeBadRequest, "dry_run %q: want true or false", dry))
		return
	}
	res, err := closing.Service{Store: s.cfg.Store, Now: s.cfg.Now}.Close(r.Context(), r.PathValue("period"), dry == "true")
	switch {
	case errors.Is(err, closing.ErrBadPeriod):
		writeError(w, errorf(codeBadRequest, "%v", err))
		return
	case errors.Is(err, closing.ErrNoPolicy), errors.Is(err, closing.ErrClosedMeanwhile):
		writeError(w, errorf(codeConflict, "%v", err))
		return
	}
	if err != nil {
		s.internal(w, "close the period", err)
		return
	}
	writeJSON(w, http.StatusOK, closeAnswer{Unchanged: res.Unchanged, DryRun: res.DryRun, Statement: res.Statement})
}

// getStatements serves a closed period's newest statement (agency; a hospital its own
// part), as JSON or, with Accept: text/csv, CSV.
func (s *Server) getStatements(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	q := r.URL.Query()
	for k := range q {
		if k != "period" && k != "provider_id" {
			writeError(w, errorf(codeBadRequest, "unknown query parameter %q (GET /v1/statements takes period, provider_id)", k))
			return
		}
	}
	period, provider := q.Get("period"), q.Get("provider_id")
	if _, err := closing.ParsePeriod(period); err != nil {
		writeError(w, errorf(codeBadRequest, "period: %v", err))
		return
	}
	if p.Role == RoleHospital {
		if aerr := ownProvider(p, provider); provider != "" && aerr != nil {
			writeError(w, aerr)
			return
		}
		provider = p.ProviderID
	}
	last, err := s.cfg.Store.LatestStatement(r.Context(), period)
	if err != nil {
		s.internal(w, "read the statement", err)
		return
	}
	if last == nil {
		writeError(w, errorf(codeNotFound, "period %s has not been closed", period))
		return
	}
	doc := closing.OnlyProvider(last.Doc, provider)
	if strings.Contains(r.Header.Get("Accept"), "text/csv") {
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="statement-`+period+`.csv"`)
		_ = closing.WriteCSV(w, doc)
		return
	}
	writeJSON(w, http.StatusOK, doc)
}
