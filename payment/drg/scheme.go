// Package drg is the CHS-DRG grouper: it assigns a case (diagnoses, procedures, sex, age,
// newborn facts) to an MDC, ADRG and DRG by the national scheme's rules. It is table driven:
// a scheme version is a data directory (rules.json and code tables, format
// "chs-drg-rules/1", described in data/chs-drg-1.1/SPEC.md), embedded in the binary; a new
// version is new data, not new code. It is pure and never touches I/O beyond its data.
package drg

import (
	"bytes"
	"embed"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"sort"
	"sync"
)

//go:embed data
var dataFS embed.FS

const ruleFormat = "chs-drg-rules/1"

// Schemes lists the embedded scheme versions (data directory names), e.g. "chs-drg-1.1".
func Schemes() []string {
	entries, _ := fs.ReadDir(dataFS, "data")
	var out []string
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

// Has reports whether a scheme version is embedded.
func Has(name string) bool {
	for _, s := range Schemes() {
		if s == name {
			return true
		}
	}
	return false
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*Grouper{}
)

// Scheme returns the grouper of an embedded scheme version, loading it once per process.
func Scheme(name string) (*Grouper, error) {
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if g, ok := cache[name]; ok {
		return g, nil
	}
	if !Has(name) {
		return nil, fmt.Errorf("drg: no grouper data for scheme %q (have %v)", name, Schemes())
	}
	sub, err := fs.Sub(dataFS, "data/"+name)
	if err != nil {
		return nil, err
	}
	g, err := Load(sub)
	if err != nil {
		return nil, fmt.Errorf("drg: scheme %s: %w", name, err)
	}
	g.Name = name
	cache[name] = g
	return g, nil
}

// ---- rules.json ----

type rulesFile struct {
	Format      string   `json:"format"`
	Scheme      string   `json:"scheme"`
	MDCOrder    []string `json:"mdc_order"`
	NoMDCResult string   `json:"no_mdc_result"`
	MDCs        []struct {
		MDC      string    `json:"mdc"`
		Entry    condJSON  `json:"entry"`
		Sequence []seqJSON `json:"sequence"`
	} `json:"mdcs"`
}

type seqJSON struct {
	Type      string   `json:"type"`
	ADRG      string   `json:"adrg"`
	DRG       string   `json:"drg"`
	Enabled   bool     `json:"enabled"`
	Condition condJSON `json:"condition"`
	Splits    []struct {
		DRG  string `json:"drg"`
		Kind string `json:"kind"`
	} `json:"splits"`
	Fallback string `json:"fallback"`
}

type condJSON struct {
	Kind          string            `json:"kind"`
	Of            []condJSON        `json:"of"`
	Codes         []string          `json:"codes"`
	Tags          []string          `json:"tags"`
	AnyOf         [][]string        `json:"any_of"`
	MaxDays       *int              `json:"max_days"`
	MinG          *int              `json:"min_g"`
	MaxGExclusive *int              `json:"max_g_exclusive"`
	Years         *int              `json:"years"`
	Gender        *int              `json:"gender"`
	MinRegions    *int              `json:"min_regions"`
	RegionOf      map[string]string `json:"region_of"`
}

// Load builds a grouper from a scheme data directory.
func Load(fsys fs.FS) (*Grouper, error) {
	rf, err := readRules(fsys)
	if err != nil {
		return nil, err
	}
	g := &Grouper{Scheme: rf.Scheme, ids: map[string]int32{}, tables: map[string]int32{}}
	t, err := readTables(fsys)
	if err != nil {
		return nil, err
	}
	// Tables first: they intern most codes.
	for _, set := range [][][2]string{t.cc, t.mcc, t.cce, t.or} {
		for _, p := range set {
			g.intern(p[0])
		}
	}
	if err := g.compileMDCs(rf); err != nil {
		return nil, err
	}
	g.noMDC = rf.NoMDCResult
	// CC / MCC / CCE tables indexed by code id, after every code is interned.
	g.n = int32(len(g.ids))
	g.ccTable, g.mccTable, g.cceTable = g.tableIndex(t.cc), g.tableIndex(t.mcc), g.tableIndex(t.cce)
	orCodes := make([]string, len(t.or))
	for i, p := range t.or {
		orCodes[i] = p[0]
	}
	g.or = g.bitset(orCodes)
	for i := range g.mdcs {
		g.finish(&g.mdcs[i].entry)
		for j := range g.mdcs[i].seq {
			g.finish(&g.mdcs[i].seq[j].cond)
		}
	}
	return g, g.readNames(fsys, t.or)
}

func readRules(fsys fs.FS) (rulesFile, error) {
	var rf rulesFile
	raw, err := fs.ReadFile(fsys, "rules.json")
	if err != nil {
		return rf, err
	}
	if err := json.Unmarshal(raw, &rf); err != nil {
		return rf, fmt.Errorf("rules.json: %w", err)
	}
	if rf.Format != ruleFormat {
		return rf, fmt.Errorf("rules.json: format %q, want %q", rf.Format, ruleFormat)
	}
	return rf, nil
}

// codeTables are the OR procedure, CC, MCC and CC-exclusion tables of a data set.
type codeTables struct{ or, cc, mcc, cce [][2]string }

func readTables(fsys fs.FS) (codeTables, error) {
	var t codeTables
	for _, f := range []struct {
		name string
		to   *[][2]string
	}{{"or_procedures.csv", &t.or}, {"cc.csv", &t.cc}, {"mcc.csv", &t.mcc}, {"cce.csv", &t.cce}} {
		pairs, err := readPairs(fsys, f.name)
		if err != nil {
			return t, err
		}
		*f.to = pairs
	}
	return t, nil
}

// compileMDCs compiles every MDC's entry and sequence, in mdc_order (SPEC.md §3), which is
// not necessarily the file's order.
func (g *Grouper) compileMDCs(rf rulesFile) error {
	mdcIndex := map[string]int{}
	for _, m := range rf.MDCs {
		mdcIndex[m.MDC] = len(g.mdcs)
		cm := mdc{name: m.MDC}
		var err error
		if cm.entry, err = g.compile(m.Entry); err != nil {
			return fmt.Errorf("rules.json: %s entry: %w", m.MDC, err)
		}
		for _, it := range m.Sequence {
			item, err := g.compileItem(m.MDC, it)
			if err != nil {
				return err
			}
			cm.seq = append(cm.seq, item)
		}
		g.mdcs = append(g.mdcs, cm)
	}
	if len(rf.MDCOrder) == 0 {
		return nil
	}
	ordered := make([]mdc, 0, len(rf.MDCOrder))
	for _, name := range rf.MDCOrder {
		i, ok := mdcIndex[name]
		if !ok {
			return fmt.Errorf("rules.json: mdc_order names %s, which has no rules", name)
		}
		ordered = append(ordered, g.mdcs[i])
	}
	g.mdcs = ordered
	return nil
}

func (g *Grouper) compileItem(mdcName string, it seqJSON) (seqItem, error) {
	item := seqItem{qy: it.Type == "qy", enabled: it.Enabled, adrg: it.ADRG, code: it.DRG, fallback: it.Fallback}
	if it.Type != "qy" && it.Type != "adrg" {
		return item, fmt.Errorf("rules.json: %s: unknown sequence item type %q", mdcName, it.Type)
	}
	var err error
	if item.cond, err = g.compile(it.Condition); err != nil {
		return item, fmt.Errorf("rules.json: %s %s: %w", mdcName, it.ADRG, err)
	}
	for _, s := range it.Splits {
		k, ok := map[string]splitKind{"mcc": splitMCC, "cc_or_mcc": splitCCorMCC, "always": splitAlways}[s.Kind]
		if !ok {
			return item, fmt.Errorf("rules.json: %s %s: unknown split kind %q", mdcName, it.ADRG, s.Kind)
		}
		item.splits = append(item.splits, split{drg: s.DRG, kind: k})
	}
	return item, nil
}

// readNames reads the code and DRG names (the OR table names procedures it alone knows).
func (g *Grouper) readNames(fsys fs.FS, or [][2]string) error {
	var err error
	if g.diagNames, err = readNames(fsys, "diagnoses.csv"); err != nil {
		return err
	}
	if g.procNames, err = readNames(fsys, "procedures.csv"); err != nil {
		return err
	}
	if g.drgNames, err = readNames(fsys, "drg.csv"); err != nil {
		return err
	}
	for _, p := range or {
		if _, ok := g.procNames[p[0]]; !ok {
			g.procNames[p[0]] = p[1]
		}
	}
	return nil
}

func (g *Grouper) intern(code string) int32 {
	if id, ok := g.ids[code]; ok {
		return id
	}
	id := int32(len(g.ids))
	g.ids[code] = id
	g.codes = append(g.codes, code)
	return id
}

func (g *Grouper) tableID(t string) int32 {
	if id, ok := g.tables[t]; ok {
		return id
	}
	id := int32(len(g.tables))
	g.tables[t] = id
	g.tableNames = append(g.tableNames, t)
	return id
}

// tableIndex maps code id → exclusion table id (-1: no row).
func (g *Grouper) tableIndex(rows [][2]string) []int32 {
	idx := make([]int32, g.n)
	for i := range idx {
		idx[i] = -1
	}
	for _, r := range rows {
		id := g.ids[r[0]]
		if idx[id] == -1 { // first row wins; the tables repeat no code
			idx[id] = g.tableID(r[1])
		}
	}
	return idx
}

// compile turns a JSON condition into a cond, interning its codes; bitsets are sized in
// finish, once every code is known.
func (g *Grouper) compile(c condJSON) (cond, error) {
	k, ok := kindNames[c.Kind]
	if !ok {
		return cond{}, fmt.Errorf("unknown condition kind %q", c.Kind)
	}
	out := cond{kind: k, codes: c.Codes}
	for _, code := range c.Codes {
		g.intern(code)
	}
	need := func(p *int, name string) (int, error) {
		if p == nil {
			return 0, fmt.Errorf("%s needs %s", c.Kind, name)
		}
		return *p, nil
	}
	var err error
	switch k {
	case kAll:
		for _, sub := range c.Of {
			sc, err := g.compile(sub)
			if err != nil {
				return cond{}, err
			}
			out.of = append(out.of, sc)
		}
	case kAgeDaysAtMost:
		out.n, err = need(c.MaxDays, "max_days")
	case kAgeYearsEquals:
		out.n, err = need(c.Years, "years")
	case kGenderEquals:
		out.n, err = need(c.Gender, "gender")
	case kBirthWeightIn:
		out.minG, out.maxG = c.MinG, c.MaxGExclusive
	case kTraumaRegions:
		if out.n, err = need(c.MinRegions, "min_regions"); err == nil {
			err = g.compileRegions(c, &out)
		}
	case kProcTagCombo:
		err = g.compileTags(c, &out)
	}
	return out, err
}

// compileRegions numbers the body regions of a trauma condition.
func (g *Grouper) compileRegions(c condJSON, out *cond) error {
	out.regionOf = map[int32]int{}
	regions := map[string]int{}
	for code, region := range c.RegionOf {
		r, ok := regions[region]
		if !ok {
			r = len(regions)
			regions[region] = r
			out.regionNames = append(out.regionNames, region)
		}
		out.regionOf[g.intern(code)] = r
	}
	if len(regions) > 64 {
		return errors.New("trauma_regions_at_least: more than 64 regions")
	}
	return nil
}

// compileTags turns a procedure tag combination into per-code tag bits and the masks of
// the combinations that qualify.
func (g *Grouper) compileTags(c condJSON, out *cond) error {
	if len(c.Tags) != len(c.Codes) {
		return errors.New("proc_tag_combo: codes and tags differ in length")
	}
	tagIndex := map[string]int{}
	for _, t := range c.Tags {
		if _, ok := tagIndex[t]; !ok {
			tagIndex[t] = len(tagIndex)
			out.tagNames = append(out.tagNames, t)
		}
	}
	if len(tagIndex) > 64 {
		return errors.New("proc_tag_combo: more than 64 tags")
	}
	out.tagOf = map[int32]uint64{}
	for i, code := range c.Codes {
		id := g.intern(code)
		if _, seen := out.tagOf[id]; !seen { // the smallest index wins
			out.tagOf[id] = 1 << tagIndex[c.Tags[i]]
		}
	}
	for _, combo := range c.AnyOf {
		var mask uint64
		for _, t := range combo {
			i, ok := tagIndex[t]
			if !ok {
				// A tag no code carries can never be present: the combination never holds.
				mask = ^uint64(0)
				break
			}
			mask |= 1 << i
		}
		out.anyOf = append(out.anyOf, mask)
	}
	return nil
}

// finish builds the bitsets of a compiled condition tree.
func (g *Grouper) finish(c *cond) {
	if len(c.codes) > 0 {
		c.set = g.bitset(c.codes)
	}
	for i := range c.of {
		g.finish(&c.of[i])
	}
}

func (g *Grouper) bitset(codes []string) bitset {
	b := make(bitset, (len(g.ids)+63)/64)
	for _, code := range codes {
		if id, ok := g.ids[code]; ok {
			b[id>>6] |= 1 << (uint(id) & 63)
		}
	}
	return b
}

func readPairs(fsys fs.FS, name string) ([][2]string, error) {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = 2
	if _, err := r.Read(); err != nil {
		return nil, fmt.Errorf("%s: header: %w", name, err)
	}
	var out [][2]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out = append(out, [2]string{rec[0], rec[1]})
	}
}

func readNames(fsys fs.FS, name string) (map[string]string, error) {
	pairs, err := readPairs(fsys, name)
	if err != nil {
		return nil, err
	}
	m := make(map[string]string, len(pairs))
	for _, p := range pairs {
		m[p[0]] = p[1]
	}
	return m, nil
}
