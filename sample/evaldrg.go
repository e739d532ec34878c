package sample

import (
	"fmt"
	"strings"
	"time"
)

// The patterns of FRAUD.md §8 in the labelled stream, with the look-alikes of §8.3.

// drgPatterns injects one of each DRG-era claim pattern and its look-alikes at clean
// providers around day d. Each scenario draws its own dates: stays sharing admission and
// discharge dates would be group admissions.
func (e *eval) drgPatterns(d time.Time, los int) {
	e.resoldBoxes(d)
	e.upcodedStays(e.jitter(d), los)
	e.costShifting(e.jitter(d), los)
	e.allianceSplits(d)
}

// jitter moves a date by up to three weeks.
func (e *eval) jitter(d time.Time) time.Time { return d.AddDate(0, 0, e.r.IntN(21)) }

// stayDays is a stay's length: four to nine nights.
func (e *eval) stayDays() int { return 4 + e.r.IntN(6) }

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
	d = e.jitter(d)
	to = d.AddDate(0, 0, e.stayDays())
	ls := append(withoutExams(e.stayLines(d, to, e.doctor(p), true)), evalLine{"EXM01", day(d), "280.00", "", 1, nil})
	e.s.LookAlikes[e.emit(p, e.id(p), e.fresh(), true, false, d, to, evalCrush, ls)] = "CC supported by one matching line"
}

// costShifting: tests billed as a visit two days before a DRG admission at the same
// provider (the stay, processed later, is flagged), and an exam the day after a discharge
// (the visit is flagged); look-alikes: an emergency visit the day before admission, and a
// visit with only drug lines the day after discharge.
func (e *eval) costShifting(d time.Time, los int) {
	tests := func(on time.Time) []evalLine { // a refill of varying size: visits are not clones of one another
		return e.other(on, evalLine{"SRV01", day(on), "30.00", "", 1, nil}, evalLine{"LAB02", day(on), "180.00", "", 1, nil},
			evalLine{"EXM01", day(on), "280.00", "", 1, nil})
	}
	stay := func(p, m string, from time.Time) (string, time.Time) {
		to := from.AddDate(0, 0, los)
		return e.emit(p, e.id(p), m, true, false, from, to, evalPlain, e.stayLines(from, to, e.doctor(p), true)), to
	}
	p, m := e.clean(), e.fresh()
	e.emit(p, e.id(p), m, false, false, d.AddDate(0, 0, -2), d.AddDate(0, 0, -2), "", tests(d.AddDate(0, 0, -2)))
	k, _ := stay(p, m, d)
	e.label(k, "cost_shifting")
	p, m, d, los = e.clean(), e.fresh(), e.jitter(d), e.stayDays()
	_, to := stay(p, m, d)
	e.label(e.emit(p, e.id(p), m, false, false, to.AddDate(0, 0, 1), to.AddDate(0, 0, 1), "", tests(to.AddDate(0, 0, 1))), "cost_shifting")
	p, m, d, los = e.clean(), e.fresh(), e.jitter(d), e.stayDays()
	e.emit(p, e.id(p), m, false, true, d.AddDate(0, 0, -1), d.AddDate(0, 0, -1), "", tests(d.AddDate(0, 0, -1)))
	k, _ = stay(p, m, d)
	e.s.LookAlikes[k] = "emergency visit the day before admission"
	p, m, d, los = e.clean(), e.fresh(), e.jitter(d), e.stayDays()
	_, to = stay(p, m, d)
	e.s.LookAlikes[e.emit(p, e.id(p), m, false, false, to.AddDate(0, 0, 1), to.AddDate(0, 0, 1), "",
		[]evalLine{{"XC10AA05", day(to.AddDate(0, 0, 1)), "2.40", "", 10 + e.r.IntN(21), nil}})] = "visit with only drug lines"
}

// allianceSplits: a stay at EC04 and, three days after discharge, one with the same
// diagnosis at EC05, its alliance partner; look-alikes: a same-day transfer between them and
// an approved downward referral.
func (e *eval) allianceSplits(d time.Time) {
	stay := func(p, m string, from, to time.Time, dx string) string {
		return e.emit(p, e.id(p), m, true, false, from, to, dx, e.stayLines(from, to, e.doctor(p), true))
	}
	// earlier is a stay at EC04: its key and discharge date.
	earlier := func(m string) (string, time.Time) {
		from := e.jitter(d)
		out := from.AddDate(0, 0, 3+e.r.IntN(4))
		return stay("EC04", m, from, out, evalPlain), out
	}
	m := e.fresh()
	_, out := earlier(m)
	back := out.AddDate(0, 0, 3)
	e.label(stay("EC05", m, back, back.AddDate(0, 0, e.stayDays()), evalPlain), "split_admission")
	m = e.fresh()
	_, out = earlier(m)
	e.s.LookAlikes[stay("EC05", m, out, out.AddDate(0, 0, e.stayDays()), evalPlain)] = "same-day transfer between alliance members"
	m = e.fresh()
	k, out := earlier(m)
	back = out.AddDate(0, 0, 3)
	referral := fmt.Sprintf(`%s,"referral":{"from_provider_id":"EC04","from_claim_id":%q,"direction":"down","approved":true}`,
		evalPlain, strings.TrimPrefix(k, "EC04/"))
	e.s.LookAlikes[stay("EC05", m, back, back.AddDate(0, 0, e.stayDays()), referral)] = "approved downward referral for rehabilitation"
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
