package api

import (
	"errors"
	"net/http"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/store"
)

// Payment statuses of a claim (CONTRACT.md); released, denied and recovered are what a
// case decision made of it (store.ClaimView.Decided).
const (
	paymentPayable = "payable"
	paymentHeld    = "held"
)

// claimView is the answer of GET /v1/claims/{provider_id}/{claim_id}: the current result
// with its explanation, and beside it the versions, the payment status and the flags.
type claimView struct {
	claim.Result
	Versions      []claimVersion `json:"versions"`
	PaymentStatus string         `json:"payment_status,omitempty"`
	Flags         []fraud.Flag   `json:"flags,omitempty"`
}

// getClaim shows one claim. Flags are for the agency and investigators: a hospital reads
// why a claim is held in the result's fraud block and, once a case is opened, in the case.
func (s *Server) getClaim(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	k := claim.Key{ProviderID: r.PathValue("provider_id"), ClaimID: r.PathValue("claim_id")}
	if aerr := ownProvider(p, k.ProviderID); aerr != nil {
		writeError(w, aerr)
		return
	}
	v, err := s.cfg.Store.Claim(r.Context(), k)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, errorf(codeNotFound, "no claim %s of provider %s", k.ClaimID, k.ProviderID))
		return
	}
	if err != nil {
		s.internal(w, "read claim", err)
		return
	}
	out := claimView{Result: v.Current, Versions: versionsOf(v.Versions), PaymentStatus: paymentStatus(v.Current.Status)}
	if v.Decided != "" && out.PaymentStatus != "" {
		out.PaymentStatus = v.Decided // released, denied or recovered by a case decision
	}
	if p.Role != RoleHospital {
		out.Flags = v.Flags
		if out.Flags == nil {
			out.Flags = []fraud.Flag{}
		}
	}
	writeJSON(w, http.StatusOK, out)
}

// paymentStatus is payable for an adjudicated claim and held for a held one; a rejected or
// voided claim has none.
func paymentStatus(status string) string {
	switch status {
	case claim.StatusAdjudicated:
		return paymentPayable
	case claim.StatusHeld:
		return paymentHeld
	}
	return ""
}

// getProvider shows a provider's designation, payment suspension and fraud score; a
// hospital may read only its own.
func (s *Server) getProvider(w http.ResponseWriter, r *http.Request) {
	p := principalOf(r.Context())
	id := r.PathValue("provider_id")
	if aerr := ownProvider(p, id); aerr != nil {
		writeError(w, aerr)
		return
	}
	v, err := s.cfg.Store.ProviderStanding(r.Context(), id, s.cfg.Now())
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, errorf(codeNotFound, "no provider %s in the loaded policy", id))
		return
	}
	if err != nil {
		s.internal(w, "read provider", err)
		return
	}
	writeJSON(w, http.StatusOK, providerOfView(v))
}
