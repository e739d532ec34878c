package simulate

import (
	"bytes"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

// Report is a what-if's outcome: by provider and method (the method before), by edit and
// by hold rule, before and after.
type Report struct {
	From, To     time.Time
	ProviderID   string
	DraftVersion string
	Rows         []Row // by provider, then method
	Total        Row
	Edits        []EditLine
	Holds        []HoldLine
	Claims       []Claim // the window's claims, in processing order
	Changed      int     // claims whose result is not the stored one
}

// Row is a provider's claims of one method: fund and provider amounts, refused and
// self-paid amounts, holds, before and after.
type Row struct {
	ProviderID, Method            string
	Claims                        int
	FundBefore, FundAfter         decimal.Decimal // fund_total
	ProviderBefore, ProviderAfter decimal.Decimal // fund_to_provider
	RefusedBefore, RefusedAfter   decimal.Decimal
	SelfPayBefore, SelfPayAfter   decimal.Decimal
	HeldBefore, HeldAfter         int
}

// FundChange and ProviderChange are after − before.
func (r Row) FundChange() decimal.Decimal     { return r.FundAfter.Sub(r.FundBefore) }
func (r Row) ProviderChange() decimal.Decimal { return r.ProviderAfter.Sub(r.ProviderBefore) }

// EditLine is one edit's lines and amount, before and after.
type EditLine struct {
	EditID, Kind, Action, Source string
	LinesBefore, LinesAfter      int
	AmountBefore, AmountAfter    decimal.Decimal
}

// HoldLine is how many claims a rule (or a provider's payment suspension) held.
type HoldLine struct {
	Rule                string
	ClaimsBefore, After int
}

func build(req Request, claims []Claim) *Report {
	rep := &Report{From: req.From, To: req.To, ProviderID: req.ProviderID, DraftVersion: req.Draft.Version}
	rows := map[[2]string]*Row{}
	edits := map[string]*EditLine{}
	holds := map[string]*HoldLine{}
	for _, c := range claims {
		if req.ProviderID != "" && c.Key.ProviderID != req.ProviderID {
			continue
		}
		rep.Claims = append(rep.Claims, c)
		if !sameResult(c.Before, c.After) {
			rep.Changed++
		}
		k := [2]string{c.Key.ProviderID, c.Before.Method}
		if rows[k] == nil {
			rows[k] = &Row{ProviderID: k[0], Method: k[1]}
		}
		rows[k].add(c)
		rep.Total.add(c)
		countEdits(edits, c.Before.Edits, false)
		countEdits(edits, c.After.Edits, true)
		countHolds(holds, c.Before, false)
		countHolds(holds, c.After, true)
	}
	rep.Total.ProviderID, rep.Total.Method = "TOTAL", ""
	rep.Rows = sortedRows(rows)
	for _, e := range edits {
		rep.Edits = append(rep.Edits, *e)
	}
	sort.Slice(rep.Edits, func(i, j int) bool { return rep.Edits[i].EditID < rep.Edits[j].EditID })
	for _, h := range holds {
		rep.Holds = append(rep.Holds, *h)
	}
	sort.Slice(rep.Holds, func(i, j int) bool { return rep.Holds[i].Rule < rep.Holds[j].Rule })
	return rep
}

func (r *Row) add(c Claim) {
	b, a := c.Before, c.After
	r.Claims++
	r.FundBefore, r.FundAfter = r.FundBefore.Add(b.FundTotal.Dec()), r.FundAfter.Add(a.FundTotal.Dec())
	r.ProviderBefore, r.ProviderAfter = r.ProviderBefore.Add(b.FundToProvider.Dec()), r.ProviderAfter.Add(a.FundToProvider.Dec())
	r.RefusedBefore, r.RefusedAfter = r.RefusedBefore.Add(b.Refused.Dec()), r.RefusedAfter.Add(a.Refused.Dec())
	r.SelfPayBefore, r.SelfPayAfter = r.SelfPayBefore.Add(b.SelfPay.Dec()), r.SelfPayAfter.Add(a.SelfPay.Dec())
	if b.Status == claim.StatusHeld {
		r.HeldBefore++
	}
	if a.Status == claim.StatusHeld {
		r.HeldAfter++
	}
}

func countEdits(m map[string]*EditLine, hits []claim.EditHit, after bool) {
	for _, h := range hits {
		e := m[h.EditID]
		if e == nil {
			e = &EditLine{EditID: h.EditID, Kind: h.Kind, Action: h.Action, Source: h.Source}
			m[h.EditID] = e
		}
		if after {
			e.LinesAfter, e.AmountAfter = e.LinesAfter+1, e.AmountAfter.Add(h.Amount.Decimal)
		} else {
			e.LinesBefore, e.AmountBefore = e.LinesBefore+1, e.AmountBefore.Add(h.Amount.Decimal)
		}
	}
}

// countHolds counts a held claim under each rule that fired and under a payment suspension.
func countHolds(m map[string]*HoldLine, r claim.Result, after bool) {
	if r.Status != claim.StatusHeld {
		return
	}
	var rules []string
	if r.Fraud != nil && r.HasReason(claim.ReasonFraudHold) {
		rules = append(rules, r.Fraud.Rules...)
	}
	if r.HasReason(claim.ReasonProviderSuspendedPayment) {
		rules = append(rules, claim.ReasonProviderSuspendedPayment)
	}
	for _, rule := range rules {
		h := m[rule]
		if h == nil {
			h = &HoldLine{Rule: rule}
			m[rule] = h
		}
		if after {
			h.After++
		} else {
			h.ClaimsBefore++
		}
	}
}

func sortedRows(m map[[2]string]*Row) []Row {
	out := make([]Row, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ProviderID != out[j].ProviderID {
			return out[i].ProviderID < out[j].ProviderID
		}
		return out[i].Method < out[j].Method
	})
	return out
}

// sameResult reports whether two results encode alike.
func sameResult(a, b claim.Result) bool { return bytes.Equal(a.AppendJSON(nil), b.AppendJSON(nil)) }
