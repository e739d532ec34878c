package policy

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strconv"

	"github.com/shopspring/decimal"
)

// File names of a bundle.
const (
	FilePolicy      = "policy.json"
	FileCatalogue   = "catalogue.csv"
	FileDRGWeights  = "drg_weights.csv"
	FileDiseaseFees = "disease_fees.csv"
	FileProviders   = "providers.csv"
	FileMembers     = "members.csv"
	FileSignups     = "signups.csv"
	FileBudgets     = "budgets.csv"
)

var requiredFiles = []string{FilePolicy, FileCatalogue, FileProviders, FileMembers}
var optionalFiles = []string{FileDRGWeights, FileDiseaseFees, FileSignups, FileBudgets, FileEdits, FilePractitioners, FileCCEvidence}

// Options are what a bundle is validated against that the policy package does not own: the
// DRG grouper data sets that exist (the caller knows them; see payment.PolicyOptions).
type Options struct {
	Groupers []string
	// FraudRules are the fraud rules a bundle may configure: rule id → parameter name →
	// kind (FraudWeight, FraudInt, FraudDecimal); "enabled" is allowed for every rule.
	FraudRules map[string]map[string]string
}

// LoadDir loads and validates the bundle in a directory.
func LoadDir(dir string, opt Options) (*Bundle, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("load policy bundle: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("load policy bundle: %s is not a directory", dir)
	}
	return Load(os.DirFS(dir), opt)
}

// Load reads a bundle from a file system and validates it as a whole. Any defect refuses
// the whole bundle with a *BundleError naming file, line and column.
func Load(fsys fs.FS, opt Options) (*Bundle, error) {
	files := map[string][]byte{}
	for _, name := range append(append([]string{}, requiredFiles...), optionalFiles...) {
		b, err := fs.ReadFile(fsys, name)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load policy bundle: read %s: %w", name, err)
		}
		files[name] = b
	}
	return FromFiles(files, opt)
}

// FromFiles builds a bundle from file contents keyed by file name.
func FromFiles(files map[string][]byte, opt Options) (*Bundle, error) {
	l := &loader{b: &Bundle{Files: files}, opt: opt}
	for _, name := range requiredFiles {
		if _, ok := files[name]; !ok {
			l.errAt(name, 1, 1, "required file is missing")
		}
	}
	if data, ok := files[FilePolicy]; ok {
		l.policyJSON(data)
	}
	l.catalogue(files[FileCatalogue])
	l.drgWeights(files[FileDRGWeights])
	l.diseaseFees(files[FileDiseaseFees])
	l.providers(files[FileProviders])
	l.members(files[FileMembers])
	l.signups(files[FileSignups])
	l.budgets(files[FileBudgets])
	l.edits(files[FileEdits])
	l.practitioners(files[FilePractitioners])
	l.ccEvidence(files[FileCCEvidence])
	if len(l.errs) > 0 {
		return nil, &BundleError{Errs: l.errs}
	}
	l.b.Hash = hashFiles(files)
	l.b.index()
	return l.b, nil
}

func hashFiles(files map[string][]byte) string {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(files[n]))
		h.Write(files[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

type loader struct {
	b    *Bundle
	opt  Options
	errs []Error
}

func (l *loader) errAt(file string, line, col int, format string, args ...any) {
	l.errs = append(l.errs, Error{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)})
}

// ---- policy.json ----

// jctx reads typed values out of the decoded policy.json, reporting errors at the value's
// position.
type jctx struct {
	l    *loader
	data []byte
	idx  map[string]int64
}

func (j *jctx) err(path, format string, args ...any) {
	off, ok := j.idx[path]
	for !ok && path != "" { // a missing key: point at its parent object
		path = parentPath(path)
		off, ok = j.idx[path]
	}
	line, col := lineCol(j.data, off)
	j.l.errAt(FilePolicy, line, col, "%s: %s", displayPath(path, format), fmt.Sprintf(format, args...))
}

func displayPath(path, _ string) string {
	if path == "" {
		return "(top level)"
	}
	return path
}

func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		if p[i] == '.' || p[i] == '[' {
			return p[:i]
		}
	}
	return ""
}

func (j *jctx) obj(v any, path string, required bool) map[string]any {
	if v == nil {
		if required {
			j.err(path, "required object is missing")
		}
		return nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		j.err(path, "must be an object")
		return nil
	}
	return m
}

func (j *jctx) str(m map[string]any, k, path string, required bool) string {
	v, ok := m[k]
	if !ok || v == nil {
		if required {
			j.err(path, "required value is missing")
		}
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		j.err(path, "must be a string")
	}
	return s
}

func (j *jctx) dec(m map[string]any, k, path string, required bool) decimal.Decimal {
	d := j.optDec(m, k, path)
	if d == nil {
		if required {
			if _, present := m[k]; !present {
				j.err(path, "required decimal is missing")
			} else if m[k] == nil {
				j.err(path, "must be a decimal string, not null")
			}
		}
		return decimal.Zero
	}
	return *d
}

// optDec reads a decimal that may be null or absent (nil).
func (j *jctx) optDec(m map[string]any, k, path string) *decimal.Decimal {
	v, ok := m[k]
	if !ok || v == nil {
		return nil
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x)
	default:
		j.err(path, "must be a decimal string")
		return nil
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		j.err(path, "%q is not a decimal", s)
		return nil
	}
	return &d
}

func (j *jctx) ratio(m map[string]any, k, path string, required bool) decimal.Decimal {
	d := j.dec(m, k, path, required)
	if d.IsNegative() || d.GreaterThan(decimal.NewFromInt(1)) {
		j.err(path, "ratio %s is outside 0..1", d)
	}
	return d
}

func (j *jctx) nonNeg(m map[string]any, k, path string, required bool) decimal.Decimal {
	d := j.dec(m, k, path, required)
	if d.IsNegative() {
		j.err(path, "must not be negative, got %s", d)
	}
	return d
}

func (j *jctx) integer(m map[string]any, k, path string, required bool) (int, bool) {
	v, ok := m[k]
	if !ok || v == nil {
		if required {
			j.err(path, "required whole number is missing")
		}
		return 0, false
	}
	var s string
	switch x := v.(type) {
	case json.Number:
		s = string(x)
	case string:
		s = x
	default:
		j.err(path, "must be a whole number")
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		j.err(path, "%q is not a whole number", s)
		return 0, false
	}
	return n, true
}

func (j *jctx) boolean(m map[string]any, k, path string) bool {
	v, ok := m[k]
	if !ok || v == nil {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		j.err(path, "must be true or false")
	}
	return b
}

func (j *jctx) optNonNeg(m map[string]any, k, path string) *decimal.Decimal {
	d := j.optDec(m, k, path)
	if d != nil && d.IsNegative() {
		j.err(path, "must not be negative, got %s", d)
	}
	return d
}

func (j *jctx) scheme(v any, path string) *Scheme {
	s := &Scheme{DRGBaseRate: map[int]decimal.Decimal{}}
	m := j.obj(v, path, true)
	if m == nil {
		return s
	}
	s.Inpatient = j.care(m["inpatient"], path+".inpatient")
	s.Outpatient = j.care(m["outpatient"], path+".outpatient")
	if cm := j.obj(m["critical"], path+".critical", false); cm != nil {
		s.Critical = &CriticalRule{
			Threshold: j.nonNeg(cm, "threshold", path+".critical.threshold", true),
			Ratio:     j.ratio(cm, "ratio", path+".critical.ratio", true),
			AnnualCap: j.optNonNeg(cm, "annual_cap", path+".critical.annual_cap"),
		}
	}
	if rm := j.obj(m["drg_base_rate"], path+".drg_base_rate", false); rm != nil {
		for k := range rm {
			lvl, err := strconv.Atoi(k)
			if err != nil || lvl < 1 || lvl > 3 {
				j.err(path+".drg_base_rate."+k, "level must be 1, 2 or 3")
				continue
			}
			s.DRGBaseRate[lvl] = j.nonNeg(rm, k, path+".drg_base_rate."+k, true)
		}
	}
	s.CapitationPerHeadMonth = j.optNonNeg(m, "capitation_per_head_month", path+".capitation_per_head_month")
	return s
}

func (j *jctx) care(v any, path string) *CareRule {
	m := j.obj(v, path, false)
	if m == nil {
		return nil
	}
	c := &CareRule{Levels: map[int]*LevelRule{}, AnnualCap: j.optNonNeg(m, "annual_cap", path+".annual_cap")}
	lm := j.obj(m["levels"], path+".levels", true)
	for k, lv := range lm {
		lp := path + ".levels." + k
		lvl, err := strconv.Atoi(k)
		if err != nil || lvl < 1 || lvl > 3 {
			j.err(lp, "level must be 1, 2 or 3")
			continue
		}
		lr := &LevelRule{}
		if x := j.obj(lv, lp, true); x != nil {
			lr.Deductible = j.nonNeg(x, "deductible", lp+".deductible", true)
			arr, ok := x["bands"].([]any)
			if !ok || len(arr) == 0 {
				j.err(lp+".bands", "at least one band {up_to, ratio} is needed")
			}
			var prev *decimal.Decimal
			for i, bv := range arr {
				bp := fmt.Sprintf("%s.bands[%d]", lp, i)
				bm := j.obj(bv, bp, true)
				if bm == nil {
					continue
				}
				band := Band{UpTo: j.optNonNeg(bm, "up_to", bp+".up_to"), Ratio: j.ratio(bm, "ratio", bp+".ratio", true)}
				if i > 0 && prev == nil {
					j.err(bp, "no band may follow an unbounded band (up_to null)")
				}
				if band.UpTo != nil && prev != nil && !band.UpTo.GreaterThan(*prev) {
					j.err(bp+".up_to", "bands must rise: %s is not above %s", band.UpTo, prev)
				}
				prev = band.UpTo
				lr.Bands = append(lr.Bands, band)
			}
		}
		c.Levels[lvl] = lr
	}
	return c
}

func (j *jctx) drgParams(top map[string]any) {
	b := j.l.b
	b.DRG = DRGParams{MinLOSDays: 1, MaxLOSDays: 1 << 30}
	dm := j.obj(top["drg"], "drg", false)
	if dm == nil {
		return
	}
	if n, ok := j.integer(dm, "min_los_days", "drg.min_los_days", false); ok {
		b.DRG.MinLOSDays = n
	}
	if n, ok := j.integer(dm, "max_los_days", "drg.max_los_days", false); ok {
		b.DRG.MaxLOSDays = n
	}
	if b.DRG.MinLOSDays > b.DRG.MaxLOSDays {
		j.err("drg.max_los_days", "max_los_days %d is below min_los_days %d", b.DRG.MaxLOSDays, b.DRG.MinLOSDays)
	}
	b.DRG.LowOutlier = j.nonNeg(dm, "low_outlier", "drg.low_outlier", false)
	arr, _ := dm["high_outlier"].([]any)
	for i, v := range arr {
		p := fmt.Sprintf("drg.high_outlier[%d]", i)
		if m := j.obj(v, p, true); m != nil {
			b.DRG.HighOutlier = append(b.DRG.HighOutlier, HighOutlierBand{
				RWUpTo: j.optNonNeg(m, "rw_up_to", p+".rw_up_to"), Threshold: j.nonNeg(m, "threshold", p+".threshold", true)})
		}
	}
}

func (j *jctx) bedDay(top map[string]any) {
	b := j.l.b
	b.BedDay = map[string]BedDayRule{}
	bm := j.obj(top["bed_day"], "bed_day", false)
	for ward, v := range bm {
		p := "bed_day." + ward
		switch ward {
		case "psychiatric", "rehabilitation", "hospice", "long_term_care":
		default:
			j.err(p, "unknown bed-day ward type (psychiatric, rehabilitation, hospice, long_term_care)")
			continue
		}
		m := j.obj(v, p, true)
		if m == nil {
			continue
		}
		rule := BedDayRule{MaxPerStay: j.optNonNeg(m, "max_per_stay", p+".max_per_stay")}
		arr, ok := m["bands"].([]any)
		if !ok || len(arr) == 0 {
			j.err(p+".bands", "at least one band {to_day, rate} is needed")
		}
		for i, bv := range arr {
			bp := fmt.Sprintf("%s.bands[%d]", p, i)
			x := j.obj(bv, bp, true)
			if x == nil {
				continue
			}
			band := BedDayBand{Rate: j.nonNeg(x, "rate", bp+".rate", true)}
			if n, ok := j.integer(x, "to_day", bp+".to_day", false); ok {
				band.ToDay = &n
			}
			rule.Bands = append(rule.Bands, band)
		}
		b.BedDay[ward] = rule
	}
}
