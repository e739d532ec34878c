package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"unicode/utf8"

	"medclaims/casework"
	"medclaims/claim"
	"medclaims/fraud"
)

// caseError answers a refused case move: 409 for a state that does not allow it, 403 for a
// role that may not, 400 for wrong content, 404 for a case the principal cannot see.
func (s *Server) caseError(w http.ResponseWriter, r *http.Request, what string, err error) {
	switch casework.Kind(err) {
	case "conflict":
		writeError(w, errorf(codeConflict, "%v", err))
	case "forbidden":
		writeError(w, errorf(codeForbidden, "%v", err))
	case "invalid":
		writeError(w, errorf(codeBadRequest, "%v", err))
	case "not_found":
		writeError(w, errorf(codeNotFound, "no case %s", r.PathValue("case_id")))
	default:
		s.internal(w, what, err)
	}
}

func (s *Server) cases() casework.Service {
	return casework.Service{Store: s.cfg.Store, Now: s.cfg.Now}
}

func actorOf(p Principal) fraud.Actor {
	return fraud.Actor{Name: p.Name, Role: p.Role, ProviderID: p.ProviderID}
}

// readJSON decodes a small JSON body strictly: unknown fields and trailing data are 400.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return errorf(codeTooLarge, "the body is over %d bytes", mbe.Limit)
	}
	if err != nil {
		return errorf(codeBadRequest, "read the body: %v", err)
	}
	if !utf8.Valid(body) {
		return errorf(codeBadRequest, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(codeBadRequest, "the body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return errorf(codeBadRequest, "the body has data after its JSON object")
	}
	if field, why := badField(v); why != "" {
		return errorf(codeBadRequest, "%s %s", field, why)
	}
	return nil
}

// answer writes a moved case, or the error of the move.
func (s *Server) answer(w http.ResponseWriter, r *http.Request, what string, status int, c fraud.Case, err error) {
	if err != nil {
		s.caseError(w, r, what, err)
		return
	}
	writeJSON(w, status, c)
}

// openCase opens a case from open flags of one provider (investigator).
func (s *Server) openCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ProviderID string   `json:"provider_id"`
		FlagIDs    []string `json:"flag_ids"`
		Note       string   `json:"note"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	c, err := s.cases().Open(r.Context(), actorOf(principalOf(r.Context())), in.ProviderID, in.FlagIDs, in.Note)
	s.answer(w, r, "open case", http.StatusCreated, c, err)
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	c, err := s.cases().Get(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"))
	if err != nil {
		s.caseError(w, r, "read case", err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// caseList is a list of cases.
type caseList struct {
	Items []fraud.Case `json:"items"`
}

// listCases lists cases by state and provider; a hospital's list is its own cases.
func (s *Server) listCases(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	q := r.URL.Query()
	for k := range q {
		if k != "state" && k != "provider_id" {
			writeError(w, errorf(codeBadRequest, "unknown query parameter %q (GET /v1/cases takes state, provider_id)", k))
			return
		}
	}
	state, provider := q.Get("state"), q.Get("provider_id")
	if state != "" && !slices.Contains([]string{fraud.CaseOpen, fraud.CaseNotified, fraud.CaseResponded, fraud.CaseDecided}, state) {
		writeError(w, errorf(codeBadRequest, "state %q: want open, notified, responded or decided", state))
		return
	}
	if p.Role == RoleHospital {
		if provider != "" && provider != p.ProviderID {
			writeError(w, errorf(codeForbidden, "token of %s may not list provider %s's cases", p.RoleString(), provider))
			return
		}
		provider = p.ProviderID
	}
	cs, err := s.cfg.Store.Cases(r.Context(), state, provider)
	if err != nil {
		s.internal(w, "list cases", err)
		return
	}
	writeJSON(w, http.StatusOK, caseList{Items: orEmpty(cs)})
}

func orEmpty[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (s *Server) noticeCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note string `json:"note"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	c, err := s.cases().Notify(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"), in.Note)
	s.answer(w, r, "notify", http.StatusOK, c, err)
}

func (s *Server) respondCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Statement string `json:"statement"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	c, err := s.cases().Respond(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"), in.Statement)
	s.answer(w, r, "respond", http.StatusOK, c, err)
}

// findingIn is a finding as an investigator sends it.
type findingIn struct {
	Type            string       `json:"type"`
	ClaimIDs        []string     `json:"claim_ids"`
	PractitionerIDs []string     `json:"practitioner_ids"`
	Fine            *claim.Money `json:"fine"`
	SuspendMonths   int          `json:"suspend_months"`
	// PractitionerPoints are qualification points per person named (FRAUD.md §9).
	PractitionerPoints map[string]int `json:"practitioner_points"`
}

func (s *Server) decideCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Decision string      `json:"decision"`
		Note     string      `json:"note"`
		Findings []findingIn `json:"findings"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	dec := fraud.Decision{Decision: in.Decision, Note: in.Note, Findings: findingsOf(in.Findings)}
	c, err := s.cases().Decide(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"), dec)
	s.answer(w, r, "decide", http.StatusOK, c, err)
}

func findingsOf(in []findingIn) []fraud.Finding {
	var out []fraud.Finding
	for _, f := range in {
		out = append(out, fraud.Finding{Type: f.Type, ClaimIDs: f.ClaimIDs, PractitionerIDs: f.PractitionerIDs, Fine: f.Fine,
			SuspendMonths: f.SuspendMonths, PractitionerPoints: f.PractitionerPoints})
	}
	return out
}

// appealCase files the case's hospital's appeal (申诉) of a confirmed decision.
func (s *Server) appealCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Statement string `json:"statement"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	c, err := s.cases().Appeal(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"), in.Statement)
	s.answer(w, r, "appeal", http.StatusOK, c, err)
}

// decideAppeal upholds or amends an appealed decision (investigator).
func (s *Server) decideAppeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Outcome  string      `json:"outcome"`
		Note     string      `json:"note"`
		Findings []findingIn `json:"findings"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	c, err := s.cases().DecideAppeal(r.Context(), actorOf(principalOf(r.Context())), r.PathValue("case_id"), in.Outcome, in.Note, findingsOf(in.Findings))
	s.answer(w, r, "decide the appeal", http.StatusOK, c, err)
}
