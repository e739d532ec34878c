package sample

import (
	"fmt"
	"strings"
	"time"
)

// The patterns of FRAUD.md §8 in the labelled stream, with the look-alikes of §8.3.

// drgPatterns injects one of each DRG-era claim pattern and its look-alikes at clean
// providers around day d.
func (e *eval) drgPatterns(d time.Time, los int) {
	e.resoldBoxes(d)
	e.upcodedStays(d, los)
	e.costShifting(d, los)
	e.allianceSplits(d, los)
}

// code issues a traceability code (20 digits).
func (e *eval) code() string {
	e.codes++
	return fmt.Sprintf("8%019d", e.codes)
}

func (e *eval) clean() string { return evalClean[e.r.IntN(len(evalClean))] }

// resoldBoxes: a box of heparin settled at one provider and again, days later, by another
// member at another (the two members' claims run on two partitions: whichever is stored
// second is the one to flag, so the pair is labelled "either, not both"); look-alikes: a 30-tablet box sold split (10 + 15) at two providers,
// and a claim replaced with its codes kept.
func (e *eval) resoldBoxes(d time.Time) {
	later := d.AddDate(0, 0, 1+e.r.IntN(5))
	box := e.code()
	p := e.clean()
	first := e.emit(p, e.id(p), e.fresh(), false, false, d, d, "", e.own(d, evalLine{"XB01AB01", day(d), "25.00", "", 1, []string{box}}))
	p = e.clean()
	second := e.emit(p, e.id(p), e.fresh(), false, false, later, later, "",
		e.other(later, evalLine{"XB01AB01", day(later), "25.00", "", 1, []string{box}}))
	e.s.EitherLabels["trace_code_reused"] = append(e.s.EitherLabels["trace_code_reused"], [2]string{first, second})
	split := e.code()
	p = e.clean()
	e.emit(p, e.id(p), e.fresh(), false, false, d, d, "", e.own(d, evalLine{"XS030", day(d), "0.90", "", 10, []string{split}}))
	p = e.clean()
	e.s.LookAlikes[e.emit(p, e.id(p), e.fresh(), false, false, later, later, "",
		e.other(later, evalLine{"XS030", day(later), "0.90", "", 15, []string{split}}))] = "split sale within pack_units"
	p = e.clean()
	k := e.emit(p, e.id(p), e.fresh(), false, false, d, d, "", e.own(d, evalLine{"XB01AB01", day(d), "25.00", "", 1, []string{e.code()}}))
	e.s.Items = append(e.s.Items, []byte(`{"kind":"replace","claim":`+strings.Replace(e.last, `"J06.900"`, `"J06.901"`, 1)+`}`))
	e.s.LookAlikes[k] = "replaced claim keeping its codes"
}

// withoutExams drops a bill's exam lines.
func withoutExams(ls []evalLine) []evalLine {
	var out []evalLine
	for _, l := range ls {
		if !strings.HasPrefix(l.item, "EXM") {
			out = append(out, l)
		}
	}
	return out
}

// upcodedStays: a GZ13 stay resting on two injuries no exam shows; look-alike: the same
// case with one chest CT, which supports both.
func (e *eval) upcodedStays(d time.Time, los int) {
	to := d.AddDate(0, 0, los)
	p := evalClean[e.codes%len(evalClean)] // in turn: the extra GZ13 cases do not pile up at one provider
	e.label(e.emit(p, e.id(p), e.fresh(), true, false, d, to, evalCrush, withoutExams(e.stayLines(d, to, e.doctor(p), true))), "unsupported_cc")
	p = evalClean[(e.codes+2)%len(evalClean)]
	ls := append(withoutExams(e.stayLines(d, to, e.doctor(p), true)), evalLine{"EXM01", day(d), "280.00", "", 1, nil})
	e.s.LookAlikes[e.emit(p, e.id(p), e.fresh(), true, false, d, to, evalCrush, ls)] = "CC supported by one matching line"
}

// costShifting: tests billed as a visit two days before a DRG admission at the same
// provider (the stay, processed later, is flagged), and an exam the day after a discharge
// (the visit is flagged); look-alikes: an emergency visit the day before admission, and a
// visit with only drug lines the day after discharge.
func (e *eval) costShifting(d time.Time, los int) {
	to := d.AddDate(0, 0, los)
	before, after := d.AddDate(0, 0, -2), to.AddDate(0, 0, 1)
	tests := func(on time.Time) []evalLine { // a refill of varying size: visits are not clones of one another
		return e.other(on, evalLine{"SRV01", day(on), "30.00", "", 1, nil}, evalLine{"LAB02", day(on), "180.00", "", 1, nil},
			evalLine{"EXM01", day(on), "280.00", "", 1, nil})
	}
	p, m := e.clean(), e.fresh()
	e.emit(p, e.id(p), m, false, false, before, before, "", tests(before))
	e.label(e.emit(p, e.id(p), m, true, false, d, to, evalPlain, e.stayLines(d, to, e.doctor(p), true)), "cost_shifting")
	p, m = e.clean(), e.fresh()
	e.emit(p, e.id(p), m, true, false, d, to, evalPlain, e.stayLines(d, to, e.doctor(p), true))
	e.label(e.emit(p, e.id(p), m, false, false, after, after, "", tests(after)), "cost_shifting")
	p, m = e.clean(), e.fresh()
	e.emit(p, e.id(p), m, false, true, d.AddDate(0, 0, -1), d.AddDate(0, 0, -1), "", tests(d.AddDate(0, 0, -1)))
	e.s.LookAlikes[e.emit(p, e.id(p), m, true, false, d, to, evalPlain, e.stayLines(d, to, e.doctor(p), true))] = "emergency visit the day before admission"
	p, m = e.clean(), e.fresh()
	e.emit(p, e.id(p), m, true, false, d, to, evalPlain, e.stayLines(d, to, e.doctor(p), true))
	e.s.LookAlikes[e.emit(p, e.id(p), m, false, false, after, after, "", []evalLine{{"XC10AA05", day(after), "2.40", "", 10 + e.r.IntN(21), nil}})] =
		"visit with only drug lines"
}

// allianceSplits: a stay at EC04 and, three days after discharge, one with the same
// diagnosis at EC05, its alliance partner; look-alikes: a same-day transfer between them and
// an approved downward referral.
func (e *eval) allianceSplits(d time.Time, los int) {
	first := 3 + e.r.IntN(4)
	out := d.AddDate(0, 0, first)
	back := out.AddDate(0, 0, 3)
	stay := func(p, m string, from, to time.Time, dx string) string {
		return e.emit(p, e.id(p), m, true, false, from, to, dx, e.stayLines(from, to, e.doctor(p), true))
	}
	m := e.fresh()
	stay("EC04", m, d, out, evalPlain)
	e.label(stay("EC05", m, back, back.AddDate(0, 0, los), evalPlain), "split_admission")
	m = e.fresh()
	stay("EC04", m, d, out, evalPlain)
	e.s.LookAlikes[stay("EC05", m, out, out.AddDate(0, 0, los), evalPlain)] = "same-day transfer between alliance members"
	m = e.fresh()
	k := stay("EC04", m, d, out, evalPlain)
	referral := fmt.Sprintf(`%s,"referral":{"from_provider_id":"EC04","from_claim_id":%q,"direction":"down","approved":true}`,
		evalPlain, strings.TrimPrefix(k, "EC04/"))
	e.s.LookAlikes[stay("EC05", m, back, back.AddDate(0, 0, los), referral)] = "approved downward referral for rehabilitation"
}

// shortLines bills a short stay: a bed and a nursing day a night, a blood count, tablets.
func (e *eval) shortLines(from, to time.Time) []evalLine {
	ls := []evalLine{{"LAB01", day(from), "25.00", "", 1 + e.r.IntN(3), nil}, {"XC10AA05", day(from), "2.40", "", 2 + e.r.IntN(20), nil}}
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		ls = append(ls, evalLine{"BED01", day(d), "60.00", "", 1, nil}, evalLine{"NUR01", day(d), "30.00", "", 1, nil})
	}
	return ls
}

// severityPatterns: EFLOW admits eight members for a night or two with no procedure and no
// emergency; EFSEV codes every DRG stay in a CC subgroup; EFEMR's short stays are all
// emergencies (a provider that must not fire).
func (e *eval) severityPatterns(dec time.Time) {
	for i := range 8 {
		from := dec.AddDate(0, 0, 2*i)
		to := from.AddDate(0, 0, 1+i%2)
		e.emit("EFLOW", e.id("EFLOW"), e.fresh(), true, false, from, to, evalShort, e.shortLines(from, to))
		e.emit("EFEMR", e.id("EFEMR"), e.fresh(), true, true, from, to, evalShort, e.shortLines(from, to))
		to = from.AddDate(0, 0, 4+i%3)
		e.emit("EFSEV", e.id("EFSEV"), e.fresh(), true, false, from, to, evalDRG, e.stayLines(from, to, e.doctor("EFSEV"), true))
	}
	e.s.ProviderLabels["EFLOW"] = []string{"low_severity_admissions"}
	e.s.ProviderLabels["EFSEV"] = []string{"severity_upcoding"}
}
