package fraud

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// A stored fact keeps its lines as one string, a line per row and its fields separated by
// tabs (ids are printable, so neither occurs in them): a batch reads every member's live
// claims, and decoding one string per claim is several times cheaper than an object per
// line.
type storedFact struct {
	Version     int             `json:"version"`
	MemberID    string          `json:"member_id"`
	Inpatient   bool            `json:"inpatient"`
	Admitted    string          `json:"admitted,omitempty"`
	Discharged  string          `json:"discharged,omitempty"`
	ServiceDate string          `json:"service_date,omitempty"`
	Emergency   bool            `json:"emergency,omitempty"`
	PrincipalDx string          `json:"principal_dx,omitempty"`
	Total       decimal.Decimal `json:"total"`
	Status      string          `json:"status"`
	DRG         string          `json:"drg,omitempty"`
	Score       decimal.Decimal `json:"score"`
	Lines       string          `json:"lines"` // no, item, category, date, qty, amount, hours, practitioner
}

// MarshalJSON stores the fact compactly.
func (f Fact) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	for i, l := range f.Lines {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(strconv.Itoa(l.No))
		for _, s := range []string{l.Item, l.Category, dateOrEmpty(l.Date), l.Qty.String(), l.Amount.String(), l.Hours.String(), l.Practitioner} {
			b.WriteByte('\t')
			b.WriteString(s)
		}
	}
	return json.Marshal(storedFact{Version: f.Version, MemberID: f.MemberID, Inpatient: f.Inpatient, Admitted: dateOrEmpty(f.Admitted),
		Discharged: dateOrEmpty(f.Discharged), ServiceDate: dateOrEmpty(f.ServiceDate), Emergency: f.Emergency, PrincipalDx: f.PrincipalDx,
		Total: f.Total, Status: f.Status, DRG: f.DRG, Score: f.Score, Lines: b.String()})
}

// UnmarshalJSON reads a stored fact (the key is not part of it).
func (f *Fact) UnmarshalJSON(b []byte) error {
	var s storedFact
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	key := f.Key
	*f = Fact{Key: key, Version: s.Version, MemberID: s.MemberID, Inpatient: s.Inpatient, Emergency: s.Emergency,
		PrincipalDx: s.PrincipalDx, Total: s.Total, Status: s.Status, DRG: s.DRG, Score: s.Score}
	var err error
	for _, d := range []struct {
		s string
		t *time.Time
	}{{s.Admitted, &f.Admitted}, {s.Discharged, &f.Discharged}, {s.ServiceDate, &f.ServiceDate}} {
		if *d.t, err = parseDate(d.s); err != nil {
			return err
		}
	}
	if s.Lines == "" {
		return nil
	}
	rows := strings.Split(s.Lines, "\n")
	f.Lines = make([]LineFact, len(rows))
	for i, row := range rows {
		if f.Lines[i], err = parseLine(row); err != nil {
			return fmt.Errorf("fact line %d: %w", i+1, err)
		}
	}
	return nil
}

func parseLine(row string) (LineFact, error) {
	p := strings.Split(row, "\t")
	if len(p) != 8 {
		return LineFact{}, fmt.Errorf("%d fields, want 8", len(p))
	}
	var l LineFact
	var err error
	if l.No, err = strconv.Atoi(p[0]); err != nil {
		return l, err
	}
	l.Item, l.Category, l.Practitioner = p[1], p[2], p[7]
	if l.Date, err = parseDate(p[3]); err != nil {
		return l, err
	}
	for i, d := range []*decimal.Decimal{&l.Qty, &l.Amount, &l.Hours} {
		if *d, err = decimal.NewFromString(p[4+i]); err != nil {
			return l, err
		}
	}
	return l, nil
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return date(t)
}

func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse("2006-01-02", s)
}
