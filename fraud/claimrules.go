package fraud

import (
	"slices"
	"sort"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/policy"
)

// Hit is a rule that fired: its weight, the other claims it names (pair rules: the earlier
// claims) and the evidence an investigator checks it by.
type Hit struct {
	Rule     string
	Weight   decimal.Decimal
	Others   []claim.Key
	Evidence map[string]any
}

// ClaimInput is what the claim rules see: the claim, the member's other live claims
// processed before it (any provider), the member and the catalogue; the live settlements
// of the traceability codes the claim carries (any member: FRAUD.md §8.1), each code's in
// the order claims were stored; the alliance of a provider (from the bundle in force; ""
// for none); and, for a DRG-priced stay, its coding (nil otherwise).
type ClaimInput struct {
	Claim     *Fact
	History   []*Fact
	Member    *policy.Member
	Catalogue map[string]policy.Item
	Trace     map[string][]TraceUse
	Alliance  func(providerID string) string
	Coding    *Coding
}

// ClaimResult is a claim's score (1 − Π(1 − weight), 4 places) and the rules that fired.
type ClaimResult struct {
	Score decimal.Decimal
	Hits  []Hit
}

// noRules is the rule list of a clean claim, shared: it is never appended to in place.
var noRules = []string{}

// Rules lists the rule ids of the hits.
func (r ClaimResult) Rules() []string {
	if len(r.Hits) == 0 {
		return noRules
	}
	out := make([]string, len(r.Hits))
	for i, h := range r.Hits {
		out[i] = h.Rule
	}
	return out
}

// claimRule checks one claim; nil means it did not fire.
type claimRule func(p Params, in ClaimInput) *Hit

var claimRules = map[string]claimRule{
	AfterDeath: afterDeath, OverlappingStay: overlappingStay, DailyCap: dailyCap, HoursOver24: hoursOver24,
	BedDaysOverStay: bedDaysOverStay, DuplicateCharge: duplicateCharge, SplitAdmission: splitAdmission,
	TraceCodeReused: traceCodeReused, UnsupportedCC: unsupportedCC, CostShifting: costShifting,
}

// EvaluateClaim runs the enabled claim rules.
func EvaluateClaim(p Params, in ClaimInput) ClaimResult {
	var r ClaimResult
	for _, id := range ClaimRuleIDs {
		if !p.Enabled(id) {
			continue
		}
		if h := claimRules[id](p, in); h != nil {
			h.Rule, h.Weight = id, p.Weight(id)
			r.Hits = append(r.Hits, *h)
		}
	}
	r.Score = combine(r.Hits, decimal.Zero)
	return r
}

// combine is 1 − (1 − base) × Π(1 − weight), rounded to 4 places.
func combine(hits []Hit, base decimal.Decimal) decimal.Decimal {
	if len(hits) == 0 && base.IsZero() {
		return decimal.Zero
	}
	one := decimal.NewFromInt(1)
	rest := one.Sub(base)
	for _, h := range hits {
		rest = rest.Mul(one.Sub(h.Weight))
	}
	return one.Sub(rest).Round(4)
}

// other reports whether h is another claim of another provider (or, sameProvider, of
// the claim's own provider).
func (in ClaimInput) other(h *Fact, sameProvider bool) bool {
	return h.Key != in.Claim.Key && (h.Key.ProviderID == in.Claim.Key.ProviderID) == sameProvider
}

func afterDeath(_ Params, in ClaimInput) *Hit {
	m, c := in.Member, in.Claim
	if m == nil || m.DeathDate.IsZero() {
		return nil
	}
	var dates []string
	var lines []int
	seen := map[string]bool{}
	add := func(t time.Time, no int) {
		if t.After(m.DeathDate) {
			if s := date(t); !seen[s] {
				seen[s] = true
				dates = append(dates, s)
			}
			if no > 0 {
				lines = append(lines, no)
			}
		}
	}
	if !c.Inpatient {
		add(c.ServiceDate, 0)
	}
	for _, l := range c.Lines {
		add(l.Date, l.No)
	}
	if len(dates) == 0 {
		return nil
	}
	sort.Strings(dates)
	return &Hit{Evidence: map[string]any{"death_date": date(m.DeathDate), "dates_after_death": dates, "lines": lines}}
}

func overlappingStay(_ Params, in ClaimInput) *Hit {
	c := in.Claim
	var found []map[string]any
	var others []claim.Key
	for _, o := range in.History {
		if !in.other(o, false) {
			continue
		}
		what := overlap(c, o)
		if what == "" {
			continue
		}
		e := ref(o)
		e["overlap"] = what
		found = append(found, e)
		others = append(others, o.Key)
	}
	if len(found) == 0 {
		return nil
	}
	return &Hit{Others: others, Evidence: map[string]any{"claim": ref(c), "overlapping": found}}
}

// overlap says how two claims of different providers overlap, or "".
func overlap(a, b *Fact) string {
	switch {
	case a.Inpatient && b.Inpatient:
		af, at := a.nights()
		bf, bt := b.nights()
		if af.Before(bt) && bf.Before(at) {
			from, to := later(af, bf), earlier(at, bt)
			return "stays share " + itoa(days(from, to)) + " night(s) from " + date(from)
		}
	case a.Inpatient && !b.Inpatient:
		if a.Admitted.Before(b.ServiceDate) && b.ServiceDate.Before(a.Discharged) {
			return "outpatient visit on " + date(b.ServiceDate) + " inside this stay"
		}
	case !a.Inpatient && b.Inpatient:
		if b.Admitted.Before(a.ServiceDate) && a.ServiceDate.Before(b.Discharged) {
			return "this visit on " + date(a.ServiceDate) + " is inside that stay"
		}
	}
	return ""
}

func dailyCap(_ Params, in ClaimInput) *Hit {
	var over []map[string]any
	for _, g := range dailyQuantities(in) {
		if g.qty.GreaterThan(g.max) {
			e := map[string]any{"item_code": g.item, "date": date(g.date), "quantity": g.qty.String(), "max_daily_qty": g.max.String(),
				"lines": linesOn(in, g)}
			if g.supplied {
				e["quantity"], e["counts_days_supply"] = g.qty.Round(4).String(), true
			}
			over = append(over, e)
		}
	}
	if len(over) == 0 {
		return nil
	}
	return &Hit{Evidence: map[string]any{"over_daily_cap": over}}
}

// dayQty is what the claim's lines take of a capped item on one day.
type dayQty struct {
	item     string
	date     time.Time
	qty, max decimal.Decimal
	supplied bool // a line counted by its days of supply
}

// dailyQuantities sums, per item with a max_daily_qty and per day, what the claim's lines
// take: a line its quantity on its date, or a drug line with days_supply its quantity /
// days_supply on each of that many days from its date (FRAUD.md §2.3: a long prescription
// of one tablet a day takes one a day). Days come in the order of their first line. A claim
// has few lines: the days are found by a scan, with no map and no string keys.
func dailyQuantities(in ClaimInput) []dayQty {
	var out []dayQty
	for _, l := range in.Claim.Lines {
		item, ok := in.Catalogue[l.Item]
		if !ok || item.MaxDailyQty == nil {
			continue
		}
		days, per := 1, l.Qty
		if l.DaysSupply >= 1 && l.Category == "drug" {
			q := wholePacks(l.Qty, *item.MaxDailyQty, l.DaysSupply, item.PackUnits)
			days, per = l.DaysSupply, q.DivRound(decimal.NewFromInt(int64(l.DaysSupply)), divPlaces)
		}
		for d := range days {
			on := l.Date.AddDate(0, 0, d)
			k := slices.IndexFunc(out, func(g dayQty) bool { return g.item == l.Item && g.date.Equal(on) })
			if k < 0 {
				out = append(out, dayQty{item: l.Item, date: on, qty: decimal.Zero, max: *item.MaxDailyQty})
				k = len(out) - 1
			}
			out[k].qty = out[k].qty.Add(per)
			out[k].supplied = out[k].supplied || days > 1
		}
	}
	return out
}

// linesOn lists the lines that take of an item on a day (for the evidence).
func linesOn(in ClaimInput, g dayQty) []int {
	var out []int
	for _, l := range in.Claim.Lines {
		days := 1
		if l.DaysSupply >= 1 && l.Category == "drug" {
			days = l.DaysSupply
		}
		if l.Item == g.item && !g.date.Before(l.Date) && g.date.Before(l.Date.AddDate(0, 0, days)) && !slices.Contains(out, l.No) {
			out = append(out, l.No)
		}
	}
	return out
}

// wholePacks is the quantity a days-of-supply line is held to: what it takes beyond
// max_daily_qty × days_supply is forgiven up to the next whole pack, for an item sold in
// packs of pack_units (FRAUD.md §8.7: 30 tablets of a 30-pack for 28 days at one a day).
func wholePacks(qty, maxDaily decimal.Decimal, days, pack int) decimal.Decimal {
	if pack <= 1 {
		return qty
	}
	allowed := maxDaily.Mul(decimal.NewFromInt(int64(days)))
	packs := decimal.NewFromInt(int64(pack))
	slack := allowed.Div(packs).Ceil().Mul(packs).Sub(allowed)
	over := qty.Sub(allowed)
	if !over.IsPositive() {
		return qty
	}
	return qty.Sub(decimal.Min(over, slack))
}

// hoursOver24 adds up the member's timed hours on each day the claim bills timed items, over
// the claim and its history, in one pass over the history.
func hoursOver24(p Params, in ClaimInput) *Hit {
	days := timedDays(in.Claim.Lines)
	if len(days) == 0 {
		return nil // most claims bill no timed item: nothing is built for them
	}
	max := p.value(HoursOver24, keyMaxHours)
	type part struct {
		key   claim.Key
		hours decimal.Decimal
	}
	totals, parts := make([]decimal.Decimal, len(days)), make([][]part, len(days))
	for i, d := range days {
		totals[i] = hoursOn(in.Claim, d)
		parts[i] = []part{{in.Claim.Key, totals[i]}}
	}
	sums := make([]decimal.Decimal, len(days))
	for _, o := range in.History {
		if o.Key == in.Claim.Key || !dayHours(o.Lines, days, sums) {
			continue
		}
		for i, h := range sums {
			if h.IsPositive() {
				totals[i] = totals[i].Add(h)
				parts[i] = append(parts[i], part{o.Key, h})
			}
		}
	}
	var over []map[string]any
	var others []claim.Key
	for i, d := range days {
		if !totals[i].GreaterThan(max) {
			continue
		}
		claims := make([]map[string]any, len(parts[i]))
		for k, pt := range parts[i] {
			claims[k] = map[string]any{"provider_id": pt.key.ProviderID, "claim_id": pt.key.ClaimID, "hours": pt.hours.String()}
			if k > 0 && !slices.Contains(others, pt.key) {
				others = append(others, pt.key)
			}
		}
		over = append(over, map[string]any{"date": date(d), "hours": totals[i].String(), "max_hours": max.String(), "claims": claims})
	}
	if len(over) == 0 {
		return nil
	}
	sort.Slice(over, func(i, j int) bool { return over[i]["date"].(string) < over[j]["date"].(string) })
	return &Hit{Others: others, Evidence: map[string]any{"over_hours": over}}
}

// timedDays lists the days of the lines with timed hours, each once, in line order.
func timedDays(lines []LineFact) []time.Time {
	var days []time.Time
	for _, l := range lines {
		if l.Hours.IsPositive() && !slices.ContainsFunc(days, l.Date.Equal) {
			days = append(days, l.Date)
		}
	}
	return days
}

// dayHours puts in sums[i] the lines' timed hours on days[i]; false when there are none.
func dayHours(lines []LineFact, days []time.Time, sums []decimal.Decimal) bool {
	clear(sums)
	found := false
	for _, l := range lines {
		if !l.Hours.IsPositive() {
			continue
		}
		if i := slices.IndexFunc(days, l.Date.Equal); i >= 0 {
			sums[i], found = sums[i].Add(l.Hours), true
		}
	}
	return found
}

// hoursOn is a claim's timed hours on a date.
func hoursOn(f *Fact, on time.Time) decimal.Decimal {
	h := decimal.Zero
	for _, l := range f.Lines {
		if l.Date.Equal(on) && l.Hours.IsPositive() {
			h = h.Add(l.Hours)
		}
	}
	return h
}

func sortedDays[V any](m map[time.Time]V) []time.Time {
	out := make([]time.Time, 0, len(m))
	for t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Before(out[j]) })
	return out
}

func bedDaysOverStay(_ Params, in ClaimInput) *Hit {
	c := in.Claim
	if !c.Inpatient {
		return nil
	}
	beds := decimal.Zero
	var lines []int
	for _, l := range c.Lines {
		if l.Category == "bed" {
			beds = beds.Add(l.Qty)
			lines = append(lines, l.No)
		}
	}
	los := c.LOS()
	if !beds.GreaterThan(decimal.NewFromInt(int64(los))) {
		return nil
	}
	return &Hit{Evidence: map[string]any{"bed_quantity": beds.String(), "los": los, "admitted": date(c.Admitted),
		"discharged": date(c.Discharged), "bed_lines": lines}}
}

func duplicateCharge(_ Params, in ClaimInput) *Hit {
	var dups []map[string]any
	var others []claim.Key
	named := map[claim.Key]bool{}
	lines := in.Claim.Lines
	for i, l := range lines {
		if repeatsEarlier(lines, i) {
			continue // one report per item and date
		}
		var earlier []map[string]any
		for _, o := range in.History {
			if o.Key == in.Claim.Key || !bills(o, l.Item, l.Date) {
				continue
			}
			earlier = append(earlier, map[string]any{"provider_id": o.Key.ProviderID, "claim_id": o.Key.ClaimID})
			if !named[o.Key] {
				named[o.Key] = true
				others = append(others, o.Key)
			}
		}
		if len(earlier) > 0 {
			dups = append(dups, map[string]any{"item_code": l.Item, "date": date(l.Date), "line": l.No, "billed_by": earlier})
		}
	}
	if len(dups) == 0 {
		return nil
	}
	return &Hit{Others: others, Evidence: map[string]any{"duplicates": dups}}
}

// repeatsEarlier reports whether lines[i]'s item and date appear on an earlier line.
func repeatsEarlier(lines []LineFact, i int) bool {
	for j := 0; j < i; j++ {
		if lines[j].Item == lines[i].Item && lines[j].Date.Equal(lines[i].Date) {
			return true
		}
	}
	return false
}

// bills reports whether a claim bills an item on a date.
func bills(f *Fact, item string, on time.Time) bool {
	for _, l := range f.Lines {
		if l.Item == item && l.Date.Equal(on) {
			return true
		}
	}
	return false
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

func itoa(n int) string { return decimal.NewFromInt(int64(n)).String() }
