package api

import (
	"errors"
	"net/http"
	"slices"

	"medclaims/fraud"
	"medclaims/people"
)

// practitionerList is the answer of GET /v1/practitioners.
type practitionerList struct {
	Items      []people.Record `json:"items"`
	NextCursor string          `json:"next_cursor,omitempty"`
}

func (s *Server) people() people.Service {
	return people.Service{Store: s.cfg.Store, Policies: s.checker.Policies, Now: s.cfg.Now}
}

// viewerOf is whose eyes a practitioner is read with: a hospital's provider, or "".
func viewerOf(p Principal) string {
	if p.Role == RoleHospital {
		return p.ProviderID
	}
	return ""
}

// listPractitioners lists practitioners' qualification (FRAUD.md §9); a hospital sees the
// people registered at it, and only those.
func (s *Server) listPractitioners(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	q := r.URL.Query()
	for k := range q {
		if k != "status" && k != "provider_id" {
			writeError(w, errorf(codeBadRequest, "unknown query parameter %q (GET /v1/practitioners takes status, provider_id)", k))
			return
		}
	}
	f := people.Filter{Status: q.Get("status"), ProviderID: q.Get("provider_id")}
	if f.Status != "" && !slices.Contains([]string{fraud.QualNormal, fraud.QualSuspended, fraud.QualTerminated}, f.Status) {
		writeError(w, errorf(codeBadRequest, "status %q: want normal, suspended or terminated", f.Status))
		return
	}
	if aerr := ownProvider(p, orOwn(p, f.ProviderID)); aerr != nil {
		writeError(w, aerr)
		return
	}
	list, err := s.people().List(r.Context(), viewerOf(p), f)
	if err != nil {
		s.internal(w, "list practitioners", err)
		return
	}
	writeJSON(w, http.StatusOK, practitionerList{Items: orEmpty(list)})
}

// orOwn is the provider a filter names, or the hospital's own when it names none.
func orOwn(p Principal, providerID string) string {
	if providerID == "" {
		return p.ProviderID
	}
	return providerID
}

// getPractitioner shows one practitioner: status, until, year points, ledger.
func (s *Server) getPractitioner(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	rec, err := s.people().Get(r.Context(), viewerOf(p), r.PathValue("practitioner_id"))
	switch {
	case errors.Is(err, people.ErrNotFound) && p.Role == RoleHospital:
		writeError(w, errorf(codeNotFound, "no practitioner %s registered at %s", r.PathValue("practitioner_id"), p.ProviderID))
	case errors.Is(err, people.ErrNotFound):
		writeError(w, errorf(codeNotFound, "no practitioner %s", r.PathValue("practitioner_id")))
	case err != nil:
		s.internal(w, "read practitioner", err)
	default:
		writeJSON(w, http.StatusOK, rec)
	}
}
