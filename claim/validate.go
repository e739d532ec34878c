package claim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// Shanghai is the time zone whose calendar date decides "in the future" (POLICY.md §9.5).
// China keeps no daylight saving time, so a fixed offset is exact.
var Shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// Today returns the processing date in Asia/Shanghai as a UTC midnight date.
func Today(now time.Time) time.Time {
	y, m, d := now.In(Shanghai).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// MaxDaysSupply is the longest days_supply a drug line may carry: a year.
const MaxDaysSupply = 366

// Bounds of POLICY.md §9.29: above them a value is not money a claim can carry.
var (
	MaxQuantity  = decimal.NewFromInt(100_000)
	MaxUnitPrice = decimal.NewFromInt(10_000_000)
	MaxAmount    = decimal.NewFromInt(100_000_000) // a line amount or a claim total
)

// Check runs the claim-level checks of POLICY.md §2 and §9 on a decoded claim and returns
// every defect found, one reason per code (bad_dates, negative_value, amount_mismatch,
// out_of_range, total_mismatch). A check whose inputs are missing or malformed is skipped. today is the
// processing date (see Today).
func Check(c *Claim, today time.Time) []Reason {
	k := checker{c: c, today: today, sum: decimal.Zero, sumKnown: c.hasTotal}
	k.future("admitted", c.Admitted)
	k.future("discharged", c.Discharged)
	k.future("service_date", c.ServiceDate)
	if c.IsInpatient() && !c.Admitted.IsZero() && !c.Discharged.IsZero() && c.Discharged.Before(c.Admitted) {
		k.dates = append(k.dates, fmt.Sprintf("discharged %s is before admitted %s", ymd(c.Discharged), ymd(c.Admitted)))
	}
	for i := range c.Lines {
		k.line(&c.Lines[i])
	}
	if c.hasTotal && c.Total.IsNegative() {
		k.negatives = append(k.negatives, fmt.Sprintf("total is %s", c.Total))
	}
	if c.hasTotal && !c.Total.IsNegative() && above(c.Total, MaxAmount) {
		k.huge, k.sumKnown = append(k.huge, "total is above "+MaxAmount.String()), false
	}
	return k.reasons()
}

// checker collects a claim's defects by reason code.
type checker struct {
	c                               *Claim
	today                           time.Time
	dates, negatives, amounts, huge []string
	sum                             decimal.Decimal
	sumKnown                        bool
}

func (k *checker) future(name string, t time.Time) {
	if !t.IsZero() && t.After(k.today) {
		k.dates = append(k.dates, fmt.Sprintf("%s %s is in the future (today is %s)", name, ymd(t), ymd(k.today)))
	}
}

// line checks a line's dates against the stay or visit, its signs, bounds and arithmetic,
// and adds its amount to the sum.
func (k *checker) line(l *Line) {
	c, name := k.c, lineName(l.LineNo)
	if !l.ServiceDate.IsZero() {
		if l.ServiceDate.After(k.today) { // the name is built only for a defect
			k.future(name+" service_date", l.ServiceDate)
		}
		switch {
		case c.IsInpatient() && !c.Admitted.IsZero() && l.ServiceDate.Before(c.Admitted):
			k.dates = append(k.dates, fmt.Sprintf("%s service_date %s is before admission %s", name, ymd(l.ServiceDate), ymd(c.Admitted)))
		case c.IsInpatient() && !c.Discharged.IsZero() && l.ServiceDate.After(c.Discharged):
			k.dates = append(k.dates, fmt.Sprintf("%s service_date %s is after discharge %s", name, ymd(l.ServiceDate), ymd(c.Discharged)))
		case c.CareType == Outpatient && !c.ServiceDate.IsZero() && !l.ServiceDate.Equal(c.ServiceDate):
			k.dates = append(k.dates, fmt.Sprintf("%s service_date %s is not the visit date %s", name, ymd(l.ServiceDate), ymd(c.ServiceDate)))
		}
	}
	bounded := k.value(name, "quantity", l.Quantity, l.hasQty, MaxQuantity)
	bounded = k.value(name, "unit_price", l.UnitPrice, l.hasPrice, MaxUnitPrice) && bounded
	bounded = k.value(name, "amount", l.Amount, l.hasAmount, MaxAmount) && bounded
	if bounded && l.hasQty && l.hasPrice && l.hasAmount {
		if want := l.Quantity.Mul(l.UnitPrice); !want.Equal(l.Amount) {
			k.amounts = append(k.amounts, fmt.Sprintf("%s amount %s ≠ quantity %s × unit_price %s = %s",
				name, Money{l.Amount}.String(), l.Quantity, Money{l.UnitPrice}.String(), Money{want}.String()))
		}
	}
	if l.hasAmount && bounded {
		k.sum = k.sum.Add(l.Amount)
	} else {
		k.sumKnown = false
	}
}

// value notes a line value that is negative or above its bound, and reports whether it is
// within the bound.
func (k *checker) value(line, field string, v decimal.Decimal, ok bool, bound decimal.Decimal) bool {
	if !ok {
		return true
	}
	if v.IsNegative() {
		k.negatives = append(k.negatives, line+" "+field+" is "+v.String())
		return true
	}
	if above(v, bound) {
		k.huge = append(k.huge, line+" "+field+" is above "+bound.String())
		return false
	}
	return true
}

// above reports v > bound (both non-negative, bound a whole number), comparing digit counts
// first: decimal's Cmp rescales, which allocates, and nearly every value is far below.
func above(v, bound decimal.Decimal) bool {
	if v.NumDigits()+int(v.Exponent()) < bound.NumDigits()+int(bound.Exponent()) {
		return false
	}
	return v.GreaterThan(bound)
}

func (k *checker) reasons() []Reason {
	var out []Reason
	add := func(code string, msgs []string) {
		if len(msgs) > 0 {
			out = append(out, Reason{code, strings.Join(msgs, "; ")})
		}
	}
	add(ReasonBadDates, k.dates)
	add(ReasonNegativeValue, k.negatives)
	add(ReasonAmountMismatch, k.amounts)
	add(ReasonOutOfRange, k.huge)
	if k.sumKnown && len(k.c.Lines) > 0 && !k.sum.Equal(k.c.Total) {
		out = append(out, Reason{ReasonTotalMismatch, fmt.Sprintf("total %s ≠ sum of line amounts %s", Money{k.c.Total}.String(), Money{k.sum}.String())})
	}
	return out
}

func ymd(t time.Time) string { return t.Format(dateLayout) }

// FormatDate renders a date as YYYY-MM-DD.
func FormatDate(t time.Time) string { return ymd(t) }

// Dates lists every date of the claim that is present (stay dates and line dates).
func (c *Claim) Dates() []time.Time {
	out := make([]time.Time, 0, len(c.Lines)+3)
	for _, t := range []time.Time{c.Admitted, c.Discharged, c.ServiceDate} {
		if !t.IsZero() {
			out = append(out, t)
		}
	}
	for _, l := range c.Lines {
		if !l.ServiceDate.IsZero() {
			out = append(out, l.ServiceDate)
		}
	}
	return out
}

var lineNames [64]string

func init() {
	for i := range lineNames {
		lineNames[i] = "line " + strconv.Itoa(i)
	}
}

func lineName(n int) string {
	if n >= 0 && n < len(lineNames) {
		return lineNames[n]
	}
	return "line " + strconv.Itoa(n)
}
