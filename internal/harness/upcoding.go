package harness

import (
	"context"
	"fmt"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/casework"
	"medclaims/claim"
	"medclaims/closing"
	"medclaims/fraud"
	"medclaims/settlement"
	"medclaims/store"
)

// UpcodingStory is the demo's DRG step (FRAUD.md §8.5, §5): the batch's upcoded stay is
// confirmed as upcoding, which recovers its overpayment only, and the month of the decision
// is closed.
type UpcodingStory struct {
	Flag           fraud.Flag
	CaseID         string
	FundToProvider claim.Money // the claim's fund share, which stays paid less the overpayment
	Finding        fraud.Finding
	Statement      settlement.Document
}

// TellUpcodingStory opens a case on the batch's unsupported_cc flag, confirms an upcoding
// finding at the lowest fine of its range, and closes the decision's month (Beijing).
func TellUpcodingStory(ctx context.Context, st *store.Store, now func() time.Time) (UpcodingStory, error) {
	var s UpcodingStory
	flags, _, err := st.FlagPage(ctx, store.FlagFilter{Rule: fraud.UnsupportedCC, Status: fraud.StatusOpen, Limit: 1})
	if err != nil || len(flags) == 0 {
		return s, fmt.Errorf("no open unsupported_cc flag for the demo's upcoding case (%v)", err)
	}
	s.Flag = flags[0]
	p := s.Flag.ProviderID
	pay, err := st.CasePayments(ctx, p, s.Flag.ClaimIDs[:1])
	if err != nil {
		return s, err
	}
	s.FundToProvider = claim.Money{Decimal: pay[s.Flag.ClaimIDs[0]].FundToProvider}
	inv := fraud.Actor{Name: "demo investigator", Role: fraud.ActorInvestigator}
	cw := casework.Service{Store: st, Now: now}
	c, err := cw.Open(ctx, inv, p, []string{s.Flag.FlagID}, "coding review of "+s.Flag.ClaimIDs[0])
	if err == nil {
		_, err = cw.Notify(ctx, inv, c.CaseID, "the record shows no exam for the coded injuries")
	}
	if err == nil {
		_, err = cw.Respond(ctx, fraud.Actor{Name: p + " HIS", Role: fraud.ActorHospital, ProviderID: p}, c.CaseID, "the coder followed the admission note")
	}
	if err != nil {
		return s, err
	}
	over, _ := s.Flag.Evidence["overpayment"].(string)
	fine, err := decimal.NewFromString(over)
	if err != nil {
		return s, fmt.Errorf("flag %s overpayment %q: %w", s.Flag.FlagID, over, err)
	}
	decided, err := cw.Decide(ctx, inv, c.CaseID, fraud.Decision{Decision: fraud.DecisionConfirm, Note: "complications not supported by the record",
		Findings: []fraud.Finding{{Type: fraud.FindingUpcoding, ClaimIDs: s.Flag.ClaimIDs[:1], Fine: claim.M(fine)}}})
	if err != nil {
		return s, err
	}
	s.CaseID, s.Finding = c.CaseID, decided.Findings[0]
	res, err := closing.Service{Store: st, Now: now}.Close(ctx, claim.Today(now()).Format("2006-01"), false)
	s.Statement = res.Statement
	return s, err
}
