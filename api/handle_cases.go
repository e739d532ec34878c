package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

// caseError answers a refused case move: 409 for a state that does not allow it, 403 for a
// role that may not, 400 for wrong content.
func (s *Server) caseError(w http.ResponseWriter, what string, err error) {
	switch {
	case errors.Is(err, fraud.ErrTransition), errors.Is(err, store.ErrCaseMoved):
		writeError(w, errorf(codeConflict, "%v", err))
	case errors.Is(err, fraud.ErrNotAllowed):
		writeError(w, errorf(codeForbidden, "%v", err))
	case errors.Is(err, fraud.ErrInvalid):
		writeError(w, errorf(codeBadRequest, "%v", err))
	default:
		s.internal(w, what, err)
	}
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
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return errorf(codeBadRequest, "the body is not the expected JSON: %v", err)
	}
	if dec.More() {
		return errorf(codeBadRequest, "the body has data after its JSON object")
	}
	return nil
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
	flags, err := s.cfg.Store.FlagsByID(r.Context(), in.FlagIDs)
	if err != nil {
		s.internal(w, "read flags", err)
		return
	}
	for _, id := range in.FlagIDs {
		i := slices.IndexFunc(flags, func(f fraud.Flag) bool { return f.FlagID == id })
		switch {
		case i < 0:
			writeError(w, errorf(codeBadRequest, "no flag %s", id))
			return
		case flags[i].Status != fraud.StatusOpen:
			writeError(w, errorf(codeConflict, "flag %s is %s, not open: it belongs to a case already", id, flags[i].Status))
			return
		}
	}
	c, err := fraud.OpenCase(store.NewCaseID(), actorOf(principalOf(r.Context())), in.ProviderID, flags, s.cfg.Now().UTC(), in.Note)
	if err == nil {
		err = s.cfg.Store.SaveCase(r.Context(), store.CaseChange{Case: c, Now: s.cfg.Now()})
	}
	if err != nil {
		s.caseError(w, "open case", err)
		return
	}
	writeJSON(w, http.StatusCreated, c)
}

// caseFor reads a case the principal may see: a hospital only its own (another's is 404).
func (s *Server) caseFor(w http.ResponseWriter, r *http.Request) (*fraud.Case, bool) {
	p := principalOf(r.Context())
	id := r.PathValue("case_id")
	c, err := s.cfg.Store.Case(r.Context(), id)
	if err == nil && p.Role == RoleHospital && c.ProviderID != p.ProviderID {
		err = store.ErrNotFound
	}
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, errorf(codeNotFound, "no case %s", id))
		return nil, false
	}
	if err != nil {
		s.internal(w, "read case", err)
		return nil, false
	}
	return c, true
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) {
	if c, ok := s.caseFor(w, r); ok {
		writeJSON(w, http.StatusOK, c)
	}
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

// moveCase reads the case, applies move and saves the result with its event.
func (s *Server) moveCase(w http.ResponseWriter, r *http.Request, what string, move func(c fraud.Case) (fraud.Case, *fraud.Outcome, error)) {
	c, ok := s.caseFor(w, r)
	if !ok {
		return
	}
	next, outcome, err := move(*c)
	if err == nil {
		err = s.cfg.Store.SaveCase(r.Context(), store.CaseChange{Case: next, FromState: c.State, Outcome: outcome, Now: s.cfg.Now()})
	}
	if err != nil {
		s.caseError(w, what, err)
		return
	}
	writeJSON(w, http.StatusOK, next)
}

func (s *Server) noticeCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Note string `json:"note"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	days, err := s.responseDays(r.Context())
	if err != nil {
		s.internal(w, "read the policy's response_days", err)
		return
	}
	s.moveCase(w, r, "notify", func(c fraud.Case) (fraud.Case, *fraud.Outcome, error) {
		n, err := c.Notify(actorOf(principalOf(r.Context())), s.cfg.Now().UTC(), days, in.Note)
		return n, nil, err
	})
}

// responseDays is the response_days of the policy version in force now (FRAUD.md §4).
func (s *Server) responseDays(ctx context.Context) (int, error) {
	bundles, err := s.cfg.Store.Policies(ctx, payment.PolicyOptions())
	if err != nil {
		return 0, err
	}
	now, days := s.cfg.Now(), fraud.NewParams(policy.FraudParams{}).ResponseDays
	var best *time.Time
	for _, b := range bundles {
		if !b.EffectiveFrom.After(now) && (best == nil || b.EffectiveFrom.After(*best)) {
			best, days = &b.EffectiveFrom, fraud.NewParams(b.Fraud).ResponseDays
		}
	}
	return days, nil
}

func (s *Server) respondCase(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Statement string `json:"statement"`
	}
	if aerr := s.readJSON(w, r, &in); aerr != nil {
		writeError(w, aerr)
		return
	}
	s.moveCase(w, r, "respond", func(c fraud.Case) (fraud.Case, *fraud.Outcome, error) {
		n, err := c.Respond(actorOf(principalOf(r.Context())), s.cfg.Now().UTC(), in.Statement)
		return n, nil, err
	})
}

// findingIn is a finding as an investigator sends it.
type findingIn struct {
	Type            string       `json:"type"`
	ClaimIDs        []string     `json:"claim_ids"`
	PractitionerIDs []string     `json:"practitioner_ids"`
	Fine            *claim.Money `json:"fine"`
	SuspendMonths   int          `json:"suspend_months"`
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
	dec := fraud.Decision{Decision: in.Decision, Note: in.Note}
	for _, f := range in.Findings {
		dec.Findings = append(dec.Findings, fraud.Finding{Type: f.Type, ClaimIDs: f.ClaimIDs, PractitionerIDs: f.PractitionerIDs, Fine: f.Fine,
			SuspendMonths: f.SuspendMonths})
	}
	s.moveCase(w, r, "decide", func(c fraud.Case) (fraud.Case, *fraud.Outcome, error) {
		ids := slices.Clone(c.ClaimIDs)
		for _, f := range dec.Findings {
			ids = append(ids, f.ClaimIDs...)
		}
		claims, err := s.cfg.Store.CasePayments(r.Context(), c.ProviderID, ids)
		if err != nil {
			return c, nil, err
		}
		o, err := c.Decide(actorOf(principalOf(r.Context())), s.cfg.Now().UTC(), dec, claims)
		if err != nil {
			return c, nil, err
		}
		return o.Case, &o, nil
	})
}
