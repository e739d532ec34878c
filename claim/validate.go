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
	var dates, negatives, amounts, huge []string
	future := func(name string, t time.Time) {
		if !t.IsZero() && t.After(today) {
			dates = append(dates, fmt.Sprintf("%s %s is in the future (today is %s)", name, ymd(t), ymd(today)))
		}
	}
	future("admitted", c.Admitted)
	future("discharged", c.Discharged)
	future("service_date", c.ServiceDate)
	if c.IsInpatient() && !c.Admitted.IsZero() && !c.Discharged.IsZero() && c.Discharged.Before(c.Admitted) {
		dates = append(dates, fmt.Sprintf("discharged %s is before admitted %s", ymd(c.Discharged), ymd(c.Admitted)))
	}
	sum := decimal.Zero
	sumKnown := c.hasTotal
	for i := range c.Lines {
		l := &c.Lines[i]
		name := lineName(l.LineNo)
		if !l.ServiceDate.IsZero() && l.ServiceDate.After(today) {
			future(name+" service_date", l.ServiceDate)
		}
		if !l.ServiceDate.IsZero() {
			switch {
			case c.IsInpatient() && !c.Admitted.IsZero() && l.ServiceDate.Before(c.Admitted):
				dates = append(dates, fmt.Sprintf("%s service_date %s is before admission %s", name, ymd(l.ServiceDate), ymd(c.Admitted)))
			case c.IsInpatient() && !c.Discharged.IsZero() && l.ServiceDate.After(c.Discharged):
				dates = append(dates, fmt.Sprintf("%s service_date %s is after discharge %s", name, ymd(l.ServiceDate), ymd(c.Discharged)))
			case c.CareType == Outpatient && !c.ServiceDate.IsZero() && !l.ServiceDate.Equal(c.ServiceDate):
				dates = append(dates, fmt.Sprintf("%s service_date %s is not the visit date %s", name, ymd(l.ServiceDate), ymd(c.ServiceDate)))
			}
		}
		negative := func(field string, v decimal.Decimal, ok bool) {
			if ok && v.IsNegative() {
				negatives = append(negatives, name+" "+field+" is "+v.String())
			}
		}
		negative("quantity", l.Quantity, l.hasQty)
		negative("unit_price", l.UnitPrice, l.hasPrice)
		negative("amount", l.Amount, l.hasAmount)
		bounded := true
		above := func(field string, v decimal.Decimal, ok bool, bound decimal.Decimal) {
			if ok && v.GreaterThan(bound) {
				huge, bounded = append(huge, name+" "+field+" is above "+bound.String()), false
			}
		}
		above("quantity", l.Quantity, l.hasQty, MaxQuantity)
		above("unit_price", l.UnitPrice, l.hasPrice, MaxUnitPrice)
		above("amount", l.Amount, l.hasAmount, MaxAmount)
		if !bounded {
			sumKnown = false
		}
		if bounded && l.hasQty && l.hasPrice && l.hasAmount {
			if want := l.Quantity.Mul(l.UnitPrice); !want.Equal(l.Amount) {
				amounts = append(amounts, fmt.Sprintf("%s amount %s ≠ quantity %s × unit_price %s = %s",
					name, Money{l.Amount}.String(), l.Quantity, Money{l.UnitPrice}.String(), Money{want}.String()))
			}
		}
		if l.hasAmount {
			sum = sum.Add(l.Amount)
		} else {
			sumKnown = false
		}
	}
	if c.hasTotal && c.Total.IsNegative() {
		negatives = append(negatives, fmt.Sprintf("total is %s", c.Total))
	}
	if c.hasTotal && c.Total.GreaterThan(MaxAmount) {
		huge, sumKnown = append(huge, "total is above "+MaxAmount.String()), false
	}
	var out []Reason
	add := func(code string, msgs []string) {
		if len(msgs) > 0 {
			out = append(out, Reason{code, strings.Join(msgs, "; ")})
		}
	}
	add(ReasonBadDates, dates)
	add(ReasonNegativeValue, negatives)
	add(ReasonAmountMismatch, amounts)
	add(ReasonOutOfRange, huge)
	if sumKnown && len(c.Lines) > 0 && !sum.Equal(c.Total) {
		out = append(out, Reason{ReasonTotalMismatch, fmt.Sprintf("total %s ≠ sum of line amounts %s", Money{c.Total}.String(), Money{sum}.String())})
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
