// Package closing runs a period close for the command line and the API: it reads the
// period from the store, lets package settlement compute the statement, and stores it as a
// new version only when something changed. No HTTP, no SQL.
package closing

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"medclaims/payment"
	"medclaims/policy"
	"medclaims/settlement"
	"medclaims/store"
)

// ErrBadPeriod is a period that is not YYYY-MM; ErrNoPolicy a period no policy version is
// in force for; ErrClosedMeanwhile a close that another close of the period overtook with
// a different statement (closing again settles it).
var (
	ErrBadPeriod       = errors.New("bad period")
	ErrNoPolicy        = errors.New("no policy version is in force")
	ErrClosedMeanwhile = errors.New("another close of the period stored a different statement meanwhile")
)

// Service closes periods.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// Result is what a close did.
type Result struct {
	Statement settlement.Document
	Unchanged bool                 // the stored version already says this
	Previous  *settlement.Document // the version before, when this close made a new one
	DryRun    bool
}

// ParsePeriod reads YYYY-MM.
func ParsePeriod(p string) (time.Time, error) {
	t, err := time.Parse("2006-01", p)
	if err != nil || t.Format("2006-01") != p {
		return time.Time{}, fmt.Errorf("%w %q: want YYYY-MM", ErrBadPeriod, p)
	}
	return t, nil
}

// Close computes the period's statement and stores it as version N+1 unless it equals
// version N (then it says unchanged); a dry run stores nothing.
func (s Service) Close(ctx context.Context, period string, dryRun bool) (Result, error) {
	in, err := s.input(ctx, period)
	if err != nil {
		return Result{}, err
	}
	doc := settlement.Close(in)
	hash, err := hashOf(doc)
	if err != nil {
		return Result{}, err
	}
	last, err := s.Store.LatestStatement(ctx, period)
	if err != nil {
		return Result{}, err
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	if last != nil && last.Hash == hash {
		return Result{Statement: last.Doc, Unchanged: true, DryRun: dryRun}, nil
	}
	doc.Version, doc.ClosedAt = 1, now
	var prev *settlement.Document
	if last != nil {
		doc.Version, prev = last.Version+1, &last.Doc
	}
	if dryRun {
		return Result{Statement: doc, Previous: prev, DryRun: true}, nil
	}
	if err := s.Store.SaveStatement(ctx, doc, hash, now); err != nil {
		return s.overtaken(ctx, period, hash, err)
	}
	return Result{Statement: doc, Previous: prev}, nil
}

// overtaken answers a close whose version another close stored first: unchanged when that
// one says the same, else ErrClosedMeanwhile.
func (s Service) overtaken(ctx context.Context, period, hash string, err error) (Result, error) {
	if !errors.Is(err, store.ErrStatementExists) {
		return Result{}, err
	}
	last, rerr := s.Store.LatestStatement(ctx, period)
	if rerr != nil {
		return Result{}, errors.Join(err, rerr)
	}
	if last != nil && last.Hash == hash {
		return Result{Statement: last.Doc, Unchanged: true}, nil
	}
	return Result{}, fmt.Errorf("close %s: %w: close again to see it", period, ErrClosedMeanwhile)
}

func (s Service) input(ctx context.Context, period string) (settlement.CloseInput, error) {
	month, err := ParsePeriod(period)
	if err != nil {
		return settlement.CloseInput{}, err
	}
	bundle, err := s.bundle(ctx, month.AddDate(0, 1, -1))
	if err != nil {
		return settlement.CloseInput{}, err
	}
	in := settlement.CloseInput{Period: period, Month: month, PolicyVersion: bundle.Version, Bundle: bundle, Now: s.Now()}
	if in.Providers, err = s.Store.AllProviders(ctx); err != nil {
		return in, err
	}
	if in.Claims, err = s.Store.PeriodClaims(ctx, period); err != nil {
		return in, err
	}
	if in.Earlier, err = s.Store.DecidedIn(ctx, period); err != nil {
		return in, err
	}
	if month.Month() == time.December {
		if in.YearActual, err = s.Store.YearPaid(ctx, period); err != nil {
			return in, err
		}
		if in.YearDRGAdjust, err = s.Store.YearDRGAdjustments(ctx, period); err != nil {
			return in, err
		}
	}
	return in, nil
}

// bundle is the policy version in force on the period's last day.
func (s Service) bundle(ctx context.Context, last time.Time) (*policy.Bundle, error) {
	bundles, err := s.Store.Policies(ctx, payment.PolicyOptions())
	if err != nil {
		return nil, err
	}
	best := policy.InForce(bundles, last)
	if best == nil {
		return nil, fmt.Errorf("%w on %s, the period's last day: load a bundle first", ErrNoPolicy, last.Format("2006-01-02"))
	}
	return best, nil
}

// hashOf identifies a statement's content, version and closing time aside.
func hashOf(doc settlement.Document) (string, error) {
	doc.Version, doc.ClosedAt = 0, time.Time{}
	b, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}
