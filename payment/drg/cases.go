package drg

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// CaseColumns are the columns of a case file (those of chs-drg-1.1/sample_cases.csv);
// the expected_* columns are optional.
var CaseColumns = []string{"index", "gender", "age", "age_days", "birth_weight_g", "dept", "los_days", "leaving_type",
	"diagnoses", "procedures", "expected_mdc", "expected_adrg", "expected_drg", "expected_status"}

// Row is one case of a case file with its expected grouping, if given.
type Row struct {
	Case     Case
	Expected *Result
}

// ReadCases reads a case CSV. An empty integer field is absent; a field that is not an
// integer marks the case invalid (it fails the input check, as upstream).
func ReadCases(r io.Reader) ([]Row, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read case header: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, need := range []string{"diagnoses", "procedures", "gender", "age"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("case file: column %q is missing (columns: %s)", need, strings.Join(CaseColumns, ","))
		}
	}
	var out []Row
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read cases: %w", err)
		}
		get := func(name string) (string, bool) {
			i, ok := col[name]
			if !ok || i >= len(rec) {
				return "", false
			}
			return rec[i], true
		}
		var c Case
		c.Index, _ = get("index")
		ints := []struct {
			name string
			v    *int
			has  *bool
		}{{"gender", &c.Gender, &c.HasGender}, {"age", &c.Age, &c.HasAge}, {"age_days", &c.AgeDays, &c.HasAgeDays},
			{"birth_weight_g", &c.BirthWeightG, &c.HasBirthWeight}}
		for _, f := range ints {
			s, _ := get(f.name)
			if s == "" {
				continue
			}
			n, err := strconv.Atoi(s)
			if err != nil {
				c.Invalid = fmt.Sprintf("%s %q is not a whole number", f.name, s)
				continue
			}
			*f.v, *f.has = n, true
		}
		dx, _ := get("diagnoses")
		px, _ := get("procedures")
		c.Diagnoses, c.Procedures = SplitCodes(dx, false), SplitCodes(px, true)
		row := Row{Case: c}
		if s, ok := get("expected_status"); ok && s != "" {
			e := &Result{Status: s}
			e.MDC, _ = get("expected_mdc")
			e.ADRG, _ = get("expected_adrg")
			e.DRG, _ = get("expected_drg")
			row.Expected = e
		}
		out = append(out, row)
	}
}
