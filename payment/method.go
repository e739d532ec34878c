package payment

import (
	"strconv"
	"time"

	"github.com/shopspring/decimal"

	"medclaims/claim"
	"medclaims/payment/drg"
	"medclaims/policy"
)

// Payment methods (POLICY.md §4).
const (
	MethodCapitation = "capitation"
	MethodBedDay     = "bed_day"
	MethodDisease    = "disease"
	MethodDRG        = "drg"
	MethodFFS        = "ffs"
)

// divPlaces is how far divisions are carried before the named rounding (POLICY.md §9.21).
const divPlaces = 20

var hundred = decimal.NewFromInt(100)

// selection is the provider-side method chosen for a claim, and why.
type selection struct {
	method    string
	why       string
	exception string // set when a DRG-contracted case falls back to ffs (drg_exception)
	group     *drg.Result
	weight    policy.DRGWeight
	baseRate  decimal.Decimal
	fee       policy.DiseaseFee
	bedDay    policy.BedDayRule
}

// selectMethod applies POLICY.md §4: first match wins.
func selectMethod(in Input) selection {
	c, b, p, m := in.Claim, in.Bundle, in.Provider, in.Member
	if !c.IsInpatient() {
		if s := in.Signup; p.Methods[MethodCapitation] && s != nil {
			return selection{method: MethodCapitation, why: "capitation (按人头): outpatient visit at " + p.ID +
				", the member's signed primary-care provider (signup " + span(s.From, s.To) + ")"}
		}
		return selection{method: MethodFFS, why: ffsWhy(p, "outpatient visit")}
	}
	if rule, ok := b.BedDay[c.WardType]; ok && p.Methods[MethodBedDay] {
		return selection{method: MethodBedDay, bedDay: rule, why: "per bed-day (按床日): " + c.WardType +
			" ward stay of " + strconv.Itoa(c.LOS()) + " days at a provider contracting bed_day"}
	}
	if p.Methods[MethodDisease] && len(c.Diagnoses) > 0 {
		main := ""
		if len(c.Procedures) > 0 {
			main = c.Procedures[0]
		}
		if f, ok := b.DiseaseFeeFor(c.Diagnoses[0], main, p.Level); ok {
			match := "any procedure"
			if f.MainProcedure != "" {
				match = "main procedure " + f.MainProcedure
			}
			return selection{method: MethodDisease, fee: f, why: "per disease (按病种): principal diagnosis " + f.PrincipalDx +
				" with " + match + " at level " + strconv.Itoa(p.Level) + " has a fee of " + money(f.Fee)}
		}
	}
	if !p.Methods[MethodDRG] {
		return selection{method: MethodFFS, why: ffsWhy(p, "inpatient stay")}
	}
	sel := selection{method: MethodFFS}
	if in.Grouper == nil {
		sel.exception = "no DRG grouper data set " + strconv.Quote(b.Grouper)
		sel.why = "fee-for-service (按项目): DRG case not priced by DRG (特例单议): " + sel.exception
		return sel
	}
	gr := in.Grouper.Group(groupingCase(c, m))
	sel.group = &gr
	los := c.LOS()
	window := strconv.Itoa(b.DRG.MinLOSDays) + ".." + strconv.Itoa(b.DRG.MaxLOSDays)
	switch {
	case los < b.DRG.MinLOSDays || los > b.DRG.MaxLOSDays:
		sel.exception = "DRG case outside LOS window " + window + " (LOS " + strconv.Itoa(los) + ")"
	case gr.Status != drg.Success:
		sel.exception = "case not groupable: " + gr.Status + " " + gr.DRG
	default:
		w, ok := b.DRGWeights[gr.DRG]
		rate, hasRate := b.Schemes[m.Scheme].DRGBaseRate[p.Level]
		switch {
		case !ok:
			sel.exception = "DRG " + gr.DRG + " has no weight in drg_weights.csv"
		case !hasRate:
			sel.exception = "no DRG base rate for scheme " + m.Scheme + " at level " + strconv.Itoa(p.Level)
		default:
			sel.method, sel.weight, sel.baseRate = MethodDRG, w, rate
			name := in.Grouper.DRGName(gr.DRG)
			if name != "" {
				name = " (" + name + ")"
			}
			sel.why = "DRG (按病组): grouped " + gr.DRG + name + ", RW " + num(w.RW) + ", LOS " + strconv.Itoa(los) + " within " + window
			return sel
		}
	}
	sel.why = "fee-for-service (按项目): " + sel.exception + " → ffs, drg_exception (特例单议)"
	return sel
}

func ffsWhy(p *policy.Provider, what string) string {
	names := p.MethodNames
	if names == "" {
		names = "no method"
	}
	return "fee-for-service (按项目): " + what + " at " + p.ID + " (contracts " + names + "): priced item by item"
}

func span(from, to time.Time) string {
	if to.IsZero() {
		return claim.FormatDate(from) + " onwards"
	}
	return claim.FormatDate(from) + ".." + claim.FormatDate(to)
}

// groupingCase builds the grouper's input from the claim and the member: sex M → 1, F → 2;
// age in whole years at admission; age in days from the newborn block, else from the birth
// date (POLICY.md §9.10).
func groupingCase(c *claim.Claim, m *policy.Member) *drg.Case {
	gc := &drg.Case{Index: c.ClaimID, Diagnoses: c.Diagnoses, Procedures: c.Procedures}
	if len(gc.Diagnoses) == 0 {
		gc.Diagnoses = []string{""}
	}
	switch m.Sex {
	case "M":
		gc.Gender, gc.HasGender = 1, true
	case "F":
		gc.Gender, gc.HasGender = 2, true
	}
	at := c.Admitted
	if !m.BirthDate.IsZero() && !at.IsZero() {
		gc.Age, gc.HasAge = wholeYears(m.BirthDate, at), true
		gc.AgeDays, gc.HasAgeDays = int(at.Sub(m.BirthDate).Hours()/24), true
	}
	if nb := c.Newborn; nb != nil {
		if nb.HasAgeDays {
			gc.AgeDays, gc.HasAgeDays = nb.AgeDays, true
		}
		if nb.HasBirthWeight {
			gc.BirthWeightG, gc.HasBirthWeight = nb.BirthWeightG, true
		}
	}
	return gc
}

func wholeYears(birth, at time.Time) int {
	y := at.Year() - birth.Year()
	if at.Month() < birth.Month() || (at.Month() == birth.Month() && at.Day() < birth.Day()) {
		y--
	}
	return max(y, 0)
}

// providerSide is what the provider payment adds to a result.
type providerSide struct {
	standard, fundToProvider, margin *decimal.Decimal
	drgInfo                          *claim.DRGInfo
	capitation                       decimal.Decimal // fund share recorded as capitation consumption
}

// pricedProvider computes the provider payment of POLICY.md §6 for the selected method.
func pricedProvider(in Input, sel selection, fund, memberPays, refused decimal.Decimal, ex *explainer) providerSide {
	c := in.Claim
	total := c.Total.Sub(refused) // the cost of the case: the refused amount is the provider's loss (§10.3)
	var out providerSide
	if sel.group != nil {
		g := sel.group
		out.drgInfo = &claim.DRGInfo{MDC: g.MDC, ADRG: g.ADRG, DRG: g.DRG, GroupStatus: g.Status}
	}
	var standard decimal.Decimal
	switch sel.method {
	case MethodCapitation:
		out.fundToProvider = &zero
		out.capitation = fund
		ex.add("provider_payment", "capitation: the provider is paid per head at period close; this visit's fund share "+
			money(fund)+" is recorded as capitation consumption", zero)
		return out
	case MethodFFS:
		out.fundToProvider = &fund
		ex.add("provider_payment", "fee-for-service: fund to provider = fund total", fund)
		return out
	case MethodDisease:
		standard = sel.fee.Fee
		ex.add("standard", "per-disease fee for "+sel.fee.PrincipalDx+" at level "+strconv.Itoa(sel.fee.Level), standard)
	case MethodBedDay:
		standard = bedDayStandard(sel.bedDay, c.LOS(), ex)
	case MethodDRG:
		standard = drgStandard(in, sel, out.drgInfo, total, ex)
	}
	ftp := floor0(standard.Sub(memberPays))
	margin := standard.Sub(total)
	out.standard, out.fundToProvider, out.margin = &standard, &ftp, &margin
	ex.add("provider_payment", "fund to provider = max(0, standard "+money(standard)+" − member pays "+money(memberPays)+")", ftp)
	if refused.IsZero() {
		ex.add("provider_margin", "provider margin = standard "+money(standard)+" − total "+money(total), margin)
	} else {
		ex.add("provider_margin", "provider margin = standard "+money(standard)+" − (total − refused) "+money(total), margin)
	}
	return out
}

// bedDayStandard sums each stay day's rate by the LOS band the day falls in, capped by
// max_per_stay.
func bedDayStandard(rule policy.BedDayRule, los int, ex *explainer) decimal.Decimal {
	sum := zero
	from := 1
	for _, band := range rule.Bands {
		to := los
		if band.ToDay != nil && *band.ToDay < to {
			to = *band.ToDay
		}
		if to >= from {
			days := to - from + 1
			amt := band.Rate.Mul(decimal.NewFromInt(int64(days)))
			sum = sum.Add(amt)
			ex.add("bed_days", "days "+strconv.Itoa(from)+"–"+strconv.Itoa(to)+": "+strconv.Itoa(days)+" × "+money(band.Rate), amt)
		}
		if band.ToDay == nil || *band.ToDay >= los {
			break
		}
		from = *band.ToDay + 1
	}
	if rule.MaxPerStay != nil && sum.GreaterThan(*rule.MaxPerStay) {
		ex.add("standard", "bed-day total "+money(sum)+" capped at max_per_stay "+money(*rule.MaxPerStay), *rule.MaxPerStay)
		return *rule.MaxPerStay
	}
	ex.add("standard", "bed-day standard for "+strconv.Itoa(los)+" days", sum)
	return sum
}

// drgStandard prices a DRG case by points (POLICY.md §6): base points RW × 100, high and
// low outliers on the total, the hospital coefficient for normal cases, points Round(4),
// standard = Round(2)(points / 100 × base rate).
func drgStandard(in Input, sel selection, info *claim.DRGInfo, cost decimal.Decimal, ex *explainer) decimal.Decimal {
	b, p := in.Bundle, in.Provider
	rw, avg := sel.weight.RW, sel.weight.AvgCost
	base := rw.Mul(hundred)
	ratio := cost.DivRound(avg, divPlaces)
	T, hasT := b.DRG.HighOutlierThreshold(rw)
	var points decimal.Decimal
	var detail string
	info.Outlier = "none"
	switch {
	case hasT && cost.GreaterThan(T.Mul(avg)):
		info.Outlier = "high"
		points = base.Mul(one.Add(ratio).Sub(T))
		detail = "high outlier: cost " + money(cost) + " > " + num(T) + " × average " + money(avg) + ": base points " + num(base) +
			" × (1 + cost/average " + num(ratio.Round(6)) + "… − " + num(T) + ")"
	case !b.DRG.LowOutlier.IsZero() && cost.LessThan(b.DRG.LowOutlier.Mul(avg)):
		info.Outlier = "low"
		points = base.Mul(ratio)
		detail = "low outlier: cost " + money(cost) + " < " + num(b.DRG.LowOutlier) + " × average " + money(avg) + ": base points " +
			num(base) + " × cost/average " + num(ratio.Round(6)) + "…"
	default:
		points = base.Mul(p.HospitalCoefficient)
		detail = "normal case: base points RW " + num(rw) + " × 100 = " + num(base) + " × hospital coefficient " + num(p.HospitalCoefficient)
	}
	points = points.Round(4)
	ex.add("points", detail+" = "+points.StringFixed(4)+" points (rounded to 4 places)", nil)
	info.RW, info.Points = &claim.Fixed4{Decimal: rw}, &claim.Fixed4{Decimal: points}
	standard := points.Shift(-2).Mul(sel.baseRate).Round(2)
	ex.add("standard", "standard = points "+points.StringFixed(4)+" / 100 × base rate "+money(sel.baseRate), standard)
	return standard
}
