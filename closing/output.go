package closing

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/settlement"
)

// OnlyProvider keeps one provider's part of a statement ("" keeps all).
func OnlyProvider(doc settlement.Document, id string) settlement.Document {
	if id == "" {
		return doc
	}
	var ps []settlement.ProviderDoc
	for _, p := range doc.Providers {
		if p.ProviderID == id {
			ps = append(ps, p)
		}
	}
	doc.Providers = ps
	if doc.Providers == nil {
		doc.Providers = []settlement.ProviderDoc{}
	}
	return doc
}

// WriteCSV writes a statement as CSV for a spreadsheet: UTF-8 with a byte-order mark, a
// header, one row per claim, a totals row per provider (claim_id TOTAL, its net payable).
func WriteCSV(w io.Writer, doc settlement.Document) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := claim.NewCSVWriter(w)
	_ = cw.Write([]string{"period", "version", "provider_id", "claim_id", "method", "fund_to_provider", "payment_status", "net_payable"})
	v := fmt.Sprint(doc.Version)
	for _, p := range doc.Providers {
		for _, l := range p.ClaimList {
			_ = cw.Write([]string{doc.Period, v, p.ProviderID, l.ClaimID, l.Method, l.FundToProvider.String(), l.PaymentStatus, ""})
		}
		_ = cw.Write([]string{doc.Period, v, p.ProviderID, "TOTAL", "", "", "", p.NetPayable.String()})
	}
	cw.Flush()
	return cw.Error()
}

// WriteSummary prints one line per provider: claims, by method, DRG adjustment,
// capitation, withheld, net payable, and the change against the previous version.
func WriteSummary(w io.Writer, doc settlement.Document, prev *settlement.Document) error {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "provider\tclaims\tby method\tDRG adjustment\tcapitation\twithheld\tnet payable\tchange\t")
	before := map[string]decimal.Decimal{}
	if prev != nil {
		for _, p := range prev.Providers {
			before[p.ProviderID] = p.NetPayable.Dec()
		}
	}
	for _, p := range doc.Providers {
		adj, capitation := "-", "-"
		if p.DRG != nil {
			adj = p.DRG.Adjustment.String()
		}
		if p.Capitation != nil {
			capitation = p.Capitation.Amount.String()
		}
		change := ""
		if prev != nil {
			if d := p.NetPayable.Dec().Sub(before[p.ProviderID]); !d.IsZero() {
				change = d.StringFixed(2)
			}
		}
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n", p.ProviderID, p.Claims, byMethod(p), adj, capitation, p.Withheld.String(), p.NetPayable.String(), change)
	}
	return tw.Flush()
}

func byMethod(p settlement.ProviderDoc) string {
	var ks []string
	for k := range p.ByMethod {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	var parts []string
	for _, k := range ks {
		parts = append(parts, k+" "+p.ByMethod[k].String())
	}
	return strings.Join(parts, ", ")
}
