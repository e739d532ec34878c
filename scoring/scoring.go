// Package scoring scores providers (FRAUD.md §3): it reads the marked providers, their
// peer groups and live claims from the store, lets package fraud evaluate each by the policy
// version in force on its latest claim date, and saves scores, payment suspensions,
// provider flags and the system cases a suspension opens, in one transaction. No Kafka, no
// SQL: the pipeline's scoring consumer marks providers and calls it.
package scoring

import (
	"context"
	"sort"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

// Service scores providers.
type Service struct {
	Store *store.Store
	Now   func() time.Time
}

// Score evaluates the marked providers' peer groups in one transaction.
func (s Service) Score(ctx context.Context, versions payment.Policies) error {
	if len(versions) == 0 {
		return nil // nothing is priced without a policy: nothing to score
	}
	now := s.Now().UTC().Truncate(time.Millisecond)
	return s.Store.InScoring(ctx, func(tx *store.Scoring) error {
		ids, err := tx.TakeDirty(ctx)
		if err != nil || len(ids) == 0 {
			return err
		}
		providers, err := tx.PeerGroups(ctx, ids)
		if err != nil {
			return err
		}
		all := make([]string, 0, len(providers))
		for id := range providers {
			all = append(all, id)
		}
		sort.Strings(all) // a fixed order: two evaluators lock rows alike
		facts, err := tx.LiveFacts(ctx, all, windowDays(versions))
		if err != nil {
			return err
		}
		return scoreAll(ctx, tx, versions, all, providers, facts, now)
	})
}

// scoreAll evaluates and saves each provider, then its flags and the suspension cases.
func scoreAll(ctx context.Context, tx *store.Scoring, versions payment.Policies, all []string, providers map[string]*policy.Provider,
	facts map[string][]*fraud.Fact, now time.Time) error {
	groups := fraud.PeerGroups(providers, facts)
	standings, err := tx.Standings(ctx, all)
	if err != nil {
		return err
	}
	var flags []fraud.Flag
	var suspended []suspension
	for _, id := range all {
		p, params := providers[id], paramsOn(versions, facts[id], now)
		res := fraud.EvaluateProvider(params, fraud.ProviderInput{Provider: p, Claims: facts[id], Peers: groups[fraud.PeerGroupKey(p)]})
		rules := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			rules[i] = h.Rule
		}
		st, newly := fraud.NextStanding(standings[id], res.Score, params.HoldScore, now)
		if err := tx.SaveScore(ctx, store.ProviderScore{ProviderID: id, Score: res.Score.String(), Rules: rules,
			FlaggedShare: res.FlaggedShare.String(), PaymentSuspended: st.Suspended, SuspendedAt: st.SuspendedAt, UpdatedAt: now}); err != nil {
			return err
		}
		if newly {
			suspended = append(suspended, suspension{id, res.Score.String()})
		}
		flags = append(flags, params.ProviderFlags(id, res, now)...)
	}
	sort.Slice(flags, func(i, j int) bool { return flags[i].FlagID < flags[j].FlagID })
	if err := tx.SaveProviderFlags(ctx, flags); err != nil {
		return err
	}
	return openSuspensionCases(ctx, tx, suspended, now)
}

type suspension struct{ providerID, score string }

// openSuspensionCases opens a case, as the system, for each provider whose payment was just
// suspended, on its open flags (FRAUD.md §5); a provider whose flags are all in cases
// already gets none.
func openSuspensionCases(ctx context.Context, tx *store.Scoring, suspended []suspension, now time.Time) error {
	system := fraud.Actor{Name: "medclaims", Role: fraud.ActorSystem}
	for _, s := range suspended {
		flags, err := tx.OpenFlags(ctx, s.providerID)
		if err != nil || len(flags) == 0 {
			return err
		}
		c, err := fraud.OpenCase(store.NewCaseID(), system, s.providerID, flags, now,
			"payment suspended (暂停拨付): provider score "+s.score+" reached hold_score")
		if err != nil {
			return err
		}
		if err := tx.SaveCase(ctx, store.NewCaseChange(c, "", nil, now)); err != nil {
			return err
		}
	}
	return nil
}

// paramsOn are the fraud parameters of the version in force on the provider's latest claim
// date (policy.InForce), or on today when it has none in reach.
func paramsOn(versions payment.Policies, claims []*fraud.Fact, now time.Time) fraud.Params {
	var latest time.Time
	for _, c := range claims {
		if d := c.ClaimDate(); d.After(latest) {
			latest = d
		}
	}
	if latest.IsZero() {
		latest = claim.Today(now)
	}
	b := versions.InForce(latest)
	if b == nil {
		b = versions[0] // claims dated before every version were rejected: the earliest judges them
	}
	return fraud.NewParams(b.Fraud)
}

// windowDays is the longest window_days of the versions: what a scoring pass reads.
func windowDays(versions payment.Policies) int {
	days := 0
	for _, b := range versions {
		days = max(days, fraud.NewParams(b.Fraud).WindowDays)
	}
	return days
}
