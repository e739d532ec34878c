package api

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strings"
	"time"

	"medclaims/claim"
	"medclaims/pipeline"
	"medclaims/store"
)

// batchAnswer is the 202 answer of POST /v1/batches.
type batchAnswer struct {
	BatchID  string        `json:"batch_id"`
	Accepted int           `json:"accepted"`
	Rejected []refusedItem `json:"rejected"`
}

// refusedItem is a batch item the API did not publish, with why.
type refusedItem struct {
	Item    int            `json:"item"` // 1-based position in the batch
	Where   string         `json:"where"`
	ClaimID string         `json:"claim_id"`
	Reasons []claim.Reason `json:"reasons"`
}

var batchIDPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// postBatch takes a hospital's batch (a JSON array or CSV), refuses it whole for an
// envelope error (unreadable, too large, another provider's claim), records it, produces
// every decodable item and answers 202 once the broker acknowledged them all.
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
	b, accepted, aerr := screenBatch(p, batchID, items, s.cfg.Now())
	if aerr != nil {
		writeError(w, aerr)
		return
	}
	if err := s.cfg.Store.SaveAPIBatch(r.Context(), b); err != nil {
		if errors.Is(err, store.ErrBatchExists) {
			writeError(w, errorf(codeConflict, "your batch %s already exists: GET /v1/batches/%s shows it", batchID, batchID))
			return
		}
		s.log.Error("save batch", "batch_id", batchID, "err", err)
		writeError(w, errorf(codeUnavailable, "cannot record the batch now: %v", err))
		return
	}
	if aerr := s.produce(r.Context(), b, accepted); aerr != nil {
		writeError(w, aerr)
		return
	}
	writeJSON(w, http.StatusAccepted, answerOf(b, items))
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
		return pipeline.NewBatchID(s.cfg.Now()), nil
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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, errorf(codeTooLarge, "the body is over %d bytes: split the batch", mbe.Limit)
	}
	if err != nil {
		return nil, errorf(codeBadRequest, "read the body: %v", err)
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
	br, err := claim.NewBatchReader(bytes.NewReader(body))
	if err != nil {
		return nil, errorf(codeBadRequest, "unreadable batch: %v", err)
	}
	var items []claim.Item
	for {
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errorf(codeBadRequest, "unreadable batch: %v (nothing was published)", err)
		}
		if items = append(items, it); len(items) > s.cfg.MaxBatchClaims {
			return nil, errorf(codeTooLarge, "the batch has more than %d claims: split it", s.cfg.MaxBatchClaims)
		}
	}
	if len(items) == 0 {
		return nil, errorf(codeBadRequest, "the batch has no claims")
	}
	return items, nil
}

// screenBatch decodes every item: one of another provider refuses the batch (403), and so
// does an envelope naming another batch id than the post's (400: a submission travels in
// the batch it was posted in); one that cannot be decoded into a submission is kept as
// rejected with its reasons; the rest are accepted, their bytes returned in order.
func screenBatch(p Principal, batchID string, items []claim.Item, now time.Time) (store.APIBatch, [][]byte, *apiError) {
	b := store.APIBatch{BatchID: batchID, ProviderID: p.ProviderID, TokenID: p.TokenID, CreatedAt: now, Items: make([]store.BatchItem, len(items))}
	var accepted [][]byte
	var foreign []string
	for i, it := range items {
		sub, err := claim.DecodeSubmission(it.Bytes)
		bi := store.BatchItem{Kind: sub.Kind, ProviderID: sub.Sent.ProviderID, ClaimID: sub.Sent.ClaimID, MemberID: sub.Sent.MemberID, Status: "submitted"}
		if err == nil && sub.BatchID != "" && sub.BatchID != batchID {
			return b, nil, errorf(codeBadRequest, "%s names batch_id %q, but this post is batch %s: leave batch_id out of the items "+
				"(choose the post's with ?batch_id=); nothing was published", it.Where, sub.BatchID, batchID)
		}
		switch {
		case err != nil:
			bi.Status, bi.Reasons = "rejected", []claim.Reason{{Code: claim.ReasonMalformed, Message: it.Where + ": not a JSON object"}}
		case sub.Sent.ProviderID != "" && sub.Sent.ProviderID != p.ProviderID:
			foreign = append(foreign, fmt.Sprintf("%s (claim %s of provider %s)", it.Where, sub.Sent.ClaimID, sub.Sent.ProviderID))
		case !sub.Problems.Empty():
			bi.Status, bi.Reasons = "rejected", claim.ProblemReasons(sub.Problems)
		default:
			accepted = append(accepted, it.Bytes)
		}
		b.Items[i] = bi
	}
	if len(foreign) > 0 {
		if len(foreign) > 5 {
			foreign = append(foreign[:5], fmt.Sprintf("and %d more", len(foreign)-5))
		}
		return b, nil, errorf(codeForbidden, "token of %s may only submit its own claims; nothing was published: %s",
			p.RoleString(), strings.Join(foreign, "; "))
	}
	b.Accepted = len(accepted)
	return b, accepted, nil
}

// produce publishes the accepted items and waits for the broker. It does not stop when the
// client goes away: a batch once begun is produced whole (or its failure recorded).
func (s *Server) produce(ctx context.Context, b store.APIBatch, accepted [][]byte) *apiError {
	if len(accepted) == 0 {
		return nil
	}
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
	defer cancel()
	_, err := pipeline.Submit(pctx, s.cfg.Producer, accepted, b.BatchID, nil)
	if err == nil {
		return nil
	}
	var refused []int
	var se *pipeline.SubmitError
	if errors.As(err, &se) {
		seqs := acceptedSeqs(b)
		for _, it := range se.Items {
			refused = append(refused, seqs[it.Index])
		}
	}
	s.log.Error("produce batch", "batch_id", b.BatchID, "err", err)
	if rerr := s.cfg.Store.SetProduceError(pctx, b.ProviderID, b.BatchID, err.Error(), refused); rerr != nil {
		s.log.Error("record produce error", "batch_id", b.BatchID, "err", rerr)
	}
	return errorf(codeUnavailable, "batch %s: the broker did not acknowledge every claim (%v); GET /v1/batches/%s shows which were taken; "+
		"posting the same claims again is safe (an unchanged claim is an idempotent duplicate)", b.BatchID, err, b.BatchID)
}

// acceptedSeqs maps the accepted items' positions to their positions in the batch.
func acceptedSeqs(b store.APIBatch) []int {
	var out []int
	for i, it := range b.Items {
		if it.Status == "submitted" {
			out = append(out, i)
		}
	}
	return out
}

func answerOf(b store.APIBatch, items []claim.Item) batchAnswer {
	a := batchAnswer{BatchID: b.BatchID, Accepted: b.Accepted, Rejected: []refusedItem{}}
	for i, it := range b.Items {
		if it.Status == "rejected" {
			a.Rejected = append(a.Rejected, refusedItem{Item: i + 1, Where: items[i].Where, ClaimID: it.ClaimID, Reasons: it.Reasons})
		}
	}
	return a
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
