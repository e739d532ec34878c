package policy

import (
	"bytes"
	"encoding/csv"
	"errors"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// table reads one CSV file of the bundle: header checked against the known columns,
// each value parsed with errors at its line and column.
type table struct {
	l      *loader
	file   string
	r      *csv.Reader
	cols   map[string]int
	width  int // fields in the header
	record []string
}

func (l *loader) table(file string, data []byte, required, optional []string) *table {
	if data == nil {
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		if errors.Is(err, io.EOF) {
			l.errAt(file, 1, 1, "empty file: a header row is needed")
		} else {
			l.csvErr(file, err)
		}
		return nil
	}
	t := &table{l: l, file: file, r: r, cols: map[string]int{}, width: len(header)}
	known := map[string]bool{}
	for _, c := range append(append([]string{}, required...), optional...) {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		line, col := r.FieldPos(i)
		if !known[h] {
			l.errAt(file, line, col, "unknown column %q (expected %s)", h, strings.Join(append(append([]string{}, required...), optional...), ","))
			continue
		}
		if _, dup := t.cols[h]; dup {
			l.errAt(file, line, col, "column %q appears twice", h)
		}
		t.cols[h] = i
	}
	ok := true
	for _, c := range required {
		if _, found := t.cols[c]; !found {
			l.errAt(file, 1, 1, "required column %q is missing", c)
			ok = false
		}
	}
	if !ok {
		return nil
	}
	return t
}

func (l *loader) csvErr(file string, err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		l.errAt(file, pe.Line, pe.Column, "%v", pe.Err)
		return
	}
	l.errAt(file, 1, 1, "%v", err)
}

// next advances to the next row; false at the end or on a syntax error (reported).
func (t *table) next() bool {
	for {
		rec, err := t.r.Read()
		if errors.Is(err, io.EOF) {
			return false
		}
		if err != nil {
			t.l.csvErr(t.file, err)
			return false
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // blank line
		}
		t.record = rec
		if len(rec) != t.width {
			line, _ := t.r.FieldPos(0)
			t.l.errAt(t.file, line, 1, "row has %d fields, the header has %d", len(rec), t.width)
		}
		return true
	}
}

// pos is the line and column of a column's value in the current row.
func (t *table) pos(col string) (int, int) {
	i, ok := t.cols[col]
	if !ok || i >= len(t.record) {
		line, _ := t.r.FieldPos(0)
		return line, 1
	}
	return t.r.FieldPos(i)
}

func (t *table) errf(col, format string, args ...any) {
	line, c := t.pos(col)
	t.l.errAt(t.file, line, c, col+": "+format, args...)
}

// get returns the trimmed value of a column ("" when absent).
func (t *table) get(col string) string {
	i, ok := t.cols[col]
	if !ok || i >= len(t.record) {
		return ""
	}
	return strings.TrimSpace(t.record[i])
}

func (t *table) need(col string) string {
	v := t.get(col)
	if v == "" {
		t.errf(col, "a value is required")
	}
	return v
}

func (t *table) dec(col string, required bool) *decimal.Decimal {
	v := t.get(col)
	if v == "" {
		if required {
			t.errf(col, "a decimal is required")
		}
		return nil
	}
	d, err := decimal.NewFromString(v)
	if err != nil {
		t.errf(col, "%q is not a decimal", v)
		return nil
	}
	if d.IsNegative() {
		t.errf(col, "%s must not be negative", v)
	}
	return &d
}

func (t *table) decOr(col string, def decimal.Decimal, required bool) decimal.Decimal {
	if d := t.dec(col, required); d != nil {
		return *d
	}
	return def
}

func (t *table) integer(col string, required bool, lo, hi int) int {
	v := t.get(col)
	if v == "" {
		if required {
			t.errf(col, "a whole number is required")
		}
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		t.errf(col, "%q is not a whole number from %d to %d", v, lo, hi)
		return 0
	}
	return n
}

func (t *table) date(col string, required bool) time.Time {
	v := t.get(col)
	if v == "" {
		if required {
			t.errf(col, "a date YYYY-MM-DD is required")
		}
		return time.Time{}
	}
	d, err := time.Parse("2006-01-02", v)
	if err != nil {
		t.errf(col, "%q is not a date YYYY-MM-DD", v)
	}
	return d
}

func (t *table) boolean(col string) bool {
	switch v := t.get(col); v {
	case "", "false":
		return false
	case "true":
		return true
	default:
		t.errf(col, "%q is not true or false", v)
		return false
	}
}

func (t *table) oneOf(col, def string, allowed ...string) string {
	v := t.get(col)
	if v == "" {
		return def
	}
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	t.errf(col, "%q is not one of %s", v, strings.Join(allowed, ", "))
	return def
}

// ---- the files ----

func (l *loader) catalogue(data []byte) {
	l.b.Catalogue = map[string]Item{}
	t := l.table(FileCatalogue, data, []string{"item_code", "name", "category", "class", "eligible_ratio"},
		[]string{"max_unit_price", "max_daily_qty", "hours_per_unit", "pack_units"})
	for t != nil && t.next() {
		it := Item{
			Code: t.need("item_code"), Name: t.get("name"),
			Category:      t.oneOf("category", "", lineCategories...),
			Class:         t.oneOf("class", "", "A", "B", "C"),
			EligibleRatio: t.decOr("eligible_ratio", decimal.Zero, true),
			MaxUnitPrice:  t.dec("max_unit_price", false),
			MaxDailyQty:   t.dec("max_daily_qty", false),
			HoursPerUnit:  t.dec("hours_per_unit", false),
			PackUnits:     t.integer("pack_units", false, 1, 1<<20),
		}
		it.RatioText = it.EligibleRatio.String()
		if it.Class == "" {
			t.errf("class", "a class A, B or C is required")
		}
		one := decimal.NewFromInt(1)
		switch {
		case it.EligibleRatio.GreaterThan(one):
			t.errf("eligible_ratio", "ratio %s is above 1", it.EligibleRatio)
		case it.Class == "A" && !it.EligibleRatio.Equal(one):
			t.errf("eligible_ratio", "class A items are fully eligible: ratio must be 1, got %s", it.EligibleRatio)
		case it.Class == "C" && !it.EligibleRatio.IsZero():
			t.errf("eligible_ratio", "class C items are self-pay: ratio must be 0, got %s", it.EligibleRatio)
		}
		if _, dup := l.b.Catalogue[it.Code]; dup && it.Code != "" {
			t.errf("item_code", "item %s appears twice", it.Code)
		}
		l.b.Catalogue[it.Code] = it
	}
}

func (l *loader) drgWeights(data []byte) {
	l.b.DRGWeights = map[string]DRGWeight{}
	t := l.table(FileDRGWeights, data, []string{"drg", "rw", "avg_cost"}, []string{"avg_los"})
	for t != nil && t.next() {
		w := DRGWeight{DRG: t.need("drg"), RW: t.decOr("rw", decimal.Zero, true), AvgCost: t.decOr("avg_cost", decimal.Zero, true), AvgLOS: t.decOr("avg_los", decimal.Zero, false)}
		if w.AvgCost.IsZero() && t.get("avg_cost") != "" {
			t.errf("avg_cost", "average cost must be above 0")
		}
		if _, dup := l.b.DRGWeights[w.DRG]; dup {
			t.errf("drg", "DRG %s appears twice", w.DRG)
		}
		l.b.DRGWeights[w.DRG] = w
	}
}

func (l *loader) diseaseFees(data []byte) {
	t := l.table(FileDiseaseFees, data, []string{"principal_dx", "main_procedure", "level", "fee"}, nil)
	seen := map[[3]string]bool{}
	for t != nil && t.next() {
		f := DiseaseFee{PrincipalDx: t.need("principal_dx"), MainProcedure: t.get("main_procedure"),
			Level: t.integer("level", true, 1, 3), Fee: t.decOr("fee", decimal.Zero, true)}
		k := [3]string{f.PrincipalDx, f.MainProcedure, strconv.Itoa(f.Level)}
		if seen[k] {
			t.errf("principal_dx", "fee for %s / %q / level %d appears twice", f.PrincipalDx, f.MainProcedure, f.Level)
		}
		seen[k] = true
		l.b.DiseaseFees = append(l.b.DiseaseFees, f)
	}
}

var paymentMethods = map[string]bool{"drg": true, "disease": true, "bed_day": true, "capitation": true, "ffs": true}

func (l *loader) providers(data []byte) {
	l.b.Providers = map[string]*Provider{}
	t := l.table(FileProviders, data, []string{"provider_id", "name", "level", "region", "beds", "alliance_id", "methods", "hospital_coefficient", "status", "banned_until"},
		[]string{"owner_id"})
	for t != nil && t.next() {
		p := &Provider{
			ID: t.need("provider_id"), Name: t.get("name"), Level: t.integer("level", true, 1, 3),
			Region: t.get("region"), Beds: t.integer("beds", false, 0, 1<<30), AllianceID: t.get("alliance_id"), OwnerID: t.get("owner_id"),
			Methods:             map[string]bool{},
			HospitalCoefficient: t.decOr("hospital_coefficient", decimal.NewFromInt(1), false),
			Status:              t.oneOf("status", Designated, Designated, Suspended, Terminated, Applicant),
			BannedUntil:         t.date("banned_until", false),
		}
		var ms []string
		for _, m := range strings.Split(t.get("methods"), "|") {
			if m = strings.TrimSpace(m); m == "" {
				continue
			}
			if !paymentMethods[m] {
				t.errf("methods", "unknown payment method %q (drg, disease, bed_day, capitation, ffs)", m)
			}
			ms = append(ms, m)
		}
		p.SetMethods(ms)
		if p.Status == Terminated && p.BannedUntil.IsZero() {
			t.errf("banned_until", "a terminated provider needs banned_until")
		}
		if _, dup := l.b.Providers[p.ID]; dup && p.ID != "" {
			t.errf("provider_id", "provider %s appears twice", p.ID)
		}
		l.b.Providers[p.ID] = p
	}
}

func (l *loader) members(data []byte) {
	l.b.Members = map[string]*Member{}
	t := l.table(FileMembers, data, []string{"member_id", "scheme", "region", "birth_date", "sex", "death_date", "poverty_registered", "assistance"},
		[]string{"enrolled_from", "enrolled_to"})
	for t != nil && t.next() {
		m := &Member{
			ID: t.need("member_id"), Scheme: t.need("scheme"), Region: t.get("region"),
			BirthDate: t.date("birth_date", true), Sex: t.oneOf("sex", "", "M", "F"), DeathDate: t.date("death_date", false),
			PovertyRegistered: t.boolean("poverty_registered"),
			Assistance:        t.oneOf("assistance", "none", "none", "low_income", "extreme_poverty"),
			EnrolledFrom:      t.date("enrolled_from", false), EnrolledTo: t.date("enrolled_to", false),
		}
		if m.Sex == "" {
			t.errf("sex", "sex M or F is required")
		}
		if !m.EnrolledFrom.IsZero() && !m.EnrolledTo.IsZero() && m.EnrolledTo.Before(m.EnrolledFrom) {
			t.errf("enrolled_to", "enrolment ends before it starts")
		}
		if _, dup := l.b.Members[m.ID]; dup && m.ID != "" {
			t.errf("member_id", "member %s appears twice", m.ID)
		}
		l.b.Members[m.ID] = m
	}
}

func (l *loader) signups(data []byte) {
	t := l.table(FileSignups, data, []string{"member_id", "provider_id", "from", "to"}, nil)
	for t != nil && t.next() {
		s := Signup{MemberID: t.need("member_id"), ProviderID: t.need("provider_id"), From: t.date("from", true), To: t.date("to", false)}
		if _, ok := l.b.Members[s.MemberID]; !ok && s.MemberID != "" {
			t.errf("member_id", "unknown member %s (not in members.csv)", s.MemberID)
		}
		if _, ok := l.b.Providers[s.ProviderID]; !ok && s.ProviderID != "" {
			t.errf("provider_id", "unknown provider %s (not in providers.csv)", s.ProviderID)
		}
		if !s.To.IsZero() && s.To.Before(s.From) {
			t.errf("to", "signup ends before it starts")
		}
		l.b.Signups = append(l.b.Signups, s)
	}
}

func (l *loader) budgets(data []byte) {
	t := l.table(FileBudgets, data, []string{"kind", "key", "period", "amount"}, nil)
	for t != nil && t.next() {
		b := Budget{Kind: t.oneOf("kind", "", "drg_region", "provider_year"), Key: t.need("key"), Period: t.need("period"), Amount: t.decOr("amount", decimal.Zero, true)}
		switch b.Kind {
		case "drg_region":
			if _, err := time.Parse("2006-01", b.Period); err != nil && b.Period != "" {
				t.errf("period", "%q is not a month YYYY-MM", b.Period)
			}
		case "provider_year":
			if _, err := time.Parse("2006", b.Period); err != nil && b.Period != "" {
				t.errf("period", "%q is not a year YYYY", b.Period)
			}
		default:
			t.errf("kind", "kind drg_region or provider_year is required")
		}
		l.b.Budgets = append(l.b.Budgets, b)
	}
}
