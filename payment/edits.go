package payment

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/fraud"
	"medclaims/policy"
)

// lineTaken is what the edits took of one line (POLICY.md §10): the whole line, or a
// quantity (units) and an amount (units, discount). Flags take nothing.
type lineTaken struct {
	whole bool
	qty   decimal.Decimal // quantity taken by units edits
	x     decimal.Decimal // acted-on amount, exact: refused and self-paid alike
}

// edited is the edits' outcome for a claim: what each line lost, the entries of the
// result's edits, and the refused amount (exact; rounded at the claim total).
type edited struct {
	taken   []lineTaken // by line index; nil when no edit acted on any line
	hits    []claim.EditHit
	refused decimal.Decimal
	people  []personLine // lines a practitioner's qualification concerns (FRAUD.md §9)
}

// applyEdits tests every line against the bundle's edits in the order of §10.1: the
// whole-line kinds, then units on the quantity left, then discount on the amount left.
func applyEdits(in Input) edited {
	out := edited{refused: zero}
	out.practitioners(in)
	b, c := in.Bundle, in.Claim
	if !b.HasEdits() {
		return out
	}
	some := false
	for i := range c.Lines {
		list := b.EditsFor(c.Lines[i].ItemCode)
		if len(list) == 0 {
			continue
		}
		some = true
		out.take(len(c.Lines))
		if !out.taken[i].whole {
			out.wholeLine(in, i, list)
		}
	}
	if !some {
		return out
	}
	out.units(in)
	out.discount(in)
	if len(out.hits) > 1 {
		sort.SliceStable(out.hits, func(i, j int) bool { return out.hits[i].LineNo < out.hits[j].LineNo })
	}
	return out
}

// take makes room for what the edits take of the claim's n lines.
func (o *edited) take(n int) {
	if o.taken == nil {
		o.taken = make([]lineTaken, n)
	}
}

// hit records an edit acting on line i for amount x; refuse and self_pay take it.
func (o *edited) hit(l *claim.Line, i int, e *policy.Edit, x decimal.Decimal) {
	o.hits = append(o.hits, claim.EditHit{LineNo: l.LineNo, EditID: e.ID, Kind: e.Kind, Action: e.Action,
		Amount: claim.Money{Decimal: x}, Source: e.Source})
	if e.Action == policy.EditFlag {
		return
	}
	o.taken[i].x = o.taken[i].x.Add(x)
	if e.Action == policy.EditRefuse {
		o.refused = o.refused.Add(x)
	}
}

// wholeLine applies the first whole-line edit that acts on line i and is not a flag;
// flags met before it are recorded and do not consume the line.
func (o *edited) wholeLine(in Input, i int, list []*policy.Edit) {
	l := &in.Claim.Lines[i]
	for _, e := range list {
		if !e.WholeLine() {
			return // the list is in kind order: units and discount follow
		}
		if !e.InEffect(l.ServiceDate) || !wholeLineActs(in, l, e) {
			continue
		}
		o.hit(l, i, e, l.Amount)
		if e.Action != policy.EditFlag {
			o.taken[i].whole = true
			return
		}
	}
}

// wholeLineActs reads the kinds sex … repeat of §10 for one line.
func wholeLineActs(in Input, l *claim.Line, e *policy.Edit) bool {
	m := in.Member
	switch e.Kind {
	case "sex":
		return m.Sex != e.Sex
	case "age":
		age := wholeYears(m.BirthDate, l.ServiceDate)
		return (e.AgeMin != nil && age < *e.AgeMin) || (e.AgeMax != nil && age > *e.AgeMax)
	case "indication":
		return !indicated(in.Claim.Diagnoses, e.Prefixes)
	case "level":
		return in.Provider.Level < e.Level
	case "exclusive", "bundled":
		return sameDateLine(in.Claim, l, e.Other)
	case "repeat":
		return !in.Claim.Emergency && repeated(in.Earlier, l, e.Days)
	}
	return false
}

// indicated reports whether a diagnosis of the claim starts with one of the prefixes.
func indicated(dx, prefixes []string) bool {
	for _, d := range dx {
		for _, p := range prefixes {
			if strings.HasPrefix(d, p) {
				return true
			}
		}
	}
	return false
}

// sameDateLine reports whether another line of the claim is of the item, dated as l.
func sameDateLine(c *claim.Claim, l *claim.Line, item string) bool {
	for j := range c.Lines {
		o := &c.Lines[j]
		if o != l && o.ItemCode == item && o.ServiceDate.Equal(l.ServiceDate) {
			return true
		}
	}
	return false
}

// repeated reports whether an earlier claim (of the same provider or alliance) has a line
// of l's item dated within days before l's date (d − days ≤ d0 ≤ d).
func repeated(earlier []*fraud.Fact, l *claim.Line, days int) bool {
	from := l.ServiceDate.AddDate(0, 0, -days)
	for _, f := range earlier {
		for k := range f.Lines {
			x := &f.Lines[k]
			if x.Item == l.ItemCode && !x.Date.Before(from) && !x.Date.After(l.ServiceDate) {
				return true
			}
		}
	}
	return false
}

// units takes the excess quantity of each units edit, per date (day:N) or over the claim
// (claim:N), from the last lines in line_no order (§10, units).
func (o *edited) units(in Input) {
	c := in.Claim
	var done []*policy.Edit // a claim meets few units edits: a slice, no map
	for i := range c.Lines {
		for _, e := range in.Bundle.EditsFor(c.Lines[i].ItemCode) {
			if e.Kind == "units" && !slices.Contains(done, e) {
				done = append(done, e)
				o.unitsEdit(c, e)
			}
		}
	}
}

// unitsEdit applies one units edit: its lines in effect, grouped by date or whole.
func (o *edited) unitsEdit(c *claim.Claim, e *policy.Edit) {
	var idx []int
	for i := range c.Lines {
		if l := &c.Lines[i]; l.ItemCode == e.ItemCode && !o.taken[i].whole && e.InEffect(l.ServiceDate) {
			idx = append(idx, i)
		}
	}
	if e.Per != "day" {
		o.takeExcess(c, e, idx)
		return
	}
	for len(idx) > 0 { // one date at a time, in the order dates first appear
		d := c.Lines[idx[0]].ServiceDate
		var same, rest []int
		for _, i := range idx {
			if c.Lines[i].ServiceDate.Equal(d) {
				same = append(same, i)
			} else {
				rest = append(rest, i)
			}
		}
		o.takeExcess(c, e, same)
		idx = rest
	}
}

// takeExcess takes the group's quantity above the edit's limit from its last lines.
func (o *edited) takeExcess(c *claim.Claim, e *policy.Edit, idx []int) {
	sum := zero
	for _, i := range idx {
		sum = sum.Add(c.Lines[i].Quantity.Sub(o.taken[i].qty))
	}
	excess := sum.Sub(e.Units)
	sort.Slice(idx, func(a, b int) bool { return c.Lines[idx[a]].LineNo > c.Lines[idx[b]].LineNo })
	for _, i := range idx {
		if !excess.IsPositive() {
			return
		}
		l := &c.Lines[i]
		q := decimal.Min(excess, l.Quantity.Sub(o.taken[i].qty))
		if !q.IsPositive() {
			continue
		}
		excess = excess.Sub(q)
		o.hit(l, i, e, q.Mul(l.UnitPrice))
		if e.Action != policy.EditFlag {
			o.taken[i].qty = o.taken[i].qty.Add(q)
		}
	}
}

// discount keeps, on each date, the line of largest remaining amount among the lines of
// discounted items (ties: lowest line_no) and takes (1 − kept ratio) of every other's
// remaining amount (§10, discount: 多项手术).
func (o *edited) discount(in Input) {
	c := in.Claim
	var idx []int
	var edit []*policy.Edit // by position in idx
	for i := range c.Lines {
		l := &c.Lines[i]
		e := firstDiscount(in.Bundle.EditsFor(l.ItemCode), l.ServiceDate)
		if e == nil || o.taken[i].whole || !l.Amount.Sub(o.taken[i].x).IsPositive() {
			continue
		}
		idx, edit = append(idx, i), append(edit, e)
	}
	for len(idx) > 1 { // one date at a time
		d := c.Lines[idx[0]].ServiceDate
		var same, rest []int
		var sameEdit, restEdit []*policy.Edit
		for k, i := range idx {
			if c.Lines[i].ServiceDate.Equal(d) {
				same, sameEdit = append(same, i), append(sameEdit, edit[k])
			} else {
				rest, restEdit = append(rest, i), append(restEdit, edit[k])
			}
		}
		o.discountDate(c, same, sameEdit)
		idx, edit = rest, restEdit
	}
}

// discountDate keeps the largest of one date's lines and discounts the others.
func (o *edited) discountDate(c *claim.Claim, idx []int, edit []*policy.Edit) {
	keep := o.largest(c, idx)
	for k, i := range idx {
		if i != keep {
			left := c.Lines[i].Amount.Sub(o.taken[i].x)
			o.hit(&c.Lines[i], i, edit[k], one.Sub(edit[k].Keep).Mul(left))
		}
	}
}

// firstDiscount is the item's discount edit in effect on date (the first by edit_id).
func firstDiscount(list []*policy.Edit, date time.Time) *policy.Edit {
	for _, e := range list {
		if e.Kind == "discount" && e.InEffect(date) {
			return e
		}
	}
	return nil
}

// largest is the line of largest remaining amount; ties go to the lowest line_no.
func (o *edited) largest(c *claim.Claim, idx []int) int {
	best := idx[0]
	for _, i := range idx[1:] {
		li, lb := c.Lines[i].Amount.Sub(o.taken[i].x), c.Lines[best].Amount.Sub(o.taken[best].x)
		if li.GreaterThan(lb) || (li.Equal(lb) && c.Lines[i].LineNo < c.Lines[best].LineNo) {
			best = i
		}
	}
	return best
}

// remaining is the share of line i's amount the edits left: (amount − x) / amount.
func (o *edited) remaining(i int, l *claim.Line, base decimal.Decimal) decimal.Decimal {
	if o.taken == nil {
		return base
	}
	t := o.taken[i]
	switch {
	case t.whole:
		return zero
	case t.x.IsZero():
		return base
	case base.Equal(l.Amount): // not capped: amount − x, exact
		return l.Amount.Sub(t.x)
	}
	return base.Mul(l.Amount.Sub(t.x)).DivRound(l.Amount, divPlaces)
}

// explainEdits gives one step and one line_edit reason per acted-on line, citing sources.
func explainEdits(o edited, grouped bool, ex *explainer) []claim.Reason {
	if len(o.hits) == 0 {
		return nil
	}
	if grouped {
		return explainEditsGrouped(o, ex)
	}
	reasons := make([]claim.Reason, 0, len(o.hits))
	for _, h := range o.hits {
		text := editText(h)
		ex.add("edit", text, h.Amount.Decimal)
		reasons = append(reasons, claim.Reason{Code: claim.ReasonLineEdit, Message: text})
	}
	return reasons
}

// explainEditsGrouped is for long claims: one step per edit, one reason per acted-on line.
func explainEditsGrouped(o edited, ex *explainer) []claim.Reason {
	type group struct {
		h     claim.EditHit
		lines []int
		sum   decimal.Decimal
	}
	groups := map[string]*group{}
	var ids []string
	reasons := make([]claim.Reason, 0, len(o.hits))
	for _, h := range o.hits {
		g := groups[h.EditID]
		if g == nil {
			g = &group{h: h, sum: zero}
			groups[h.EditID] = g
			ids = append(ids, h.EditID)
		}
		g.lines, g.sum = append(g.lines, h.LineNo), g.sum.Add(h.Amount.Decimal)
		reasons = append(reasons, claim.Reason{Code: claim.ReasonLineEdit, Message: editText(h)})
	}
	for _, id := range ids {
		g := groups[id]
		ex.add("edit", strconv.Itoa(len(g.lines))+" line(s) "+lineList(g.lines)+": edit "+id+" ("+g.h.Kind+") "+
			actionText(g.h.Action)+" Σ "+claim.Money{Decimal: g.sum}.String()+" — "+g.h.Source, g.sum)
	}
	return reasons
}

func editText(h claim.EditHit) string {
	return "line " + strconv.Itoa(h.LineNo) + ": edit " + h.EditID + " (" + h.Kind + ") " + actionText(h.Action) + " " +
		h.Amount.String() + " — " + h.Source
}

func actionText(action string) string {
	switch action {
	case policy.EditRefuse:
		return "refuses (payable by nobody)"
	case policy.EditSelfPay:
		return "makes self-pay"
	}
	return "flags for review (money unchanged)"
}
