package drg

import (
	"strconv"
	"strings"
)

// Statuses of a grouping (SPEC.md §6).
const (
	Success     = "SUCCESS"      // 分组成功
	Fail        = "FAIL"         // 无法入组
	QY          = "QY"           // 歧义病案
	CheckFailed = "CHECK_FAILED" // 信息校验不通过
)

// Case is what grouping reads. Absent integers have their Has flag false.
type Case struct {
	Index          string
	Gender         int // 1 male, 2 female; anything else fails the input check
	HasGender      bool
	Age            int // whole years
	HasAge         bool
	AgeDays        int
	HasAgeDays     bool
	BirthWeightG   int
	HasBirthWeight bool
	// Diagnoses is D: D[0] the principal, at least one element (SPEC.md §2.1).
	Diagnoses []string
	// Procedures is P: P[0] the main procedure when not empty.
	Procedures []string
	// Invalid marks a field that was present but not an integer (fails the input check).
	Invalid string
}

// SplitCodes splits a diagnosis or procedure string at every "," and "|", keeping empty
// elements and trimming nothing (SPEC.md §2.1). For procedures an empty string means none.
func SplitCodes(s string, procedures bool) []string {
	if procedures && s == "" {
		return nil
	}
	out := make([]string, 0, 4)
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == '|' {
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// Result is a grouping: MDC, ADRG, DRG and status, the trail of rules that fired in words a
// coder reads, and the codes no table knows.
type Result struct {
	MDC     string   `json:"mdc"`
	ADRG    string   `json:"adrg"`
	DRG     string   `json:"drg"`
	Status  string   `json:"status"`
	Trace   []string `json:"trace,omitempty"`
	Unknown []string `json:"unknown_codes,omitempty"`
}

// Grouper groups cases by one scheme version. It is safe for concurrent use.
type Grouper struct {
	Name   string
	Scheme string

	ids        map[string]int32 // every code any rule or table names
	codes      []string
	n          int32
	tables     map[string]int32
	tableNames []string
	or         bitset
	ccTable    []int32 // code id → exclusion table id, -1 none
	mccTable   []int32
	cceTable   []int32 // principal code id → its exclusion table id
	mdcs       []mdc
	noMDC      string
	diagNames  map[string]string
	procNames  map[string]string
	drgNames   map[string]string
}

type bitset []uint64

func (b bitset) has(id int32) bool { return id >= 0 && b[id>>6]&(1<<(uint(id)&63)) != 0 }

type kind int

const (
	kAlways kind = iota
	kAll
	kPdxIn
	kAnyDxIn
	kMainProcIn
	kAnyProcIn
	kMainProcIsOR
	kAnyProcIsOR
	kNoProcIsOR
	kProcTagCombo
	kAgeDaysAtMost
	kBirthWeightIn
	kAgeYearsEquals
	kGenderEquals
	kTraumaRegions
)

var kindNames = map[string]kind{
	"always": kAlways, "all": kAll, "pdx_in": kPdxIn, "any_dx_in": kAnyDxIn, "main_proc_in": kMainProcIn,
	"any_proc_in": kAnyProcIn, "main_proc_is_or": kMainProcIsOR, "any_proc_is_or": kAnyProcIsOR,
	"no_proc_is_or": kNoProcIsOR, "proc_tag_combo": kProcTagCombo, "age_days_at_most": kAgeDaysAtMost,
	"birth_weight_in": kBirthWeightIn, "age_years_equals": kAgeYearsEquals, "gender_equals": kGenderEquals,
	"trauma_regions_at_least": kTraumaRegions,
}

type cond struct {
	kind        kind
	codes       []string
	set         bitset
	of          []cond
	n           int
	minG, maxG  *int
	regionOf    map[int32]int
	regionNames []string
	tagOf       map[int32]uint64
	tagNames    []string
	anyOf       []uint64
}

type splitKind int

const (
	splitMCC splitKind = iota
	splitCCorMCC
	splitAlways
)

type split struct {
	drg  string
	kind splitKind
}

type seqItem struct {
	qy, enabled bool
	adrg, code  string
	cond        cond
	splits      []split
	fallback    string
}

type mdc struct {
	name  string
	entry cond
	seq   []seqItem
}

// ids of a case's codes: -1 for a code no rule or table names.
type caseIDs struct {
	c    *Case
	d, p []int32
}

func (g *Grouper) id(code string) int32 {
	if id, ok := g.ids[code]; ok {
		return id
	}
	return -1
}

// Group assigns a case to its DRG (SPEC.md §3).
func (g *Grouper) Group(c *Case) Result {
	if why := inputCheck(c); why != "" {
		return Result{MDC: "0000", ADRG: "00", DRG: "0000", Status: CheckFailed, Trace: []string{"input check failed: " + why}}
	}
	d := c.Diagnoses
	if len(d) == 0 {
		d = []string{""}
	}
	x := caseIDs{c: c, d: make([]int32, len(d)), p: make([]int32, len(c.Procedures))}
	var res Result
	for i, code := range d {
		if x.d[i] = g.id(code); x.d[i] < 0 {
			if _, named := g.diagNames[code]; !named {
				res.Unknown = append(res.Unknown, "diagnosis "+quoteCode(code))
			}
		}
	}
	for i, code := range c.Procedures {
		if x.p[i] = g.id(code); x.p[i] < 0 {
			if _, named := g.procNames[code]; !named {
				res.Unknown = append(res.Unknown, "procedure "+quoteCode(code))
			}
		}
	}
	for mi := range g.mdcs {
		m := &g.mdcs[mi]
		if !g.holds(&m.entry, &x) {
			continue
		}
		res.Trace = append(res.Trace, g.describe(&m.entry, &x, m.name+" entry"))
		for si := range m.seq {
			it := &m.seq[si]
			if it.qy {
				if it.enabled && g.holds(&it.cond, &x) {
					res.Trace = append(res.Trace, "ambiguous record: "+g.describe(&it.cond, &x, it.code))
					return g.finishResult(res, it.code)
				}
				continue
			}
			if !g.holds(&it.cond, &x) {
				continue
			}
			res.Trace = append(res.Trace, g.describe(&it.cond, &x, "ADRG "+it.adrg))
			for _, s := range it.splits {
				if ok, why := g.splitHolds(s.kind, &x); ok {
					if s.kind == splitAlways && len(it.splits) > 1 {
						why = "no secondary diagnosis is a qualifying MCC/CC" + g.exclNote(g.mccTable, &x, "MCC") + g.exclNote(g.ccTable, &x, "CC")
					}
					res.Trace = append(res.Trace, why+" → "+s.drg)
					return g.finishResult(res, s.drg)
				}
			}
			res.Trace = append(res.Trace, "no split held → "+it.fallback)
			return g.finishResult(res, it.fallback)
		}
		res.Trace = append(res.Trace, "no ADRG of "+m.name+" held; trying the next MDC")
	}
	res.Trace = append(res.Trace, "no MDC took the case")
	return g.finishResult(res, g.noMDC)
}

// finishResult maps a rule's code to (mdc, adrg, drg, status) (SPEC.md §6).
func (g *Grouper) finishResult(res Result, code string) Result {
	switch {
	case code == "0000" || len(code) < 3:
		res.MDC, res.ADRG, res.DRG, res.Status = "0000", "00", "0000", Fail
	case code[1:3] == "00":
		res.MDC, res.ADRG, res.DRG, res.Status = "MDC"+code[:1], "00", "0000", Fail
	case code[1:3] == "QY":
		res.MDC, res.ADRG, res.DRG, res.Status = "MDC"+code[:1], "QY", code, QY
	default:
		res.MDC, res.ADRG, res.DRG, res.Status = "MDC"+code[:1], code[:3], code, Success
	}
	return res
}

func inputCheck(c *Case) string {
	switch {
	case c.Invalid != "":
		return c.Invalid
	case !c.HasGender || (c.Gender != 1 && c.Gender != 2):
		if !c.HasGender {
			return "gender is missing"
		}
		return "gender " + strconv.Itoa(c.Gender) + " is not 1 (male) or 2 (female)"
	case !c.HasAge:
		return "age is missing"
	case c.Age == 0 && !c.HasAgeDays:
		return "age 0 needs age in days"
	case c.Age == 0 && c.AgeDays <= 28 && !c.HasBirthWeight:
		return "a newborn (≤ 28 days) needs a birth weight"
	}
	return ""
}

func (g *Grouper) holds(c *cond, x *caseIDs) bool {
	switch c.kind {
	case kAlways:
		return true
	case kAll:
		for i := range c.of {
			if !g.holds(&c.of[i], x) {
				return false
			}
		}
		return true
	case kPdxIn:
		return c.set.has(x.d[0])
	case kAnyDxIn:
		for _, id := range x.d {
			if c.set.has(id) {
				return true
			}
		}
		return false
	case kMainProcIn:
		return len(x.p) > 0 && c.set.has(x.p[0])
	case kAnyProcIn:
		for _, id := range x.p {
			if c.set.has(id) {
				return true
			}
		}
		return false
	case kMainProcIsOR:
		return len(x.p) > 0 && g.or.has(x.p[0])
	case kAnyProcIsOR:
		for _, id := range x.p {
			if g.or.has(id) {
				return true
			}
		}
		return false
	case kNoProcIsOR:
		for _, id := range x.p {
			if g.or.has(id) {
				return false
			}
		}
		return true
	case kProcTagCombo:
		var m uint64
		for _, id := range x.p {
			m |= c.tagOf[id]
		}
		for _, want := range c.anyOf {
			if m&want == want {
				return true
			}
		}
		return false
	case kAgeDaysAtMost:
		return x.c.HasAgeDays && x.c.AgeDays <= c.n
	case kBirthWeightIn:
		w := x.c.BirthWeightG
		return x.c.HasBirthWeight && w != 0 && (c.minG == nil || w >= *c.minG) && (c.maxG == nil || w < *c.maxG)
	case kAgeYearsEquals:
		return x.c.HasAge && x.c.Age == c.n
	case kGenderEquals:
		return x.c.HasGender && x.c.Gender == c.n
	case kTraumaRegions:
		var seen uint64
		count := 0
		for _, id := range x.d {
			if r, ok := c.regionOf[id]; ok && seen&(1<<uint(r)) == 0 {
				seen |= 1 << uint(r)
				count++
			}
		}
		return count >= c.n
	}
	return false
}

// splitHolds evaluates a DRG split by MCC/CC with the principal's exclusion table
// (SPEC.md §5) and says why in words.
func (g *Grouper) splitHolds(k splitKind, x *caseIDs) (bool, string) {
	if k == splitAlways {
		return true, "the ADRG has no severity split"
	}
	if len(x.d) <= 1 {
		return false, ""
	}
	excl := int32(-1)
	if x.d[0] >= 0 {
		excl = g.cceTable[x.d[0]]
	}
	find := func(table []int32) int {
		for i := 1; i < len(x.d); i++ {
			id := x.d[i]
			if id < 0 {
				continue
			}
			if t := table[id]; t >= 0 && (excl < 0 || t != excl) {
				return i
			}
		}
		return 0
	}
	if i := find(g.mccTable); i > 0 {
		return true, "secondary " + x.c.Diagnoses[i] + " is MCC" + g.exclNote(g.mccTable, x, "MCC")
	}
	if k == splitMCC {
		return false, ""
	}
	if i := find(g.ccTable); i > 0 {
		return true, "secondary " + x.c.Diagnoses[i] + " is CC" + g.exclNote(g.ccTable, x, "CC") + g.exclNote(g.mccTable, x, "MCC")
	}
	return false, ""
}

// exclNote names the secondaries that are CC/MCC but excluded by the principal's CCE table.
func (g *Grouper) exclNote(table []int32, x *caseIDs, what string) string {
	if len(x.d) < 2 || x.d[0] < 0 || g.cceTable[x.d[0]] < 0 {
		return ""
	}
	excl := g.cceTable[x.d[0]]
	var b strings.Builder
	for i := 1; i < len(x.d); i++ {
		if id := x.d[i]; id >= 0 && table[id] == excl {
			b.WriteString("; secondary " + x.c.Diagnoses[i] + " is " + what + " but excluded by table " + g.tableNames[excl])
		}
	}
	return b.String()
}

// describe says in words why a condition held.
func (g *Grouper) describe(c *cond, x *caseIDs, where string) string {
	d, p := x.c.Diagnoses, x.c.Procedures
	switch c.kind {
	case kAlways:
		return where + " applies to every case that reaches it"
	case kAll:
		parts := make([]string, 0, len(c.of))
		for i := range c.of {
			parts = append(parts, g.describe(&c.of[i], x, ""))
		}
		return where + ": " + strings.Join(parts, "; ")
	case kPdxIn:
		return join(where, "principal diagnosis "+g.dxName(d[0])+" in the list")
	case kAnyDxIn:
		for i, id := range x.d {
			if c.set.has(id) {
				return join(where, "diagnosis "+g.dxName(d[i])+" in the list")
			}
		}
	case kMainProcIn:
		return join(where, "main procedure "+g.pxName(p[0])+" in the list")
	case kAnyProcIn:
		for i, id := range x.p {
			if c.set.has(id) {
				return join(where, "procedure "+g.pxName(p[i])+" in the list")
			}
		}
	case kMainProcIsOR:
		return join(where, "main procedure "+g.pxName(p[0])+" is an operating-room procedure")
	case kAnyProcIsOR:
		return join(where, "a procedure is an operating-room procedure")
	case kNoProcIsOR:
		return join(where, "no procedure is an operating-room procedure")
	case kProcTagCombo:
		return join(where, "the procedures form a required combination")
	case kAgeDaysAtMost:
		return join(where, "age "+strconv.Itoa(x.c.AgeDays)+" days ≤ "+strconv.Itoa(c.n))
	case kBirthWeightIn:
		return join(where, "birth weight "+strconv.Itoa(x.c.BirthWeightG)+" g in range")
	case kAgeYearsEquals:
		return join(where, "age "+strconv.Itoa(x.c.Age)+" years")
	case kGenderEquals:
		return join(where, map[int]string{1: "male", 2: "female"}[c.n])
	case kTraumaRegions:
		return join(where, "diagnoses cover at least "+strconv.Itoa(c.n)+" trauma regions")
	}
	return where
}

func join(where, what string) string {
	if where == "" {
		return what
	}
	return where + ": " + what
}

func (g *Grouper) dxName(code string) string {
	if n, ok := g.diagNames[code]; ok {
		return code + " (" + n + ")"
	}
	return quoteCode(code)
}

func (g *Grouper) pxName(code string) string {
	if n, ok := g.procNames[code]; ok {
		return code + " (" + n + ")"
	}
	return quoteCode(code)
}

func quoteCode(code string) string {
	if code == "" {
		return `""`
	}
	return code
}

// DRGName returns the name of a DRG code, or "".
func (g *Grouper) DRGName(code string) string { return g.drgNames[code] }

// Default is the scheme version used when none is named.
const Default = "chs-drg-1.1"

// Group groups a case with the default scheme (CHS-DRG 1.1).
func Group(c Case) Result {
	g, err := Scheme(Default)
	if err != nil { // the embedded data is fixed at build time; this is a build defect
		return Result{MDC: "0000", ADRG: "00", DRG: "0000", Status: CheckFailed, Trace: []string{"grouper data: " + err.Error()}}
	}
	return g.Group(&c)
}

// Severe lists the case's secondary diagnoses that count as MCC or CC: in the MCC or CC
// table and not excluded by the principal's exclusion table (SPEC.md §5). These are what a
// CC or MCC subgroup rests on.
func (g *Grouper) Severe(c *Case) []string {
	d := c.Diagnoses
	if len(d) < 2 {
		return nil
	}
	excl := int32(-1)
	if p := g.id(d[0]); p >= 0 {
		excl = g.cceTable[p]
	}
	var out []string
	for _, code := range d[1:] {
		id := g.id(code)
		if id < 0 {
			continue
		}
		for _, table := range [][]int32{g.mccTable, g.ccTable} {
			if t := table[id]; t >= 0 && (excl < 0 || t != excl) {
				out = append(out, code)
				break
			}
		}
	}
	return out
}
