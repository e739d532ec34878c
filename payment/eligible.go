package payment

import (
	"sort"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// lineStepLimit is how many lines a claim may have before its explanation and its
// not-in-catalogue reasons are grouped by item instead of given line by line.
const lineStepLimit = 200

// eligibleAmount is the §3 outcome: the eligible and self-pay amounts of a claim.
type eligibleAmount struct {
	raw, eligible, selfPay decimal.Decimal
	reasons                []claim.Reason // not_in_catalogue
}

// lineOutcome is one line's eligible amount and how it was reached.
type lineOutcome struct {
	line     *claim.Line
	item     policy.Item
	known    bool
	base, el decimal.Decimal
	capped   bool
	capAmt   decimal.Decimal
}

// eligibleAmounts applies POLICY.md §3 line by line: catalogue class and ratio, the unit
// price ceiling; Σ rounded to 0.01; self-pay is the rest of the total.
func eligibleAmounts(c *claim.Claim, b *policy.Bundle, ex *explainer) eligibleAmount {
	var buf [16]lineOutcome // most claims: no allocation for the line outcomes
	outs := buf[:0]
	if len(c.Lines) <= len(buf) {
		outs = buf[:len(c.Lines)]
	} else {
		outs = make([]lineOutcome, len(c.Lines))
	}
	raw := zero
	for i := range c.Lines {
		outs[i] = priceLine(&c.Lines[i], b)
		if !outs[i].el.IsZero() {
			raw = raw.Add(outs[i].el)
		}
	}
	var reasons []claim.Reason
	if len(c.Lines) > lineStepLimit {
		reasons = explainGrouped(outs, ex)
	} else {
		reasons = explainLines(outs, ex)
	}
	out := eligibleAmount{raw: raw, eligible: raw.Round(2), reasons: reasons}
	out.selfPay = c.Total.Sub(out.eligible)
	ex.add("eligible", "eligible amount Σ eligible lines "+num(raw)+", rounded to 0.01", out.eligible)
	ex.add("self_pay", "self-pay = total "+num(c.Total)+" − eligible "+num(out.eligible), out.selfPay)
	return out
}

func priceLine(l *claim.Line, b *policy.Bundle) lineOutcome {
	item, known := b.Catalogue[l.ItemCode]
	o := lineOutcome{line: l, item: item, known: known, base: l.Amount, el: zero}
	if !known {
		return o
	}
	if item.MaxUnitPrice != nil {
		if capAmt := l.Quantity.Mul(*item.MaxUnitPrice); o.base.GreaterThan(capAmt) {
			o.base, o.capped, o.capAmt = capAmt, true, capAmt
		}
	}
	switch item.Class {
	case "A": // ratio 1 (enforced at load)
		o.el = o.base
	case "C": // ratio 0
	default:
		o.el = o.base.Mul(item.EligibleRatio)
	}
	return o
}

// explainLines gives one step (and, for an unknown item, one reason) per line.
func explainLines(outs []lineOutcome, ex *explainer) []claim.Reason {
	var reasons []claim.Reason
	for _, o := range outs {
		l := o.line
		no := strconv.Itoa(l.LineNo)
		if !o.known {
			reasons = append(reasons, claim.Reason{Code: claim.ReasonNotInCatalogue,
				Message: "line " + no + ": item " + l.ItemCode + " is not in the catalogue, treated as class C (self-pay)"})
			ex.add("line", "line "+no+" "+l.ItemCode+": not in catalogue, class C, eligible 0 of "+num(l.Amount), zero)
			continue
		}
		note := ""
		if o.capped {
			note = ", above the price ceiling " + num(l.Quantity) + " × " + num(*o.item.MaxUnitPrice) + " = " + num(o.capAmt)
		}
		ex.add("line", "line "+no+" "+l.ItemCode+" class "+o.item.Class+note+": "+num(o.base)+" × eligible ratio "+ratioText(o.item), o.el)
	}
	return reasons
}

// itemGroup is the lines of one item code, for a long claim's explanation.
type itemGroup struct {
	code             string
	lines            []int
	amount, base, el decimal.Decimal
	capped           int
	item             policy.Item
	known            bool
}

// explainGrouped gives one step per item code (lines listed, amounts summed exactly) and
// one not_in_catalogue reason for all unknown items: a 10,000-line bill stays readable.
func explainGrouped(outs []lineOutcome, ex *explainer) []claim.Reason {
	groups := map[string]*itemGroup{}
	var order []string
	for _, o := range outs {
		g := groups[o.line.ItemCode]
		if g == nil {
			g = &itemGroup{code: o.line.ItemCode, amount: zero, base: zero, el: zero, item: o.item, known: o.known}
			groups[g.code] = g
			order = append(order, g.code)
		}
		g.lines = append(g.lines, o.line.LineNo)
		g.amount, g.base, g.el = g.amount.Add(o.line.Amount), g.base.Add(o.base), g.el.Add(o.el)
		if o.capped {
			g.capped++
		}
	}
	ex.add("lines", strconv.Itoa(len(outs))+" lines of "+strconv.Itoa(len(order))+" items, grouped by item", nil)
	var unknown []string
	unknownLines := 0
	for _, code := range order {
		g := groups[code]
		what := strconv.Itoa(len(g.lines)) + " line(s) " + lineList(g.lines) + " item " + code
		if !g.known {
			unknown = append(unknown, code)
			unknownLines += len(g.lines)
			ex.add("line", what+": not in catalogue, class C, eligible 0 of Σ "+num(g.amount), zero)
			continue
		}
		note := ""
		if g.capped > 0 {
			note = ", " + strconv.Itoa(g.capped) + " line(s) above the price ceiling"
		}
		ex.add("line", what+" class "+g.item.Class+note+": Σ "+num(g.base)+" × eligible ratio "+ratioText(g.item), g.el)
	}
	if len(unknown) == 0 {
		return nil
	}
	sort.Strings(unknown)
	return []claim.Reason{{Code: claim.ReasonNotInCatalogue, Message: strconv.Itoa(unknownLines) + " line(s) of " +
		strconv.Itoa(len(unknown)) + " item(s) not in the catalogue, treated as class C (self-pay): " + listSome(unknown, 20)}}
}

// lineList renders line numbers compactly: "(1–3, 7, 9)", at most 12 ranges shown.
func lineList(nos []int) string {
	sorted := append([]int(nil), nos...)
	sort.Ints(sorted)
	var parts []string
	for i := 0; i < len(sorted); {
		j := i
		for j+1 < len(sorted) && sorted[j+1] == sorted[j]+1 {
			j++
		}
		if j > i {
			parts = append(parts, strconv.Itoa(sorted[i])+"–"+strconv.Itoa(sorted[j]))
		} else {
			parts = append(parts, strconv.Itoa(sorted[i]))
		}
		i = j + 1
	}
	return "(" + listSome(parts, 12) + ")"
}

// listSome joins up to n items and says how many more there are.
func listSome(items []string, n int) string {
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + " and " + strconv.Itoa(len(items)-n) + " more"
}
