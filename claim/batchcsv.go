package claim

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVColumns are the columns of the claim CSV format: one row per claim line; consecutive
// rows with the same provider_id and claim_id form one claim, whose claim-level columns
// are taken from its first row. diagnoses, procedures and a line's trace_codes are
// "|"-separated.
var CSVColumns = []string{"kind", "claim_id", "provider_id", "member_id", "care_type", "ward_type", "admitted", "discharged",
	"service_date", "emergency", "discharge_status", "diagnoses", "procedures", "dept", "cross_region",
	"referral_from_provider_id", "referral_from_claim_id", "referral_direction", "referral_approved",
	"newborn_age_days", "newborn_birth_weight_g", "total",
	"line_no", "item_code", "category", "line_service_date", "quantity", "unit_price", "amount", "practitioner_id", "hours", "days_supply", "trace_codes"}

// cellKind is how a CSV cell must parse.
type cellKind int

const (
	cellText cellKind = iota
	cellInt
	cellBool
	cellDecimal
	cellDate
)

var csvCellKinds = map[string]cellKind{
	"admitted": cellDate, "discharged": cellDate, "service_date": cellDate, "line_service_date": cellDate,
	"emergency": cellBool, "referral_approved": cellBool,
	"newborn_age_days": cellInt, "newborn_birth_weight_g": cellInt, "line_no": cellInt, "days_supply": cellInt,
	"total": cellDecimal, "quantity": cellDecimal, "unit_price": cellDecimal, "amount": cellDecimal, "hours": cellDecimal,
}

// csvBatch turns CSV rows into submission envelopes, one per claim.
type csvBatch struct {
	r       *csv.Reader
	col     map[string]int
	pending []string // a row read ahead: the first of the next claim
	line    int      // its line
	eof     bool
	skipped int // blank lines before the header, which the csv.Reader did not see
}

func newCSVBatch(in io.Reader, skipped int) (*csvBatch, error) {
	cr := csv.NewReader(in)
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = false
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	col := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !known[h] {
			line, c := cr.FieldPos(i)
			return nil, fmt.Errorf("CSV line %d column %d: unknown column %q (known: %s)", line+skipped, c, h, strings.Join(CSVColumns, ","))
		}
		if _, dup := col[h]; dup {
			line, c := cr.FieldPos(i)
			return nil, fmt.Errorf("CSV line %d column %d: column %q appears twice", line+skipped, c, h)
		}
		col[h] = i
	}
	return &csvBatch{r: cr, col: col, skipped: skipped}, nil
}

func (b *csvBatch) get(rec []string, name string) string {
	if i, ok := b.col[name]; ok && i < len(rec) {
		return strings.TrimSpace(rec[i])
	}
	return ""
}

func (b *csvBatch) read() ([]string, int, error) {
	rec, err := b.r.Read()
	if err != nil {
		return nil, 0, err
	}
	line, _ := b.r.FieldPos(0)
	return rec, line + b.skipped, nil
}

// next returns the envelope of the next claim: its consecutive rows.
func (b *csvBatch) next() (Item, error) {
	if b.pending == nil {
		if b.eof {
			return Item{}, io.EOF
		}
		rec, line, err := b.read()
		if err != nil {
			return Item{}, b.readErr(err)
		}
		b.pending, b.line = rec, line
	}
	c := &csvClaim{b: b, first: b.line, last: b.line}
	key := b.get(b.pending, "provider_id") + "\x00" + b.get(b.pending, "claim_id")
	c.start(b.pending)
	b.pending = nil
	for {
		rec, line, err := b.read()
		if errors.Is(err, io.EOF) {
			b.eof = true
			break
		}
		if err != nil {
			return Item{}, b.readErr(err)
		}
		if b.get(rec, "provider_id")+"\x00"+b.get(rec, "claim_id") != key {
			b.pending, b.line = rec, line
			break
		}
		c.addLine(rec, line)
		c.last = line
	}
	v, err := json.Marshal(c.envelope())
	if err != nil {
		return Item{}, fmt.Errorf("CSV lines %d–%d: %w", c.first, c.last, err)
	}
	where := fmt.Sprintf("CSV line %d", c.first)
	if c.last > c.first {
		where = fmt.Sprintf("CSV lines %d–%d", c.first, c.last)
	}
	return Item{Bytes: v, Where: where}, nil
}

func (b *csvBatch) readErr(err error) error {
	if errors.Is(err, io.EOF) {
		return io.EOF
	}
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("CSV line %d column %d: %w", pe.Line+b.skipped, pe.Column, pe.Err)
	}
	return fmt.Errorf("read CSV: %w", err)
}

// csvClaim is one claim being built from its rows. Cells that do not parse keep their text
// and are named, with their CSV line and column, in the envelope's input_positions: the
// decoder reports them as malformed at that position.
type csvClaim struct {
	b           *csvBatch
	first, last int
	kind        string
	claim       map[string]any
	lines       []any
	positions   map[string]string
}

// cell reads a typed cell: the JSON value to use, or the text with its position noted.
func (c *csvClaim) cell(rec []string, line int, name, path string) (any, bool) {
	v := c.b.get(rec, name)
	if v == "" {
		return nil, false
	}
	ok := true
	var out any = v
	switch csvCellKinds[name] {
	case cellInt:
		if _, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = json.Number(v)
		} else {
			ok = false
		}
	case cellBool:
		out, ok = v == "true", v == "true" || v == "false"
		if !ok {
			out = v
		}
	case cellDecimal:
		_, err := ParseDecimal(v)
		ok = err == nil
	case cellDate:
		_, err := time.Parse(dateLayout, v)
		ok = err == nil
	}
	if !ok {
		if c.positions == nil {
			c.positions = map[string]string{}
		}
		_, col := c.b.r.FieldPos(c.b.col[name]) // rec is always the record read last
		c.positions[path] = fmt.Sprintf("CSV line %d column %d (%s)", line, col, name)
	}
	return out, true
}

func (c *csvClaim) start(rec []string) {
	get := func(n string) string { return c.b.get(rec, n) }
	c.kind = get("kind")
	if c.kind == "" {
		c.kind = KindClaim
	}
	c.claim = map[string]any{}
	for _, f := range []string{"claim_id", "provider_id", "member_id", "care_type", "ward_type", "discharge_status", "dept", "cross_region"} {
		if v := get(f); v != "" {
			c.claim[f] = v
		}
	}
	for _, f := range []string{"admitted", "discharged", "service_date", "emergency", "total"} {
		if v, ok := c.cell(rec, c.first, f, "claim."+f); ok {
			c.claim[f] = v
		}
	}
	for _, f := range []string{"diagnoses", "procedures"} {
		if v := get(f); v != "" {
			c.claim[f] = strings.Split(v, "|")
		}
	}
	if p := get("referral_from_provider_id"); p != "" {
		ref := map[string]any{"from_provider_id": p, "from_claim_id": get("referral_from_claim_id"), "direction": get("referral_direction")}
		if v, ok := c.cell(rec, c.first, "referral_approved", "claim.referral.approved"); ok {
			ref["approved"] = v
		}
		c.claim["referral"] = ref
	}
	if get("newborn_age_days") != "" || get("newborn_birth_weight_g") != "" {
		nb := map[string]any{}
		for _, f := range [][2]string{{"newborn_age_days", "age_days"}, {"newborn_birth_weight_g", "birth_weight_g"}} {
			if v, ok := c.cell(rec, c.first, f[0], "claim.newborn."+f[1]); ok {
				nb[f[1]] = v
			}
		}
		c.claim["newborn"] = nb
	}
	c.addLine(rec, c.first)
}

var csvLineFields = [][2]string{{"line_no", "line_no"}, {"item_code", "item_code"}, {"category", "category"},
	{"line_service_date", "service_date"}, {"quantity", "quantity"}, {"unit_price", "unit_price"},
	{"amount", "amount"}, {"practitioner_id", "practitioner_id"}, {"hours", "hours"}, {"days_supply", "days_supply"}}

func (c *csvClaim) addLine(rec []string, line int) {
	l := map[string]any{}
	path := fmt.Sprintf("claim.lines[%d].", len(c.lines))
	for _, f := range csvLineFields {
		if v, ok := c.cell(rec, line, f[0], path+f[1]); ok {
			l[f[1]] = v
		}
	}
	if v := c.b.get(rec, "trace_codes"); v != "" {
		l["trace_codes"] = strings.Split(v, "|")
	}
	if len(l) > 0 {
		c.lines = append(c.lines, l)
	}
}

func (c *csvClaim) envelope() map[string]any {
	c.claim["lines"] = c.lines
	if c.lines == nil {
		c.claim["lines"] = []any{}
	}
	env := map[string]any{"kind": c.kind, "claim": c.claim}
	if len(c.positions) > 0 {
		env["input_positions"] = c.positions
	}
	return env
}
