// Package precheck answers what adjudication would give a claim now, before it is
// submitted (事前提醒, POLICY.md §11): the same book, over the same stored history,
// accumulators, parties and policy versions the adjudication consumer reads, in one
// read-only snapshot that is rolled back. Nothing is stored, published, locked or counted.
// The API (POST /v1/precheck) and `medclaims precheck FILE` call it alike.
package precheck

import (
	"context"
	"errors"
	"fmt"
	"time"

	"medclaims/claim"
	"medclaims/payment"
	"medclaims/store"
)

// ErrForeign refuses a hospital's pre-check that holds another provider's claim.
var ErrForeign = errors.New("the pre-check holds another provider's claim")

// Service pre-checks claims against the database.
type Service struct {
	Store    *store.Store
	Policies *store.PolicyCache
	Now      func() time.Time
}

// Check returns, in order, the result each item would get if the items were submitted now
// one after another (a later item sees the earlier ones). providerID, when set, is the
// hospital asking: every item must be its own. An item that is not a JSON object answers
// rejected malformed, as the API's batches do.
func (s Service) Check(ctx context.Context, providerID string, items []claim.Item) ([]claim.Result, error) {
	subs := make([]*claim.Submission, len(items))
	for i, it := range items {
		sub, err := claim.DecodeSubmission(it.Bytes)
		if err != nil {
			continue
		}
		if providerID != "" && sub.Sent.ProviderID != "" && sub.Sent.ProviderID != providerID {
			return nil, fmt.Errorf("%w: %s is claim %s of provider %s", ErrForeign, it.Where, sub.Sent.ClaimID, sub.Sent.ProviderID)
		}
		subs[i] = &sub
	}
	policies, err := s.Policies.Get(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	out := make([]claim.Result, len(items))
	err = s.Store.Peek(ctx, func(tx *store.Batch) error {
		q := store.BatchQuery{Reach: policies.Reach()}
		for _, sub := range subs {
			if sub != nil {
				q.Add(sub, claim.Source{})
			}
		}
		state, err := tx.Load(ctx, q)
		if err != nil {
			return err
		}
		book := &payment.Book{Policies: policies, Dir: state.Directory(), Claims: state.Claims, Totals: state.Totals,
			History: state.History, Points: state.Points, Trace: state.Trace, Now: func() time.Time { return now }}
		for i, sub := range subs {
			out[i] = answer(book, sub, items[i])
		}
		return nil
	})
	return out, err
}

// answer is one item's pre-check result: no batch, no source, no processing time.
func answer(book *payment.Book, sub *claim.Submission, it claim.Item) claim.Result {
	if sub == nil {
		return claim.Result{Status: claim.StatusRejected, Reasons: []claim.Reason{{Code: claim.ReasonMalformed,
			Message: it.Where + ": not a JSON object"}}}
	}
	sub.BatchID = ""
	r := book.Process(sub, nil).Result
	r.BatchID, r.Source, r.AdjudicatedAt = "", nil, time.Time{}
	return r
}
