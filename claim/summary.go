package claim

import (
	"sort"

	"github.com/shopspring/decimal"
)

// SummaryRow totals the results of one status or payment method.
type SummaryRow struct {
	Key                                  string
	Count                                int
	Total, FundTotal, MemberPays, ToProv decimal.Decimal
}

// Summary totals a set of results by status and, for adjudicated and held claims, by
// payment method; Rejected lists the rejections by claim id.
type Summary struct {
	ByStatus, ByMethod []SummaryRow
	Rejected           []Result
	// Flagged are the results whose claim rules fired (by claim id); RuleCounts counts them
	// by rule; Held counts held results.
	Flagged    []Result
	RuleCounts map[string]int
	Held       int
	// ByEdit totals the line edits of adjudicated and held results by edit, in id order.
	ByEdit []EditRow
}

// EditRow is one edit's lines and amount over a set of results.
type EditRow struct {
	EditID, Kind, Action, Source string
	Lines                        int
	Amount                       decimal.Decimal
}

// Summarize totals results (a re-emitted duplicate counts again: it is a result).
func Summarize(rs []Result) Summary {
	byStatus, byMethod := map[string]*SummaryRow{}, map[string]*SummaryRow{}
	var byEdit map[string]*EditRow
	var s Summary
	for _, r := range rs {
		addRow(byStatus, r.Status, r)
		if r.Status == StatusAdjudicated || r.Status == StatusHeld {
			addRow(byMethod, r.Method, r)
			byEdit = addEdits(byEdit, r.Edits)
		}
		if r.Status == StatusRejected {
			s.Rejected = append(s.Rejected, r)
		}
		if r.Status == StatusHeld {
			s.Held++
		}
		if r.Fraud != nil && len(r.Fraud.Rules) > 0 {
			s.Flagged = append(s.Flagged, r)
			if s.RuleCounts == nil {
				s.RuleCounts = map[string]int{}
			}
			for _, rule := range r.Fraud.Rules {
				s.RuleCounts[rule]++
			}
		}
	}
	s.ByStatus, s.ByMethod = sortedRows(byStatus), sortedRows(byMethod)
	for _, e := range byEdit {
		s.ByEdit = append(s.ByEdit, *e)
	}
	sort.Slice(s.ByEdit, func(i, j int) bool { return s.ByEdit[i].EditID < s.ByEdit[j].EditID })
	sort.SliceStable(s.Rejected, func(i, j int) bool { return s.Rejected[i].ClaimID < s.Rejected[j].ClaimID })
	sort.SliceStable(s.Flagged, func(i, j int) bool { return s.Flagged[i].ClaimID < s.Flagged[j].ClaimID })
	return s
}

func addEdits(m map[string]*EditRow, hits []EditHit) map[string]*EditRow {
	for _, h := range hits {
		if m == nil {
			m = map[string]*EditRow{}
		}
		e := m[h.EditID]
		if e == nil {
			e = &EditRow{EditID: h.EditID, Kind: h.Kind, Action: h.Action, Source: h.Source}
			m[h.EditID] = e
		}
		e.Lines++
		e.Amount = e.Amount.Add(h.Amount.Decimal)
	}
	return m
}

func addRow(m map[string]*SummaryRow, k string, r Result) {
	row := m[k]
	if row == nil {
		row = &SummaryRow{Key: k}
		m[k] = row
	}
	row.Count++
	row.Total = row.Total.Add(r.Total.Dec())
	row.FundTotal = row.FundTotal.Add(r.FundTotal.Dec())
	row.MemberPays = row.MemberPays.Add(r.MemberPays.Dec())
	row.ToProv = row.ToProv.Add(r.FundToProvider.Dec())
}

func sortedRows(m map[string]*SummaryRow) []SummaryRow {
	out := make([]SummaryRow, 0, len(m))
	for _, r := range m {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}
