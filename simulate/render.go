package simulate

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/shopspring/decimal"

	"medclaims/claim"
)

// WriteText prints the report as tables.
func WriteText(w io.Writer, r *Report) error {
	scope := "every provider"
	if r.ProviderID != "" {
		scope = "provider " + r.ProviderID
	}
	fmt.Fprintf(w, "what-if under draft %s: claims dated %s to %s, %s: %d claims, %d with a result that changes\n",
		r.DraftVersion, claim.FormatDate(r.From), claim.FormatDate(r.To), scope, len(r.Claims), r.Changed)
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "provider\tmethod\tclaims\tfund before\tfund after\tchange\tto provider before\tafter\tchange\trefused after\theld before\tafter\t")
	for _, row := range append(r.Rows, r.Total) {
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t\n", row.ProviderID, row.Method, row.Claims,
			fix(row.FundBefore), fix(row.FundAfter), signed(row.FundChange()), fix(row.ProviderBefore), fix(row.ProviderAfter),
			signed(row.ProviderChange()), fix(row.RefusedAfter), row.HeldBefore, row.HeldAfter)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if len(r.Edits) > 0 {
		fmt.Fprintln(w, "\nby edit (refused: payable by nobody; self_pay: the member pays; flag: money unchanged):")
		tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "edit\tkind\taction\tlines before\tamount before\tlines after\tamount after\tsource")
		for _, e := range r.Edits {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%s\t%s\n", e.EditID, e.Kind, e.Action, e.LinesBefore, fix(e.AmountBefore),
				e.LinesAfter, fix(e.AmountAfter), e.Source)
		}
		_ = tw.Flush()
	}
	writeChanged(w, r)
	if len(r.Holds) > 0 {
		fmt.Fprintln(w, "\nheld claims by rule:")
		for _, h := range r.Holds {
			fmt.Fprintf(w, "  %-28s before %d, after %d\n", h.Rule, h.ClaimsBefore, h.After)
		}
	}
	return nil
}

// writeChanged lists the claims whose result changes (at most 50): status, fund, reasons.
func writeChanged(w io.Writer, r *Report) {
	if r.Changed == 0 {
		return
	}
	fmt.Fprintln(w, "\nclaims whose result changes:")
	n := 0
	for _, c := range r.Claims {
		if sameResult(c.Before, c.After) {
			continue
		}
		if n++; n > 50 {
			fmt.Fprintf(w, "  … and %d more (--csv has every provider's totals)\n", r.Changed-50)
			return
		}
		fmt.Fprintf(w, "  %s/%s: %s → %s, fund %s → %s, refused %s → %s, reasons %v → %v\n", c.Key.ProviderID, c.Key.ClaimID,
			c.Before.Status, c.After.Status, fix(c.Before.FundTotal.Dec()), fix(c.After.FundTotal.Dec()), fix(c.Before.Refused.Dec()),
			fix(c.After.Refused.Dec()), c.Before.ReasonCodes(), c.After.ReasonCodes())
	}
}

// WriteCSV writes one table: a section column tells provider rows, edit rows and hold rows.
func WriteCSV(w io.Writer, r *Report) error {
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"section", "provider_id", "method", "claims", "fund_before", "fund_after", "fund_change",
		"provider_before", "provider_after", "provider_change", "refused_before", "refused_after", "self_pay_before", "self_pay_after",
		"held_before", "held_after", "edit_id", "kind", "action", "source", "rule"})
	for _, row := range append(r.Rows, r.Total) {
		_ = cw.Write([]string{"provider", row.ProviderID, row.Method, strconv.Itoa(row.Claims), fix(row.FundBefore), fix(row.FundAfter),
			fix(row.FundChange()), fix(row.ProviderBefore), fix(row.ProviderAfter), fix(row.ProviderChange()), fix(row.RefusedBefore),
			fix(row.RefusedAfter), fix(row.SelfPayBefore), fix(row.SelfPayAfter), strconv.Itoa(row.HeldBefore), strconv.Itoa(row.HeldAfter),
			"", "", "", "", ""})
	}
	for _, e := range r.Edits {
		_ = cw.Write([]string{"edit", "", "", "", "", "", "", "", "", "", edAmount(e, "refuse", false), edAmount(e, "refuse", true),
			edAmount(e, "self_pay", false), edAmount(e, "self_pay", true), "", "", e.EditID, e.Kind, e.Action, e.Source, ""})
	}
	for _, h := range r.Holds {
		_ = cw.Write([]string{"hold", "", "", "", "", "", "", "", "", "", "", "", "", "", strconv.Itoa(h.ClaimsBefore), strconv.Itoa(h.After),
			"", "", "", "", h.Rule})
	}
	cw.Flush()
	return cw.Error()
}

// edAmount is an edit's amount before or after in the column of its action ("" otherwise).
func edAmount(e EditLine, action string, after bool) string {
	if e.Action != action {
		return ""
	}
	if after {
		return fix(e.AmountAfter)
	}
	return fix(e.AmountBefore)
}

func fix(d decimal.Decimal) string { return d.StringFixed(2) }

func signed(d decimal.Decimal) string {
	if d.IsPositive() {
		return "+" + fix(d)
	}
	return fix(d)
}
