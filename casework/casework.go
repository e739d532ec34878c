// Package casework carries out investigators' and hospitals' moves on cases: it reads what
// a move needs from the store, lets package fraud decide, and saves the result with its
// audit event in one transaction. The API and the command line both go through it, so a
// case moves by the same rules whichever door it comes in by. No HTTP, no SQL.
package casework

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

// Service moves cases.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// Get reads a case the actor may see: a hospital only its own (another's is not found).
func (s Service) Get(ctx context.Context, a fraud.Actor, id string) (*fraud.Case, error) {
	c, err := s.Store.Case(ctx, id)
	if err == nil && a.Role == fraud.ActorHospital && c.ProviderID != a.ProviderID {
		return nil, store.ErrNotFound
	}
	return c, err
}

// Open opens a case on open flags of one provider.
func (s Service) Open(ctx context.Context, a fraud.Actor, providerID string, flagIDs []string, note string) (fraud.Case, error) {
	flags, err := s.Store.FlagsByID(ctx, flagIDs)
	if err != nil {
		return fraud.Case{}, err
	}
	for _, id := range flagIDs {
		i := slices.IndexFunc(flags, func(f fraud.Flag) bool { return f.FlagID == id })
		switch {
		case i < 0:
			return fraud.Case{}, fmt.Errorf("open a case: %w: no flag %s", fraud.ErrInvalid, id)
		case flags[i].Status != fraud.StatusOpen:
			return fraud.Case{}, fmt.Errorf("open a case: %w: flag %s is %s, not open: it belongs to a case already", fraud.ErrTransition, id, flags[i].Status)
		}
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	c, err := fraud.OpenCase(store.NewCaseID(), a, providerID, flags, now, note)
	if err != nil {
		return fraud.Case{}, err
	}
	return c, s.Store.SaveCase(ctx, store.NewCaseChange(c, "", nil, now))
}

// Notify sends the allegation; the deadline is now plus the policy's response_days.
func (s Service) Notify(ctx context.Context, a fraud.Actor, id, note string) (fraud.Case, error) {
	params, err := s.params(ctx)
	days := params.ResponseDays
	if err != nil {
		return fraud.Case{}, err
	}
	return s.move(ctx, a, id, func(c fraud.Case, now time.Time) (fraud.Case, *fraud.Outcome, error) {
		n, err := c.Notify(a, now, days, note)
		return n, nil, err
	})
}

// Respond records the hospital's statement.
func (s Service) Respond(ctx context.Context, a fraud.Actor, id, statement string) (fraud.Case, error) {
	return s.move(ctx, a, id, func(c fraud.Case, now time.Time) (fraud.Case, *fraud.Outcome, error) {
		n, err := c.Respond(a, now, statement)
		return n, nil, err
	})
}

// Decide confirms or dismisses the case, with what the decision does to claims,
// designation and register.
func (s Service) Decide(ctx context.Context, a fraud.Actor, id string, dec fraud.Decision) (fraud.Case, error) {
	var changed []fraud.PersonStatus
	c, err := s.move(ctx, a, id, func(c fraud.Case, now time.Time) (fraud.Case, *fraud.Outcome, error) {
		ids := slices.Clone(c.ClaimIDs)
		for _, f := range dec.Findings {
			ids = append(ids, f.ClaimIDs...)
		}
		claims, err := s.Store.CasePayments(ctx, c.ProviderID, ids)
		if err != nil {
			return c, nil, err
		}
		o, err := c.Decide(a, now, dec, claims)
		if err != nil {
			return c, nil, err
		}
		if err := s.qualify(ctx, &o, now); err != nil {
			return c, nil, err
		}
		changed = o.People
		return o.Case, &o, nil
	})
	if err != nil {
		return c, err
	}
	return c, s.staffRule(ctx, changed, s.Now().UTC())
}

// move reads the case, applies the move and saves it; a case moved by someone else
// meanwhile is refused (store.ErrCaseMoved).
func (s Service) move(ctx context.Context, a fraud.Actor, id string, fn func(fraud.Case, time.Time) (fraud.Case, *fraud.Outcome, error)) (fraud.Case, error) {
	c, err := s.Get(ctx, a, id)
	if err != nil {
		return fraud.Case{}, err
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	next, outcome, err := fn(*c, now)
	if err != nil {
		return fraud.Case{}, err
	}
	ch := store.NewCaseChange(next, c.State, outcome, now)
	ch.FromAppeal = store.AppealStage(*c)
	return next, s.Store.SaveCase(ctx, ch)
}

// Appeal files the case's hospital's appeal (申诉), once, within appeal_days of the decision.
func (s Service) Appeal(ctx context.Context, a fraud.Actor, id, statement string) (fraud.Case, error) {
	return s.move(ctx, a, id, func(c fraud.Case, now time.Time) (fraud.Case, *fraud.Outcome, error) {
		params, err := s.params(ctx)
		if err != nil {
			return c, nil, err
		}
		next, err := c.FileAppeal(a, now, statement, params.People.AppealDays)
		return next, nil, err
	})
}

// DecideAppeal upholds or amends the decision; an amendment's reversals (points, payments,
// the designation) are saved with it and the people's new standing published.
func (s Service) DecideAppeal(ctx context.Context, a fraud.Actor, id, outcome, note string, amended []fraud.Finding) (fraud.Case, error) {
	var changed []fraud.PersonStatus
	c, err := s.move(ctx, a, id, func(c fraud.Case, now time.Time) (fraud.Case, *fraud.Outcome, error) {
		var people, claimIDs []string
		for _, f := range c.Findings {
			people, claimIDs = append(people, f.PractitionerIDs...), append(claimIDs, f.ClaimIDs...)
		}
		ledgers, err := s.Store.Points(ctx, people)
		if err != nil {
			return c, nil, err
		}
		var ledger []fraud.PointsEntry
		for _, es := range ledgers {
			for _, e := range es {
				if e.CaseID == c.CaseID {
					ledger = append(ledger, e)
				}
			}
		}
		claims, err := s.Store.CasePayments(ctx, c.ProviderID, claimIDs)
		if err != nil {
			return c, nil, err
		}
		next, ch, err := c.DecideAppeal(a, now, outcome, note, amended, ledger, claims)
		if err != nil {
			return c, nil, err
		}
		o := &fraud.Outcome{Points: ch.Points, Designation: ch.Designation, Reversals: &ch}
		err = s.qualify(ctx, o, now)
		changed = o.People
		return next, o, err
	})
	if err != nil {
		return c, err
	}
	return c, s.staffRule(ctx, changed, s.Now().UTC())
}

// params are the fraud parameters of the policy version in force today (FRAUD.md §4, §9).
func (s Service) params(ctx context.Context) (fraud.Params, error) {
	bundles, err := s.Store.Policies(ctx, payment.PolicyOptions())
	if err != nil {
		return fraud.Params{}, fmt.Errorf("read the policy's fraud parameters: %w", err)
	}
	var params policy.FraudParams
	if b := policy.InForce(bundles, claim.Today(s.Now())); b != nil {
		params = b.Fraud
	}
	return fraud.NewParams(params), nil
}

// qualify gives the outcome the qualification each practitioner it gives points has after
// it: their ledgers with the new entries, at the decision's time (published on
// providers.status).
func (s Service) qualify(ctx context.Context, o *fraud.Outcome, now time.Time) error {
	if len(o.Points) == 0 {
		return nil
	}
	var ids []string
	for _, e := range o.Points {
		ids = append(ids, e.PractitionerID)
	}
	ledgers, err := s.Store.Points(ctx, ids)
	if err != nil {
		return err
	}
	params, err := s.params(ctx)
	if err != nil {
		return err
	}
	for _, e := range o.Points {
		ledgers[e.PractitionerID] = append(ledgers[e.PractitionerID], e)
	}
	for _, id := range slices.Sorted(maps.Keys(ledgers)) {
		o.People = append(o.People, fraud.PersonStatus{PractitionerID: id, Qualification: fraud.Qualify(ledgers[id], now, params.People)})
	}
	return nil
}

// Kind sorts a casework error: a refused transition (conflict), a role that may not
// (forbidden), wrong content (invalid), a missing case (not found), or another failure.
func Kind(err error) string {
	switch {
	case errors.Is(err, fraud.ErrTransition), errors.Is(err, store.ErrCaseMoved), errors.Is(err, store.ErrFlagTaken):
		return "conflict"
	case errors.Is(err, fraud.ErrNotAllowed):
		return "forbidden"
	case errors.Is(err, fraud.ErrInvalid):
		return "invalid"
	case errors.Is(err, store.ErrNotFound):
		return "not_found"
	}
	return "failed"
}
