package payment

// The parties a claim is priced against, and the policy versions.

import (
	"slices"
	"sort"
	"time"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/payment/drg"
	"medclaims/policy"
)

// Directory gives the providers, members and primary-care signups as they stand when a
// claim is processed.
type Directory interface {
	Provider(id string) (*policy.Provider, bool)
	Member(id string) (*policy.Member, bool)
	Signup(memberID, providerID string, date time.Time) (policy.Signup, bool)
}

// BundleDirectory serves providers and members from one bundle (the offline price path).
type BundleDirectory struct{ Bundle *policy.Bundle }

// Provider looks a provider up in the bundle.
func (d BundleDirectory) Provider(id string) (*policy.Provider, bool) {
	p, ok := d.Bundle.Providers[id]
	return p, ok
}

// Member looks a member up in the bundle.
func (d BundleDirectory) Member(id string) (*policy.Member, bool) {
	m, ok := d.Bundle.Members[id]
	return m, ok
}

// Signup finds the member's signup with the provider covering date in the bundle.
func (d BundleDirectory) Signup(memberID, providerID string, date time.Time) (policy.Signup, bool) {
	return d.Bundle.SignupOn(memberID, providerID, date)
}

// Parties serve providers, members and signups as read for a batch of claims.
type Parties struct {
	Providers map[string]*policy.Provider
	Members   map[string]*policy.Member
	Signups   []policy.Signup
}

// Provider looks a provider up.
func (d Parties) Provider(id string) (*policy.Provider, bool) {
	p, ok := d.Providers[id]
	return p, ok
}

// Member looks a member up.
func (d Parties) Member(id string) (*policy.Member, bool) {
	m, ok := d.Members[id]
	return m, ok
}

// Signup finds the member's signup with the provider covering date.
func (d Parties) Signup(memberID, providerID string, date time.Time) (policy.Signup, bool) {
	return policy.FindSignup(d.Signups, memberID, providerID, date)
}

// PolicyOptions are what a bundle is validated against: the DRG grouper data sets shipped
// and the fraud rules' parameters.
func PolicyOptions() policy.Options {
	return policy.Options{Groupers: drg.Schemes(), FraudRules: fraud.RuleKeys()}
}

// Policies are the loaded policy versions; a claim is priced by the version in force on
// its discharge (outpatient: service) date (POLICY.md §9.28).
type Policies []*policy.Bundle

// NewPolicies sorts the versions by effective date.
func NewPolicies(bs ...*policy.Bundle) Policies {
	ps := append(Policies(nil), bs...)
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].EffectiveFrom.Before(ps[j].EffectiveFrom) })
	return ps
}

// Reach is the longest fraud.Params.Reach of the policies: how far before a claim's
// earliest date its member's history must be read.
func (ps Policies) Reach() int {
	days := fraud.Params{}.Reach()
	for _, b := range ps {
		days = max(days, fraud.NewParams(b.Fraud).Reach(), b.RepeatDays())
	}
	return days
}

// HistoryFrom is the first claim date of its member's history that a claim's rules can
// look at: the claim's earliest date less reach days (Policies.Reach). ok is false for a
// submission without dates (a void), which needs the whole history.
func HistoryFrom(c *claim.Claim, reach int) (from time.Time, ok bool) {
	dates := c.Dates()
	if len(dates) == 0 {
		return time.Time{}, false
	}
	return slices.MinFunc(dates, time.Time.Compare).AddDate(0, 0, -reach), true
}

// InForce returns the version in force on date, or nil (policy.InForce).
func (ps Policies) InForce(date time.Time) *policy.Bundle { return policy.InForce(ps, date) }
