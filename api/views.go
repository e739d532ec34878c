package api

import (
	"time"

	"medclaims/store"
)

// claimVersion is one stored version of a claim, as GET /v1/claims shows it.
type claimVersion struct {
	Version        int        `json:"version"`
	Status         string     `json:"status"`
	BatchID        string     `json:"batch_id"`
	Method         string     `json:"method"`
	Total          string     `json:"total"`
	FundToProvider string     `json:"fund_to_provider"`
	MemberPays     string     `json:"member_pays"`
	PolicyVersion  string     `json:"policy_version"`
	AdjudicatedAt  time.Time  `json:"adjudicated_at"`
	VoidedAt       *time.Time `json:"voided_at,omitempty"`
}

func versionsOf(vs []store.ClaimVersion) []claimVersion {
	out := make([]claimVersion, len(vs))
	for i, v := range vs {
		out[i] = claimVersion(v)
	}
	return out
}

// providerView is a provider's designation and fraud standing, as GET /v1/providers/{id}
// shows it.
type providerView struct {
	ProviderID       string     `json:"provider_id"`
	Name             string     `json:"name"`
	Level            int        `json:"level"`
	Region           string     `json:"region"`
	Beds             int        `json:"beds"`
	Methods          []string   `json:"methods"`
	Status           string     `json:"status"`
	BannedUntil      *string    `json:"banned_until,omitempty"`
	PaymentSuspended bool       `json:"payment_suspended"`
	SuspendedAt      *time.Time `json:"suspended_at,omitempty"`
	Score            string     `json:"score"`
	Rules            []string   `json:"rules_firing"`
}

func providerOfView(v *store.ProviderView) *providerView {
	pv := providerView(*v)
	return &pv
}
