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
	refused                decimal.Decimal // payable by nobody (§10), rounded to 0.01
	reasons                []claim.Reason  // not_in_catalogue, line_edit
	hits                   []claim.EditHit // the edits that acted, for the result
}

// lineOutcome is one line's eligible amount and how it was reached.
type lineOutcome struct {
	line     *claim.Line
	item     policy.Item
	known    bool
	base, el decimal.Decimal
	capped   bool
	capAmt   decimal.Decimal
	edited   bool            // edits took part of the line: el is on left, not base
	left     decimal.Decimal // what the edits left of base (§10.2)
}

// eligibleAmounts applies POLICY.md §3 line by line: catalogue class and ratio, the unit
// price ceiling, on what the line edits (§10) left; Σ rounded to 0.01; self-pay is the
// rest of the total less the refused amount.
func eligibleAmounts(in Input, ed edited, ex *explainer) eligibleAmount {
	c, b := in.Claim, in.Bundle
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
		if ed.taken != nil && outs[i].known {
			outs[i].afterEdits(ed, i)
		}
		if !outs[i].el.IsZero() {
			raw = raw.Add(outs[i].el)
		}
	}
	grouped := len(c.Lines) > lineStepLimit
	reasons := append(explainPeople(ed, in, ex), explainEdits(ed, grouped, ex)...)
	if grouped {
		reasons = append(explainGrouped(outs, ex), reasons...)
	} else {
		reasons = append(explainLines(outs, ex), reasons...)
	}
	out := eligibleAmount{raw: raw, eligible: raw.Round(2), refused: ed.refused.Round(2), reasons: reasons, hits: ed.hits}
	out.selfPay = c.Total.Sub(out.refused).Sub(out.eligible)
	ex.add("eligible", "eligible amount Σ eligible lines "+num(raw)+", rounded to 0.01", out.eligible)
	if !ed.refused.IsZero() || ed.hits != nil {
		ex.add("refused", "refused (拒付, payable by nobody: the provider bears it) Σ "+num(ed.refused)+", rounded to 0.01", out.refused)
		ex.add("self_pay", "self-pay = total "+num(c.Total)+" − refused "+num(out.refused)+" − eligible "+num(out.eligible), out.selfPay)
		return out
	}
	ex.add("self_pay", "self-pay = total "+num(c.Total)+" − eligible "+num(out.eligible), out.selfPay)
	return out
}

// afterEdits applies what the line edits took of line i: el is the ratio on what is left.
func (o *lineOutcome) afterEdits(ed edited, i int) {
	t := ed.taken[i]
	if !t.whole && t.x.IsZero() {
		return
	}
	o.edited, o.left = true, ed.remaining(i, o.line, o.base)
	o.el = ratioOf(o.item, o.left)
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
	o.el = ratioOf(item, o.base)
	return o
}

// ratioOf is the eligible part of an amount of the item: class A whole, C none, B its ratio.
func ratioOf(item policy.Item, amount decimal.Decimal) decimal.Decimal {
	switch item.Class {
	case "A": // ratio 1 (enforced at load)
		return amount
	case "C": // ratio 0
		return zero
	}
	return amount.Mul(item.EligibleRatio)
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
		note, on := "", o.base
		if o.capped {
			note = ", above the price ceiling " + num(l.Quantity) + " × " + num(*o.item.MaxUnitPrice) + " = " + num(o.capAmt)
		}
		if o.edited {
			note, on = note+", edits left "+num(o.left)+" of "+num(o.base), o.left
		}
		ex.add("line", "line "+no+" "+l.ItemCode+" class "+o.item.Class+note+": "+num(on)+" × eligible ratio "+ratioText(o.item), o.el)
	}
	return reasons
}

// itemGroup is the lines of one item code, for a long claim's explanation.
type itemGroup struct {
	code             string
	lines            []int
	amount, base, el decimal.Decimal
	capped, edited   int
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
		on := o.base
		if o.edited {
			on, g.edited = o.left, g.edited+1
		}
		g.amount, g.base, g.el = g.amount.Add(o.line.Amount), g.base.Add(on), g.el.Add(o.el)
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
		if g.edited > 0 {
			note += ", " + strconv.Itoa(g.edited) + " line(s) after edits"
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
