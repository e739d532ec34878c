package sample

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"medclaims/policy"
)

// EvalStream is a labelled stream for measuring the fraud stage (FRAUD.md §7): a clean
// background, injected patterns, and legitimate look-alikes. Every number is illustrative.
type EvalStream struct {
	Bundle *policy.Bundle
	Items  [][]byte
	// ClaimLabels are the claim rules each injected claim should fire ("provider/claim").
	ClaimLabels map[string][]string
	// EitherLabels are pairs of claims of which exactly one should fire the rule: the one
	// stored second, whichever partition it ran on (trace_code_reused across members).
	EitherLabels map[string][][2]string
	// ProviderLabels are the provider rules each injected provider should fire.
	ProviderLabels map[string][]string
	// LookAlikes are legitimate claims that resemble a pattern: they count as clean.
	LookAlikes map[string]string
	// Providers are every provider of the stream; those without ProviderLabels are clean.
	Providers []string
}

// Eval providers: one peer group (level 2, region 150990), all contracting ffs and drg.
var evalProviders = []struct {
	id   string
	beds int
}{
	{"EC01", 150}, {"EC02", 150}, {"EC03", 150}, {"EC04", 150}, {"EC05", 150}, {"EC06", 10},
	{"EFCEN", 12}, {"EFGRP", 150}, {"EFCLN", 150}, {"EFHRS", 150}, {"EFCST", 150}, {"EFLOW", 20}, {"EFSEV", 20},
	{"EFEMR", 20},
}

// evalAlliance is the medical alliance (医联体) of two clean providers.
var evalAlliance = map[string]string{"EC04": "EA1", "EC05": "EA1"}

var evalClean = []string{"EC01", "EC02", "EC03", "EC04", "EC05"}

// evalDRG is a stay that groups to GZ13 with the sample grouper (K11.901 is a CC the sample
// cc_evidence.csv does not question); evalPlain the same case without it, GZ15 (no CC).
// Background stays are mostly plain, so peers' shares of CC subgroups are low and alike.
const (
	evalDRG   = `"diagnoses":["K22.301","K11.901","E11.900"],"procedures":["96.0800x005"]`
	evalPlain = `"diagnoses":["K22.301","E11.900"],"procedures":["96.0800x005"]`
	// evalCrush groups to GZ13 on two CCs, S67.000 and S24.100x771, that cc_evidence.csv
	// supports by any exam line; without both it is GZ15.
	evalCrush = `"diagnoses":["K59.301","S67.000","S24.100x771","K63.807"],"procedures":["46.9500"]`
	// evalShort is a short stay coded without a procedure.
	evalShort = `"diagnoses":["K22.301","E11.900"]`
)

// eval is the generator's state.
type eval struct {
	r      *rand.Rand
	s      *EvalStream
	n      int // claims made
	member int
	last   string // the last claim emitted
	codes  int    // traceability codes issued
}

// Eval builds the labelled stream for a seed; scale multiplies the background and every
// injected pattern.
func Eval(seed uint64, scale int) (*EvalStream, error) {
	if scale < 1 {
		scale = 1
	}
	e := &eval{r: rand.New(rand.NewPCG(seed, seed^0x5851f42d4c957f2d)), s: &EvalStream{ClaimLabels: map[string][]string{}, EitherLabels: map[string][][2]string{},
		ProviderLabels: map[string][]string{}, LookAlikes: map[string]string{}}}
	for _, p := range evalProviders {
		e.s.Providers = append(e.s.Providers, p.id)
	}
	members := 400 * scale
	b, err := evalBundle(members, evalFreshPerScale*scale)
	if err != nil {
		return nil, err
	}
	e.s.Bundle = b
	for m := 1; m <= members; m++ {
		e.background(evalMember(m))
	}
	for rep := range scale {
		e.claimPatterns(10)
		e.providerPatterns(rep)
	}
	return e.s, nil
}

// Members: EM… the background, EX… the patterns' own (no other claims), ED… deceased.
const (
	evalDeceasedMembers = 10
	evalFreshPerScale   = 24*10 + 110 // claimPatterns(10) and providerPatterns use these
)

func evalMember(i int) string   { return fmt.Sprintf("EM%06d", i) }
func evalFresh(i int) string    { return fmt.Sprintf("EX%06d", i) }
func evalDeceased(i int) string { return fmt.Sprintf("ED%06d", i) }

// evalBundle is the sample bundle with the eval providers, members (background, fresh and
// deceased), and two hourly nursing items.
func evalBundle(members, fresh int) (*policy.Bundle, error) {
	files, err := bundleFiles()
	if err != nil {
		return nil, err
	}
	var p bytes.Buffer
	p.Write(files[policy.FileProviders])
	for _, x := range evalProviders {
		fmt.Fprintf(&p, "%s,Eval provider %s,2,150990,%d,%s,ffs|drg,1,designated,,\n", x.id, x.id, x.beds, evalAlliance[x.id])
	}
	files[policy.FileProviders] = p.Bytes()
	var m bytes.Buffer
	m.Write(files[policy.FileMembers])
	for i := 1; i <= members; i++ {
		fmt.Fprintf(&m, "%s,resident,150990,1965-01-01,%s,,false,none,,\n", evalMember(i), []string{"M", "F"}[i%2])
	}
	for i := 1; i <= fresh; i++ {
		fmt.Fprintf(&m, "%s,resident,150990,1970-01-01,%s,,false,none,,\n", evalFresh(i), []string{"M", "F"}[i%2])
	}
	for i := 1; i <= evalDeceasedMembers; i++ {
		fmt.Fprintf(&m, "%s,resident,150990,1940-01-01,M,2026-06-01,false,none,,\n", evalDeceased(i))
	}
	files[policy.FileMembers] = m.Bytes()
	delete(files, policy.FilePractitioners) // the stream's practitioners are generated per provider, outside any registry
	files[policy.FileCatalogue] = append(append([]byte{}, files[policy.FileCatalogue]...),
		"NURH1,Special nursing hour (day),nursing,A,1,,24,1,\nNURH2,Special nursing hour (night),nursing,A,1,,24,1,\n"+
			"XE001,Compound vitamin tablet,drug,A,1,,60,,\nXS030,Metformin tablet (box of 30),drug,A,1,,,,30\n"...)
	return policy.FromFiles(files, policyOptions)
}

// line is one bill line: item, date, quantity, unit price, practitioner, and the
// traceability codes a drug line carries.
type evalLine struct {
	item, day, price, who string
	qty                   int
	codes                 []string
}

func day(t time.Time) string { return t.Format("2006-01-02") }

func (e *eval) emit(provider, id, member string, inpatient, emergency bool, from, to time.Time, dx string, lines []evalLine) string {
	e.n++
	cents := 0
	var ls []string
	for i, l := range lines {
		c := l.qty * parseCents(l.price)
		cents += c
		who := ""
		if l.who != "" {
			who = fmt.Sprintf(`,"practitioner_id":%q`, l.who)
		}
		if len(l.codes) > 0 {
			who += `,"trace_codes":["` + strings.Join(l.codes, `","`) + `"]`
		}
		ls = append(ls, fmt.Sprintf(`{"line_no":%d,"item_code":%q,"service_date":%q,"quantity":"%d","unit_price":%q,"amount":%q%s}`,
			i+1, l.item, l.day, l.qty, l.price, centsString(c), who))
	}
	var head string
	if inpatient {
		head = fmt.Sprintf(`"care_type":"inpatient","admitted":%q,"discharged":%q,"emergency":%t,%s`, day(from), day(to), emergency, dx)
	} else {
		head = fmt.Sprintf(`"care_type":"outpatient","service_date":%q,"emergency":%t,"diagnoses":["J06.900"]`, day(from), emergency)
	}
	e.last = fmt.Sprintf(`{"claim_id":%q,"provider_id":%q,"member_id":%q,%s,"lines":[%s],"total":%q}`,
		id, provider, member, head, strings.Join(ls, ","), centsString(cents))
	e.s.Items = append(e.s.Items, []byte(e.last))
	return provider + "/" + id
}

func (e *eval) id(prefix string) string { return fmt.Sprintf("%s-%06d", prefix, e.n+1) }

// own adds a refill of varying size to a pattern's bill, so pattern claims are not clones
// of one another (real bills differ); other is the same with another item, for the second
// claim of a pair (the same item twice a day would be a duplicate charge).
func (e *eval) own(on time.Time, ls ...evalLine) []evalLine {
	return append(ls, evalLine{"XC10AA05", day(on), "2.40", "", 5 + e.r.IntN(26), nil}, evalLine{"EXM01", day(on), "280.00", "", 1 + e.r.IntN(2), nil},
		evalLine{"LAB01", day(on), "25.00", "", 1 + e.r.IntN(3), nil})
}

func (e *eval) other(on time.Time, ls ...evalLine) []evalLine {
	return append(ls, evalLine{"XE001", day(on), "1.10", "", 5 + e.r.IntN(56), nil})
}

// doctor is one of a provider's twenty practitioners.
func (e *eval) doctor(p string) string { return fmt.Sprintf("%s-D%02d", p, e.r.IntN(20)) }

// stayLines bills a stay by day: a bed and a nursing day a night, a lab test, the GZ13
// procedure on the second day, a tablet; extra lines vary the bill.
func (e *eval) stayLines(from, to time.Time, who string, beds bool) []evalLine {
	var ls []evalLine
	for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
		if beds {
			ls = append(ls, evalLine{"BED01", day(d), "60.00", "", 1, nil}, evalLine{"NUR01", day(d), "30.00", "", 1, nil})
		}
	}
	second := from.AddDate(0, 0, 1)
	ls = append(ls, evalLine{"LAB01", day(from), "25.00", who, 1 + e.r.IntN(3), nil},
		evalLine{"PRC02", day(second), "4200.00", who, 1, nil}, evalLine{"XC10AA05", day(second), "2.40", "", 2 + e.r.IntN(20), nil})
	if e.r.IntN(2) == 0 {
		ls = append(ls, evalLine{"EXM01", day(from), "280.00", who, 1 + e.r.IntN(2), nil})
	}
	return ls
}

// visitLines bills a visit: a consultation, a refill of varying size, sometimes a test.
func (e *eval) visitLines(on time.Time, who string) []evalLine {
	ls := []evalLine{{"SRV01", day(on), "30.00", who, 1, nil}, {"XC10AA05", day(on), "2.40", "", 10 + e.r.IntN(21), nil}}
	if e.r.IntN(2) == 0 {
		ls = append(ls, evalLine{"LAB02", day(on), "180.00", who, 1 + e.r.IntN(2), nil})
	}
	if e.r.IntN(2) == 0 {
		ls = append(ls, evalLine{"XE001", day(on), "1.10", "", 5 + e.r.IntN(56), nil})
	}
	return ls
}

var evalStart = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// background gives a member two to four claims, two months apart or more, at clean providers:
// stays that never overlap, visits, refills.
func (e *eval) background(member string) {
	months := e.r.Perm(6)[:2+e.r.IntN(3)] // every other month: no readmission within 15 days
	for _, slot := range months {
		mo := 2 * slot
		from := evalStart.AddDate(0, mo, e.r.IntN(18))
		p := evalClean[e.r.IntN(len(evalClean))]
		who := fmt.Sprintf("%s-D%02d", p, e.r.IntN(20))
		if e.r.IntN(5) < 3 {
			to := from.AddDate(0, 0, 3+e.r.IntN(6))
			dx := evalPlain
			if e.r.IntN(5) == 0 {
				dx = evalDRG
			}
			e.emit(p, e.id(p), member, true, false, from, to, dx, e.stayLines(from, to, who, true))
		} else {
			e.emit(p, e.id(p), member, false, false, from, from, "", e.visitLines(from, who))
			if e.r.IntN(3) == 0 { // a full-ward provider's visits keep it in the stream
				e.emit("EC06", e.id("EC06"), member, false, false, from.AddDate(0, 0, 1), from.AddDate(0, 0, 1), "",
					e.visitLines(from.AddDate(0, 0, 1), "EC06-D01"))
			}
		}
	}
}

func (e *eval) label(key string, rules ...string) {
	e.s.ClaimLabels[key] = append(e.s.ClaimLabels[key], rules...)
}

// fresh is a member with no background claims (the pattern's own history only).
func (e *eval) fresh() string {
	e.member++
	return evalFresh(e.member)
}

// claimPatterns injects n of each claim pattern and the claim look-alikes, at clean
// providers, in November (after every background claim).
func (e *eval) claimPatterns(n int) {
	nov := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	for range n {
		d := nov.AddDate(0, 0, e.r.IntN(28))
		los := 4 + e.r.IntN(6) // stays of a pattern differ in dates and length: no group admissions by accident
		// after_death: a visit after the member's death.
		dead := evalDeceased(1 + e.r.IntN(evalDeceasedMembers))
		p := evalClean[e.r.IntN(len(evalClean))]
		e.label(e.emit(p, e.id(p), dead, false, false, d, d, "", e.visitLines(d, e.doctor(p))), "after_death")
		// overlapping_stay: a stay at EC02 inside a stay at EC01 (billed without beds, other items).
		m := e.fresh()
		e.emit("EC01", e.id("EC01"), m, true, false, d, d.AddDate(0, 0, los+3), evalPlain, e.stayLines(d, d.AddDate(0, 0, los+3), e.doctor("EC01"), true))
		e.label(e.emit("EC02", e.id("EC02"), m, true, false, d.AddDate(0, 0, 2), d.AddDate(0, 0, 5), evalPlain,
			e.other(d.AddDate(0, 0, 3), evalLine{"XJ01DD04", day(d.AddDate(0, 0, 3)), "48.50", "", 1 + e.r.IntN(4), nil})), "overlapping_stay")
		// same-day transfer (look-alike): discharged from EC01 and admitted to EC03 that day.
		m = e.fresh()
		e.emit("EC01", e.id("EC01"), m, true, false, d, d.AddDate(0, 0, los), evalPlain, e.stayLines(d, d.AddDate(0, 0, los), e.doctor("EC01"), true))
		e.s.LookAlikes[e.emit("EC03", e.id("EC03"), m, true, true, d.AddDate(0, 0, los), d.AddDate(0, 0, los+5), evalPlain,
			e.stayLines(d.AddDate(0, 0, los), d.AddDate(0, 0, los+5), e.doctor("EC03"), true))] = "same-day transfer"
		// daily_cap: five blood counts in one day.
		e.label(e.emit("EC03", e.id("EC03"), e.fresh(), false, false, d, d, "", e.own(d, evalLine{"SRV01", day(d), "30.00", "", 1, nil},
			evalLine{"LAB01", day(d), "25.00", "", 4 + e.r.IntN(3), nil})), "daily_cap")
		// bed_days_over_stay: a bed day billed on the discharge day too.
		ls := e.stayLines(d, d.AddDate(0, 0, los), e.doctor("EC04"), true)
		ls = append(ls, evalLine{"BED01", day(d.AddDate(0, 0, los)), "60.00", "", 1, nil})
		e.label(e.emit("EC04", e.id("EC04"), e.fresh(), true, false, d, d.AddDate(0, 0, los), evalPlain, ls), "bed_days_over_stay")
		// hours_over_24: 13 + 13 hours of special nursing at two providers the same day; 12 + 12 is a look-alike.
		m = e.fresh()
		e.emit("EC01", e.id("EC01"), m, false, false, d, d, "", e.own(d, evalLine{"NURH1", day(d), "40.00", "", 13, nil}))
		e.label(e.emit("EC05", e.id("EC05"), m, false, false, d, d, "", e.other(d, evalLine{"NURH2", day(d), "40.00", "", 13, nil})), "hours_over_24")
		m = e.fresh()
		e.emit("EC01", e.id("EC01"), m, false, false, d, d, "", e.own(d, evalLine{"NURH1", day(d), "40.00", "", 12, nil}))
		e.s.LookAlikes[e.emit("EC05", e.id("EC05"), m, false, false, d, d, "", e.other(d, evalLine{"NURH2", day(d), "40.00", "", 12, nil}))] = "exactly 24.0 hours"
		// duplicate_charge: the same test billed by two providers the same day.
		m = e.fresh()
		e.emit("EC02", e.id("EC02"), m, false, false, d, d, "", e.own(d, evalLine{"SRV01", day(d), "30.00", "", 1, nil}, evalLine{"LAB02", day(d), "180.00", "", 1, nil}))
		e.label(e.emit("EC03", e.id("EC03"), m, false, false, d, d, "", e.other(d, evalLine{"LAB02", day(d), "180.00", "", 1, nil})), "duplicate_charge")
		// split_admission: readmitted 5 days later, same diagnosis, not an emergency; an emergency readmission is a look-alike.
		for _, emergency := range []bool{false, true} {
			m = e.fresh()
			first := 3 + e.r.IntN(4)
			e.emit("EC05", e.id("EC05"), m, true, false, d, d.AddDate(0, 0, first), evalPlain, e.stayLines(d, d.AddDate(0, 0, first), e.doctor("EC05"), true))
			back := d.AddDate(0, 0, first+5)
			k := e.emit("EC05", e.id("EC05"), m, true, emergency, back, back.AddDate(0, 0, los), evalPlain,
				e.stayLines(back, back.AddDate(0, 0, los), e.doctor("EC05"), true))
			if emergency {
				e.s.LookAlikes[k] = "emergency readmission"
			} else {
				e.label(k, "split_admission")
			}
		}
		e.drgPatterns(d, los)
	}
}

// providerPatterns injects one provider of each provider pattern in December, and a busy
// but full ward.
func (e *eval) providerPatterns(rep int) {
	dec := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rep)
	// census_over_beds: 16 inpatients at once in a 12-bed hospital (which also has the most
	// cases per bed of its peers).
	for i := range 16 {
		e.emit("EFCEN", e.id("EFCEN"), e.fresh(), true, false, dec, dec.AddDate(0, 0, 8+i%4), evalPlain,
			e.stayLines(dec, dec.AddDate(0, 0, 8+i%4), e.doctor("EFCEN"), true))
	}
	e.s.ProviderLabels["EFCEN"] = []string{"census_over_beds", "peer_outlier"}
	// busy but full ward (look-alike): 10 inpatients in EC06's 10 beds (once, whatever the scale).
	for i := range 10 * min(1, 1-rep) {
		e.s.LookAlikes[e.emit("EC06", e.id("EC06"), e.fresh(), true, false, dec, dec.AddDate(0, 0, 6+i%3), evalPlain,
			e.stayLines(dec, dec.AddDate(0, 0, 6+i%3), e.doctor("EC06"), true))] = "busy but full ward"
	}
	// group_admission: nine members admitted and discharged together.
	for range 9 {
		e.emit("EFGRP", e.id("EFGRP"), e.fresh(), true, false, dec.AddDate(0, 0, 4), dec.AddDate(0, 0, 8), evalPlain,
			e.stayLines(dec.AddDate(0, 0, 4), dec.AddDate(0, 0, 8), fmt.Sprintf("EFGRP-D%02d", e.r.IntN(20)), true))
	}
	e.s.ProviderLabels["EFGRP"] = []string{"group_admission"}
	// cloned_claims: six members with the same bill within three weeks.
	for i := range 6 {
		d := dec.AddDate(0, 0, i*3)
		e.emit("EFCLN", e.id("EFCLN"), e.fresh(), false, false, d, d, "", []evalLine{{"SRV01", day(d), "30.00", "", 1, nil},
			{"LAB02", day(d), "180.00", "", 1, nil}, {"XJ01DD04", day(d), "48.50", "", 2, nil}})
	}
	e.s.ProviderLabels["EFCLN"] = []string{"cloned_claims"}
	// practitioner_over_24h: one practitioner's 27 hours of nursing on one day.
	for i := range 3 {
		e.emit("EFHRS", e.id("EFHRS"), e.fresh(), false, false, dec.AddDate(0, 0, 10), dec.AddDate(0, 0, 10), "",
			[]evalLine{{"NURH1", day(dec.AddDate(0, 0, 10)), "40.00", "EFHRS-DX", 9, nil}, {"SRV01", day(dec.AddDate(0, 0, 10)), "30.00", fmt.Sprintf("EFHRS-D%d", i), 1, nil}})
	}
	e.s.ProviderLabels["EFHRS"] = []string{"practitioner_over_24h"}
	// peer_outlier: GZ13 cases billed five times the peers'; the peers' own cases in the window.
	for i := range 6 {
		from := dec.AddDate(0, 0, i*2)
		ls := e.stayLines(from, from.AddDate(0, 0, 6), e.doctor("EFCST"), true)
		ls = append(ls, evalLine{"MAT01", day(from.AddDate(0, 0, 1)), "6500.00", "", 3, nil}, evalLine{"PRC01", day(from.AddDate(0, 0, 2)), "8200.00", "", 1, nil})
		e.emit("EFCST", e.id("EFCST"), e.fresh(), true, false, from, from.AddDate(0, 0, 6), evalPlain, ls)
	}
	e.s.ProviderLabels["EFCST"] = []string{"peer_outlier"}
	e.severityPatterns(dec)
	for _, p := range evalClean {
		for i := range 6 {
			from := dec.AddDate(0, 0, 1+i*3)
			e.emit(p, e.id(p), e.fresh(), true, false, from, from.AddDate(0, 0, 5), evalPlain,
				e.stayLines(from, from.AddDate(0, 0, 5), fmt.Sprintf("%s-D%02d", p, e.r.IntN(20)), true))
		}
	}
}

// UnambiguousRules are the rules that must catch every injected case (FRAUD.md §7).
var UnambiguousRules = []string{"after_death", "overlapping_stay", "census_over_beds", "hours_over_24", "daily_cap", "bed_days_over_stay",
	"trace_code_reused", "unsupported_cc", "cost_shifting"}

// Labelled lists the providers with injected provider patterns, sorted.
func (s *EvalStream) Labelled() []string {
	out := make([]string, 0, len(s.ProviderLabels))
	for p := range s.ProviderLabels {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}
