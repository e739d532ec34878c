package fraud

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"
)

// A stored fact is text: a header row, then a row per line, fields separated by tabs (ids
// are printable, so neither tabs nor newlines occur in them). A batch reads every member's
// live claims: splitting text is several times cheaper than decoding JSON.
//
//	header: version member inpatient admitted discharged service_date emergency principal_dx total status drg score
//	        [method procedures down_referral]
//	line:   no item category date qty amount hours practitioner [days_supply [trace_codes]]
//
// The bracketed fields were added later; facts stored without them still read, marked
// Legacy (their procedures and method unknown: the rules that need them leave them out).
// trace_codes are "|"-separated.

// Encode renders the fact for storage (the key is stored beside it).
func (f *Fact) Encode() string {
	var b strings.Builder
	field := func(s string) { b.WriteString(s); b.WriteByte('\t') }
	field(strconv.Itoa(f.Version))
	field(f.MemberID)
	field(strconv.FormatBool(f.Inpatient))
	field(dateOrEmpty(f.Admitted))
	field(dateOrEmpty(f.Discharged))
	field(dateOrEmpty(f.ServiceDate))
	field(strconv.FormatBool(f.Emergency))
	field(f.PrincipalDx)
	field(f.Total.String())
	field(f.Status)
	field(f.DRG)
	b.WriteString(f.Score.String())
	b.WriteByte('\t')
	field(f.Method)
	field(strconv.FormatBool(f.Procedures))
	b.WriteString(strconv.FormatBool(f.DownReferral))
	for _, l := range f.Lines {
		b.WriteByte('\n')
		b.WriteString(strconv.Itoa(l.No))
		for _, s := range []string{l.Item, l.Category, dateOrEmpty(l.Date), l.Qty.String(), l.Amount.String(), l.Hours.String(), l.Practitioner} {
			b.WriteByte('\t')
			b.WriteString(s)
		}
		if l.DaysSupply > 0 || len(l.TraceCodes) > 0 {
			b.WriteByte('\t')
			if l.DaysSupply > 0 {
				b.WriteString(strconv.Itoa(l.DaysSupply))
			}
		}
		if len(l.TraceCodes) > 0 {
			b.WriteByte('\t')
			b.WriteString(strings.Join(l.TraceCodes, "|"))
		}
	}
	return b.String()
}

// DecodeFact reads a stored fact.
func DecodeFact(s string) (Fact, error) {
	rows := strings.Split(s, "\n")
	h := strings.Split(rows[0], "\t")
	if len(h) != 12 && len(h) != 15 {
		return Fact{}, fmt.Errorf("fact header: %d fields, want 12 or 15", len(h))
	}
	f := Fact{MemberID: h[1], Inpatient: h[2] == "true", Emergency: h[6] == "true", PrincipalDx: h[7], Status: h[9], DRG: h[10]}
	if len(h) == 15 {
		f.Method, f.Procedures, f.DownReferral = h[12], h[13] == "true", h[14] == "true"
	} else {
		f.Legacy = true
	}
	var err error
	if f.Version, err = strconv.Atoi(h[0]); err != nil {
		return f, err
	}
	for _, d := range []struct {
		s string
		t *time.Time
	}{{h[3], &f.Admitted}, {h[4], &f.Discharged}, {h[5], &f.ServiceDate}} {
		if *d.t, err = parseDate(d.s); err != nil {
			return f, err
		}
	}
	if f.Total, err = decimal.NewFromString(h[8]); err != nil {
		return f, err
	}
	if f.Score, err = decimal.NewFromString(h[11]); err != nil {
		return f, err
	}
	f.Lines = make([]LineFact, len(rows)-1)
	for i, row := range rows[1:] {
		if f.Lines[i], err = parseLine(row); err != nil {
			return f, fmt.Errorf("fact line %d: %w", i+1, err)
		}
	}
	return f, nil
}

func parseLine(row string) (LineFact, error) {
	p := strings.Split(row, "\t")
	if len(p) < 8 || len(p) > 10 {
		return LineFact{}, fmt.Errorf("%d fields, want 8 to 10", len(p))
	}
	var l LineFact
	var err error
	if len(p) == 10 {
		l.TraceCodes = strings.Split(p[9], "|")
	}
	if len(p) >= 9 && p[8] != "" {
		if l.DaysSupply, err = strconv.Atoi(p[8]); err != nil {
			return l, fmt.Errorf("days_supply: %w", err)
		}
	}
	if l.No, err = strconv.Atoi(p[0]); err != nil {
		return l, err
	}
	l.Item, l.Category, l.Practitioner = p[1], p[2], p[7]
	if l.Date, err = parseDate(p[3]); err != nil {
		return l, err
	}
	for i, d := range []*decimal.Decimal{&l.Qty, &l.Amount, &l.Hours} {
		if p[4+i] == "0" {
			*d = decimal.Zero
			continue
		}
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

// parseDate reads YYYY-MM-DD ("" is the zero time) without the layout machinery.
func parseDate(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, fmt.Errorf("date %q", s)
	}
	y, e1 := strconv.Atoi(s[:4])
	m, e2 := strconv.Atoi(s[5:7])
	d, e3 := strconv.Atoi(s[8:])
	if e1 != nil || e2 != nil || e3 != nil || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, fmt.Errorf("date %q", s)
	}
	return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC), nil
}
