package api

import (
	"net/http"

	"medclaims/claim"
	"medclaims/store"
)

// claimPage shows a claim as a hospital reads it: status and amounts, every reason, the
// lines edits acted on with the source each cites, and the explanation step by step. A
// hospital sees its own claims only.
func (s *Server) claimPage(w http.ResponseWriter, r *http.Request, pg page) {
	k := claim.Key{ProviderID: r.PathValue("provider_id"), ClaimID: r.PathValue("claim_id")}
	if aerr := ownProvider(principalOf(r.Context()), k.ProviderID); aerr != nil {
		s.consoleFail(w, pg, store.ErrNotFound) // another hospital's claim is not there for it
		return
	}
	v, err := s.cfg.Store.Claim(r.Context(), k)
	if err != nil {
		s.consoleFail(w, pg, err)
		return
	}
	pg.Title = "Claim " + k.ClaimID
	s.render(w, http.StatusOK, "claim", struct {
		page
		R      claim.Result
		Amount []amountRow
	}{pg, v.Current, amountRows(v.Current)})
}

// amountRow is one amount of the result, for the page's table.
type amountRow struct{ Name, Value string }

func amountRows(r claim.Result) []amountRow {
	var out []amountRow
	for _, a := range []struct {
		name string
		m    *claim.Money
	}{{"total", r.Total}, {"refused (payable by nobody)", r.Refused}, {"eligible", r.Eligible}, {"self-pay", r.SelfPay},
		{"deductible", r.Deductible}, {"basic fund", r.Basic}, {"critical illness", r.Critical}, {"assistance", r.Assistance},
		{"fund total", r.FundTotal}, {"member pays", r.MemberPays}, {"standard", r.Standard}, {"fund to provider", r.FundToProvider},
		{"provider margin", r.ProviderMargin}} {
		if a.m != nil {
			out = append(out, amountRow{a.name, a.m.String()})
		}
	}
	return out
}
