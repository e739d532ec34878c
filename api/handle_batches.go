package api

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"medclaims/claim"
	"medclaims/intake"
	"medclaims/store"
)

var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// postBatch takes a hospital's batch (a JSON array or CSV) through the intake: refused
// whole for an envelope error (unreadable, too large, another provider's claim, an item of
// another batch), else recorded, its decodable items produced, and answered 202 once the
// broker acknowledged them all.
func (s *Server) postBatch(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(batchWait)) // authenticated: the body may be large
	batchID, aerr := s.batchID(r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	items, aerr := s.readBatch(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	in := intake.Service{Store: s.cfg.Store, Produce: s.cfg.Produce, Now: s.cfg.Now}
	answer, err := in.Take(r.Context(), intake.Sender{ProviderID: p.ProviderID, TokenID: p.TokenID}, batchID, items, nil)
	switch {
	case err == nil:
		writeJSON(w, http.StatusAccepted, answer)
	case errors.Is(err, intake.ErrForeign):
		writeError(w, errorf(codeForbidden, "%v; nothing was published", err))
	case errors.Is(err, intake.ErrOtherBatch):
		writeError(w, errorf(codeBadRequest, "%v (choose the post's with ?batch_id=); nothing was published", err))
	case errors.Is(err, intake.ErrBatchExists):
		writeError(w, errorf(codeConflict, "your batch %s already exists: GET /v1/batches/%s shows it", batchID, batchID))
	case errors.Is(err, intake.ErrNotTaken):
		s.log.Error("produce batch", "batch_id", batchID, "err", err)
		writeError(w, errorf(codeUnavailable, "batch %s: the broker did not acknowledge every claim (%v); GET /v1/batches/%s shows which were taken; "+
			"posting the same claims again is safe (an unchanged claim is an idempotent duplicate)", batchID, err, batchID))
	default:
		s.log.Error("record batch", "batch_id", batchID, "err", err)
		writeError(w, errorf(codeUnavailable, "cannot record the batch now: %v", err))
	}
}

// batchID is the ?batch_id= the hospital chose (so a retried post is a 409, not a second
// batch), or a new one.
func (s *Server) batchID(r *http.Request) (string, *apiError) {
	for k := range r.URL.Query() {
		if k != "batch_id" {
			return "", errorf(codeBadRequest, "unknown query parameter %q (POST /v1/batches takes batch_id)", k)
		}
	}
	id := r.URL.Query().Get("batch_id")
	if id == "" {
		return intake.NewBatchID(s.cfg.Now()), nil
	}
	if !batchIDPattern.MatchString(id) {
		return "", errorf(codeBadRequest, "batch_id %q: want 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", id)
	}
	return id, nil
}

// readBatch reads the body whole (at most MaxBodyBytes) and splits it into items.
func (s *Server) readBatch(w http.ResponseWriter, r *http.Request) ([]claim.Item, *apiError) {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || (mt != "application/json" && mt != "text/csv") {
		return nil, errorf(codeMediaType, "Content-Type %q: send claims as application/json (an array) or text/csv", r.Header.Get("Content-Type"))
	}
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		return nil, aerr
	}
	first := bytes.TrimLeft(bytes.TrimPrefix(body, []byte("\xef\xbb\xbf")), " \t\r\n")
	switch {
	case len(first) == 0:
		return nil, errorf(codeBadRequest, "the body is empty: send at least one claim")
	case mt == "application/json" && first[0] != '[':
		return nil, errorf(codeBadRequest, "an application/json batch is a JSON array of claims; the body starts with %q", first[0])
	case mt == "text/csv" && (first[0] == '[' || first[0] == '{'):
		return nil, errorf(codeBadRequest, "Content-Type is text/csv but the body is JSON: send it as application/json")
	}
	return splitItems(body, s.cfg.MaxBatchClaims, "batch", fmt.Sprintf("the batch has more than %d claims: split it", s.cfg.MaxBatchClaims))
}

// readBody reads a posted body whole, at most MaxBodyBytes (413 above: split it).
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errorf(codeTooLarge, "the body is over %d bytes: split it", mbe.Limit)
	}
	if err != nil {
		return nil, errorf(codeBadRequest, "read the body: %v", err)
	}
	return body, nil
}

// splitItems splits a body into its claims, at least one and at most max; what names the
// body in errors, tooMany is the answer to more than max.
func splitItems(body []byte, max int, what, tooMany string) ([]claim.Item, *apiError) {
	br, err := claim.NewBatchReader(bytes.NewReader(body))
	if err != nil {
		return nil, errorf(codeBadRequest, "unreadable %s: %v", what, err)
	}
	var items []claim.Item
	for {
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errorf(codeBadRequest, "unreadable %s: %v (nothing was published)", what, err)
		}
		if items = append(items, it); len(items) > max {
			return nil, errorf(codeTooLarge, "%s", tooMany)
		}
	}
	if len(items) == 0 {
		return nil, errorf(codeBadRequest, "the %s has no claims", what)
	}
	return items, nil
}

// batchEntry is a batch submission without a stored result: still "submitted", or
// refused by the API ("rejected", with reasons).
type batchEntry struct {
	ProviderID string         `json:"provider_id"`
	ClaimID    string         `json:"claim_id"`
	MemberID   string         `json:"member_id"`
	Kind       string         `json:"kind,omitempty"`
	Status     string         `json:"status"`
	Reasons    []claim.Reason `json:"reasons,omitempty"`
}

// batchView is the answer of GET /v1/batches/{id}.
type batchView struct {
	BatchID      string         `json:"batch_id"`
	Counts       map[string]int `json:"counts"`
	Claims       []any          `json:"claims"`
	ProduceError string         `json:"produce_error,omitempty"`
}

// getBatch lists a batch's submissions in order with their status and amounts. Batch ids
// are each provider's own: a hospital reads its own batch of that id (another's of the same
// id does not exist for it); the agency and investigators name the provider with
// ?provider_id=, which may be left out when only one provider has a batch of that id.
func (s *Server) getBatch(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("batch_id")
	provider, aerr := s.batchProvider(r, id)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	v, err := s.cfg.Store.BatchView(r.Context(), provider, id)
	if errors.Is(err, store.ErrNoBatch) {
		writeError(w, errorf(codeNotFound, "no batch %s", id))
		return
	}
	if err != nil {
		s.internal(w, "read batch", err)
		return
	}
	writeJSON(w, http.StatusOK, viewOf(v))
}

// batchProvider is the provider whose batch id is asked for: a hospital's own, else
// ?provider_id=, else the only provider with a batch of that id.
func (s *Server) batchProvider(r *http.Request, id string) (string, *apiError) {
	p, q := principalOf(r.Context()), r.URL.Query()
	for k := range q {
		if k != "provider_id" {
			return "", errorf(codeBadRequest, "unknown query parameter %q (GET /v1/batches/{id} takes provider_id)", k)
		}
	}
	provider := q.Get("provider_id")
	if p.Role == RoleHospital {
		if aerr := ownProvider(p, provider); provider != "" && aerr != nil {
			return "", aerr
		}
		return p.ProviderID, nil
	}
	if provider != "" {
		return provider, nil
	}
	owners, err := s.cfg.Store.BatchOwners(r.Context(), id)
	switch {
	case err != nil:
		return "", errorf(codeUnavailable, "read batch %s: %v", id, err)
	case len(owners) == 0:
		return "", errorf(codeNotFound, "no batch %s", id)
	case len(owners) > 1:
		return "", errorf(codeBadRequest, "batch id %s is used by providers %s: name one with ?provider_id=", id, strings.Join(owners, ", "))
	}
	return owners[0], nil
}

// viewOf is the answer of GET /v1/batches/{id}.
func viewOf(v *store.BatchView) batchView {
	out := batchView{BatchID: v.BatchID, Counts: map[string]int{}, Claims: make([]any, 0, len(v.Entries)), ProduceError: v.ProduceError}
	for _, e := range v.Entries {
		if e.Result != nil {
			res := *e.Result
			res.Explanation = nil
			out.Counts[res.Status]++
			out.Claims = append(out.Claims, res)
			continue
		}
		out.Counts[e.Item.Status]++
		out.Claims = append(out.Claims, batchEntry{ProviderID: e.Item.ProviderID, ClaimID: e.Item.ClaimID, MemberID: e.Item.MemberID,
			Kind: e.Item.Kind, Status: e.Item.Status, Reasons: e.Item.Reasons})
	}
	return out
}

// internal answers 500 and logs the cause; the message does not leak it.
func (s *Server) internal(w http.ResponseWriter, what string, err error) {
	s.log.Error(what, "err", err)
	if store.IsTransient(err) {
		writeError(w, errorf(codeUnavailable, "%s: the database does not answer now; try again", what))
		return
	}
	writeError(w, errorf(codeInternal, "%s failed; the server log has the cause", what))
}
