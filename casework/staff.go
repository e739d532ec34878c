package casework

import (
	"context"
	"slices"
	"strings"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment"
	"medclaims/policy"
	"medclaims/store"
)

// staffRule applies FRAUD.md §9.3 after a move changed people's standing: each provider
// where one of them is registered is checked, all its registered staff qualified now; one
// whose share of suspended or terminated staff reaches staff_suspend_share has its payment
// suspended, with the staff_suspended flag and a case the system opens on it.
func (s Service) staffRule(ctx context.Context, changed []fraud.PersonStatus, now time.Time) error {
	if len(changed) == 0 {
		return nil
	}
	bundles, err := s.Store.Policies(ctx, payment.PolicyOptions())
	if err != nil {
		return err
	}
	b := policy.InForce(bundles, claim.Today(now))
	if b == nil || b.Practitioners == nil {
		return nil
	}
	params := fraud.NewParams(b.Fraud)
	for _, provider := range staffProviders(b, changed) {
		if err := s.checkStaff(ctx, b, params, provider, now); err != nil {
			return err
		}
	}
	return nil
}

// staffProviders are the providers the changed people are registered at, sorted.
func staffProviders(b *policy.Bundle, changed []fraud.PersonStatus) []string {
	var out []string
	for _, p := range changed {
		if r := b.Practitioners[p.PractitionerID]; r != nil {
			for _, id := range r.ProviderIDs {
				if !slices.Contains(out, id) {
					out = append(out, id)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

func (s Service) checkStaff(ctx context.Context, b *policy.Bundle, params fraud.Params, provider string, now time.Time) error {
	var registered []string
	for id, p := range b.Practitioners {
		if p.RegisteredAt(provider) {
			registered = append(registered, id)
		}
	}
	slices.Sort(registered)
	ledgers, err := s.Store.Points(ctx, registered)
	if err != nil {
		return err
	}
	quals := map[string]fraud.Qualification{}
	for id, l := range ledgers {
		quals[id] = fraud.Qualify(l, now, params.People)
	}
	flag, ok := params.StaffFlag(provider, registered, quals, now)
	if !ok {
		return nil
	}
	system := fraud.Actor{Name: "medclaims", Role: fraud.ActorSystem}
	c, err := fraud.OpenCase(store.NewCaseID(), system, provider, []fraud.Flag{flag}, now,
		"payment suspended (暂停拨付): "+flag.Evidence["share"].(string)+" of the registered staff suspended or terminated ("+
			strings.Join(flag.Evidence["suspended_or_terminated"].([]string), ", ")+")")
	if err != nil {
		return err
	}
	_, err = s.Store.SuspendForStaff(ctx, flag, c, now)
	return err
}
