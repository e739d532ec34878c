// Package simulate is the agency's policy what-if (POLICY.md §11): it re-prices the stored
// live claims of a window under a draft bundle that is not loaded, from the members'
// accumulators as the ledger had them before the window, in the original processing order,
// and compares before and after. It reads one read-only snapshot and changes nothing.
//
// Readings chosen: the window is the claims' claim dates (discharge or service date); each
// claim is re-priced as a new claim with the clock it was first processed at (so a bar or a
// designation reads as it did then); the member history the claim rules and repeat edits
// read is the members' live claims dated before the window plus the window's claims as they
// are re-priced; claims dated after the window are left out. The draft replaces the stored
// version of the same name, or joins the stored versions by its effective date.
package simulate

import (
	"context"
	"fmt"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

// Request is one what-if.
type Request struct {
	Draft      *policy.Bundle
	From, To   time.Time
	ProviderID string // "": every provider
}

// Claim is one window claim before and after.
type Claim struct {
	Key           claim.Key
	Before, After claim.Result
}

// Run re-prices the window and returns the report; the store is read, never written.
func Run(ctx context.Context, st *store.Store, req Request) (*Report, error) {
	if req.To.Before(req.From) {
		return nil, fmt.Errorf("simulate: --to %s is before --from %s", claim.FormatDate(req.To), claim.FormatDate(req.From))
	}
	stored, err := st.Policies(ctx, payment.PolicyOptions())
	if err != nil {
		return nil, err
	}
	policies := withDraft(stored, req.Draft)
	var claims []Claim
	err = st.Peek(ctx, func(tx *store.Batch) error {
		events, err := tx.WindowEvents(ctx, req.From, req.To)
		if err != nil {
			return err
		}
		claims, err = reprice(ctx, tx, policies, events, req.From)
		return err
	})
	if err != nil {
		return nil, err
	}
	return build(req, claims), nil
}

// withDraft is the stored versions with the draft in place of the one of its name.
func withDraft(stored []*policy.Bundle, draft *policy.Bundle) payment.Policies {
	out := []*policy.Bundle{draft}
	for _, b := range stored {
		if b.Version != draft.Version {
			out = append(out, b)
		}
	}
	return payment.NewPolicies(out...)
}

// reprice replays the window's events (versions and voids) through one book, in their
// processing order, and pairs each live claim's stored result with the book's.
func reprice(ctx context.Context, tx *store.Batch, ps payment.Policies, events []store.WindowEvent, from time.Time) ([]Claim, error) {
	subs := make([]claim.Submission, len(events))
	q := store.BatchQuery{Reach: ps.Reach()}
	inWindow := map[claim.Key]bool{}
	for i, e := range events {
		s, err := replayed(e)
		if err != nil {
			return nil, err
		}
		subs[i] = s
		q.Add(&subs[i], claim.Source{})
		inWindow[e.Key] = true
	}
	state, err := tx.Load(ctx, q)
	if err != nil {
		return nil, err
	}
	totals, err := tx.TotalsBefore(ctx, events)
	if err != nil {
		return nil, err
	}
	for k := range inWindow {
		delete(state.Claims, k) // replayed from their first version
	}
	book := &payment.Book{Policies: ps, Dir: state.Directory(), Claims: state.Claims, Totals: totals,
		History: before(state.History, inWindow, from), Points: state.Points, Trace: outside(state.Trace, inWindow)}
	var out []Claim
	for i, e := range events {
		at := e.At
		book.Now = func() time.Time { return at }
		r := book.Process(&subs[i], nil).Result
		if e.Live {
			r.Version, r.Kind, r.BatchID, r.Source, r.AdjudicatedAt = e.Result.Version, e.Result.Kind, e.Result.BatchID, e.Result.Source, e.Result.AdjudicatedAt
			out = append(out, Claim{Key: e.Key, Before: e.Result, After: r})
		}
	}
	return out, nil
}

// replayed is the submission an event replays: a version's as sent, or a void.
func replayed(e store.WindowEvent) (claim.Submission, error) {
	if e.Void {
		return claim.Submission{Kind: claim.KindVoid, Claim: claim.Claim{ProviderID: e.Key.ProviderID, ClaimID: e.Key.ClaimID,
			MemberID: e.MemberID}}, nil
	}
	s, err := claim.DecodeSubmission(e.Submission)
	if err != nil {
		return s, fmt.Errorf("stored submission of %s/%s: %w", e.Key.ProviderID, e.Key.ClaimID, err)
	}
	s.BatchID = ""
	return s, nil
}

// outside keeps the traceability-code settlements of claims outside the window: the
// window's own settle again as they are replayed.
func outside(trace map[string][]fraud.TraceUse, inWindow map[claim.Key]bool) map[string][]fraud.TraceUse {
	out := make(map[string][]fraud.TraceUse, len(trace))
	for code, uses := range trace {
		for _, u := range uses {
			if !inWindow[u.Key] {
				out[code] = append(out[code], u)
			}
		}
	}
	return out
}

// before keeps the history of claims outside the window dated before it.
func before(history map[string][]*fraud.Fact, inWindow map[claim.Key]bool, from time.Time) map[string][]*fraud.Fact {
	out := make(map[string][]*fraud.Fact, len(history))
	for m, facts := range history {
		for _, f := range facts {
			if !inWindow[f.Key] && f.ClaimDate().Before(from) {
				out[m] = append(out[m], f)
			}
		}
	}
	return out
}
