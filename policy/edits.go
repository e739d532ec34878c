package policy

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// FileEdits is the bundle's line edits (POLICY.md §10; optional).
const FileEdits = "edits.csv"

// EditKinds are the kinds of line edit, in the order a line is tested against them.
var EditKinds = []string{"sex", "age", "indication", "level", "exclusive", "bundled", "repeat", "units", "discount"}

// Edit actions: refused (payable by nobody), self-paid (the member pays), or flagged only.
const (
	EditRefuse  = "refuse"
	EditSelfPay = "self_pay"
	EditFlag    = "flag"
)

// Edit is one line edit of the knowledge base, its param read by kind.
type Edit struct {
	ID, Kind, ItemCode, Other, Action, Source string
	From, To                                  time.Time // the line dates it applies to, inclusive; zero: open

	Sex      string          // sex: the sex the item is for, F or M
	AgeMin   *int            // age: whole years, either side may be open
	AgeMax   *int            //
	Prefixes []string        // indication: ICD-10 prefixes, one of which a diagnosis must start with
	Level    int             // level: the lowest provider level
	Days     int             // repeat: the look-back in days
	Per      string          // units: "day" or "claim"
	Units    decimal.Decimal // units: the quantity allowed per Per
	Keep     decimal.Decimal // discount: the ratio of the amount kept
}

// editsTakingOther are the kinds whose other column names the item they pair with.
var editsTakingOther = map[string]bool{"exclusive": true, "bundled": true}

func (l *loader) edits(data []byte) {
	t := l.table(FileEdits, data, []string{"edit_id", "kind", "item_code", "other", "param", "action", "effective_from", "effective_to", "source"}, nil)
	seen := map[string]bool{}
	for t != nil && t.next() {
		e := Edit{ID: t.need("edit_id"), Kind: t.oneOf("kind", "", EditKinds...), ItemCode: t.need("item_code"), Other: t.get("other"),
			Action: t.oneOf("action", "", EditRefuse, EditSelfPay, EditFlag), Source: t.need("source"),
			From: t.date("effective_from", false), To: t.date("effective_to", false)}
		switch {
		case e.ID != "" && seen[e.ID]:
			t.errf("edit_id", "%q is given twice", e.ID)
		case e.Kind == "":
			t.errf("kind", "a kind is required (%s)", strings.Join(EditKinds, ", "))
		case e.Action == "":
			t.errf("action", "an action is required (refuse, self_pay, flag)")
		case !e.From.IsZero() && !e.To.IsZero() && e.From.After(e.To):
			t.errf("effective_from", "%s is after effective_to %s", e.From.Format(time.DateOnly), e.To.Format(time.DateOnly))
		}
		seen[e.ID] = true
		l.editItems(t, &e)
		if e.Kind != "" {
			l.editParam(t, &e)
		}
		l.b.Edits = append(l.b.Edits, e)
	}
}

// editItems checks the edit's items against the catalogue and other against its kind.
func (l *loader) editItems(t *table, e *Edit) {
	if _, ok := l.b.Catalogue[e.ItemCode]; e.ItemCode != "" && !ok {
		t.errf("item_code", "%q is not in %s", e.ItemCode, FileCatalogue)
	}
	switch {
	case editsTakingOther[e.Kind] && e.Other == "":
		t.errf("other", "a %s edit names the other item", e.Kind)
	case !editsTakingOther[e.Kind] && e.Kind != "" && e.Other != "":
		t.errf("other", "a %s edit takes no other item", e.Kind)
	case e.Other != "":
		if _, ok := l.b.Catalogue[e.Other]; !ok {
			t.errf("other", "%q is not in %s", e.Other, FileCatalogue)
		}
	}
}

// editParam reads param by the edit's kind.
func (l *loader) editParam(t *table, e *Edit) {
	p := t.get("param")
	bad := func(want string) { t.errf("param", "%q: an edit of kind %s wants %s", p, e.Kind, want) }
	switch e.Kind {
	case "sex":
		if e.Sex = p; p != "F" && p != "M" {
			bad("F or M")
		}
	case "age":
		if !e.ages(p) {
			bad("an age range MIN..MAX in whole years (either side may be empty)")
		}
	case "indication":
		for _, x := range strings.Split(p, "|") {
			if x = strings.TrimSpace(x); x != "" {
				e.Prefixes = append(e.Prefixes, x)
			}
		}
		if len(e.Prefixes) == 0 {
			bad("ICD-10 prefixes, |-separated")
		}
	case "level":
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 3 {
			bad("a level 1, 2 or 3")
		} else {
			e.Level = n
		}
	case "exclusive", "bundled":
		if p != "" {
			bad("no param")
		}
	case "repeat":
		if n, err := strconv.Atoi(p); err != nil || n < 1 {
			bad("whole days ≥ 1")
		} else {
			e.Days = n
		}
	case "units":
		if !e.units(p) {
			bad("day:N or claim:N (N ≥ 0)")
		}
	case "discount":
		k, err := decimal.NewFromString(p)
		if err != nil || k.IsNegative() || k.GreaterThan(decimal.NewFromInt(1)) {
			bad("the ratio kept, 0 to 1")
		}
		e.Keep = k
	}
}

// ages reads MIN..MAX, either side empty, at least one given, MIN ≤ MAX.
func (e *Edit) ages(p string) bool {
	lo, hi, ok := strings.Cut(p, "..")
	if !ok || (lo == "" && hi == "") {
		return false
	}
	for _, s := range []struct {
		text string
		to   **int
	}{{lo, &e.AgeMin}, {hi, &e.AgeMax}} {
		if s.text == "" {
			continue
		}
		n, err := strconv.Atoi(s.text)
		if err != nil || n < 0 || n > 150 {
			return false
		}
		*s.to = &n
	}
	return e.AgeMin == nil || e.AgeMax == nil || *e.AgeMin <= *e.AgeMax
}

// units reads day:N or claim:N.
func (e *Edit) units(p string) bool {
	per, n, ok := strings.Cut(p, ":")
	q, err := decimal.NewFromString(n)
	if !ok || (per != "day" && per != "claim") || err != nil || q.IsNegative() {
		return false
	}
	e.Per, e.Units = per, q
	return true
}

// editIndex is the bundle's edits by the item they act on, each list in the order a line
// is tested (kind, then edit_id).
type editIndex struct {
	byItem map[string][]*Edit
	repeat bool // some edit is of kind repeat: adjudication needs the member's history
}

func newEditIndex(edits []Edit) *editIndex {
	x := &editIndex{byItem: map[string][]*Edit{}}
	for i := range edits {
		e := &edits[i]
		x.byItem[e.ItemCode] = append(x.byItem[e.ItemCode], e)
		x.repeat = x.repeat || e.Kind == "repeat"
	}
	for _, list := range x.byItem {
		sort.SliceStable(list, func(i, j int) bool {
			if ki, kj := editKindRank[list[i].Kind], editKindRank[list[j].Kind]; ki != kj {
				return ki < kj
			}
			return list[i].ID < list[j].ID
		})
	}
	return x
}

var editKindRank = func() map[string]int {
	m := map[string]int{}
	for i, k := range EditKinds {
		m[k] = i
	}
	return m
}()

// WholeLine reports whether the edit's kind acts on a whole line (sex … repeat).
func (e *Edit) WholeLine() bool { return editKindRank[e.Kind] < editKindRank["units"] }

// InEffect reports whether the edit applies to a line dated d.
func (e *Edit) InEffect(d time.Time) bool {
	return (e.From.IsZero() || !d.Before(e.From)) && (e.To.IsZero() || !d.After(e.To))
}

func (b *Bundle) edits() *editIndex {
	if b.editIndex == nil { // a bundle not built by the loader
		return newEditIndex(b.Edits)
	}
	return b.editIndex
}

// EditsFor lists the edits acting on lines of the item, in the order a line is tested.
func (b *Bundle) EditsFor(item string) []*Edit {
	if len(b.Edits) == 0 {
		return nil
	}
	return b.edits().byItem[item]
}

// HasEdits reports whether the bundle has any edit; RepeatEdits whether one reads history.
func (b *Bundle) HasEdits() bool    { return len(b.Edits) > 0 }
func (b *Bundle) RepeatEdits() bool { return len(b.Edits) > 0 && b.edits().repeat }

// RepeatDays is the longest look-back of the bundle's repeat edits (0 when none): the
// member history adjudication must read.
func (b *Bundle) RepeatDays() int {
	days := 0
	for i := range b.Edits {
		days = max(days, b.Edits[i].Days)
	}
	return days
}
