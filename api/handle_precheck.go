package api

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"net/http"

	"medclaims/claim"
	"medclaims/precheck"
)

// maxPrecheck is how many claims one pre-check may hold (CONTRACT.md).
const maxPrecheck = 100

// postPrecheck answers what adjudication would give the posted claims now (POLICY.md §11):
// a claim or an array of at most 100, a hospital's own only; nothing stored or published.
func (s *Server) postPrecheck(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	if len(r.URL.Query()) > 0 {
		writeError(w, errorf(codeBadRequest, "POST /v1/precheck takes no query parameters"))
		return
	}
	items, aerr := s.readPrecheck(w, r)
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	results, err := s.checker.Check(r.Context(), p.ProviderID, items)
	switch {
	case errors.Is(err, precheck.ErrForeign):
		writeError(w, errorf(codeForbidden, "%v: a hospital pre-checks its own claims", err))
		return
	case err != nil:
		s.log.Error("pre-check", "err", err)
		writeError(w, errorf(codeUnavailable, "cannot pre-check now: %v", err))
		return
	}
	b := append(make([]byte, 0, 2048*len(results)), `{"results":[`...)
	for i := range results {
		if i > 0 {
			b = append(b, ',')
		}
		b = results[i].AppendJSON(b)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(append(b, "]}\n"...))
}

// readPrecheck reads a JSON claim (an object) or an array of at most 100.
func (s *Server) readPrecheck(w http.ResponseWriter, r *http.Request) ([]claim.Item, *apiError) {
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err != nil || mt != "application/json" {
		return nil, errorf(codeMediaType, "Content-Type %q: send a claim or an array of claims as application/json", r.Header.Get("Content-Type"))
	}
	body, aerr := s.readBody(w, r)
	if aerr != nil {
		return nil, aerr
	}
	first := bytes.TrimLeft(body, " \t\r\n")
	if len(first) == 0 || (first[0] != '{' && first[0] != '[') {
		return nil, errorf(codeBadRequest, "send a claim (a JSON object) or an array of at most %d", maxPrecheck)
	}
	return splitItems(body, maxPrecheck, "pre-check", fmt.Sprintf("a pre-check holds at most %d claims: split it", maxPrecheck))
}
