package claim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/shopspring/decimal"
)

// ErrUndecodable marks bytes that are not a JSON object at all; they go to the DLQ.
var ErrUndecodable = errors.New("undecodable submission")

const (
	maxIDLen      = 64
	maxExponent   = 1000 // decimals beyond this exponent do not fit the numeric column
	maxDigitCount = 1000
	dateLayout    = "2006-01-02"
)

// DecodeSubmission decodes one claims.submitted value: an envelope
// {"kind","batch_id","claim"} or a bare claim (taken as kind "claim"). Bytes that are not a
// JSON object return an error wrapping ErrUndecodable; a JSON object of the wrong shape
// returns a Submission whose Problems say what is wrong.
func DecodeSubmission(b []byte) (Submission, error) {
	top, err := decodeObject(b)
	if err != nil {
		return Submission{}, err
	}
	s := decodeTop(b, top)
	s.Sent = sentIDs(top)
	return s, nil
}

func decodeTop(b []byte, top map[string]any) Submission {
	var s Submission
	r := &reader{}
	for _, path := range duplicateKeys(b) {
		r.bad(path, "the key appears twice in one object")
	}
	r.positions(top["input_positions"])
	_, hasKind := top["kind"]
	_, hasClaim := top["claim"]
	if !hasKind && !hasClaim {
		s.Kind = KindClaim
		s.Claim = r.claim(top, "")
		s.ContentHash = contentHash(top)
		s.Problems = r.p
		return s
	}
	s.Kind = KindClaim
	if hasKind {
		if k, ok := top["kind"].(string); ok && (k == KindClaim || k == KindVoid || k == KindReplace) {
			s.Kind = k
		} else {
			r.bad("kind", "must be claim, void or replace")
		}
	}
	s.BatchID = r.optString(top, "batch_id", "batch_id")
	obj, isObj := top["claim"].(map[string]any)
	if top["claim"] != nil && !isObj {
		r.bad("claim", "must be an object")
	}
	if s.Kind == KindVoid {
		ids := obj
		if ids == nil {
			ids = top
		}
		s.Claim.ProviderID = r.id(ids, "provider_id", "claim.provider_id", true)
		s.Claim.ClaimID = r.id(ids, "claim_id", "claim.claim_id", true)
		s.Claim.MemberID = r.id(ids, "member_id", "claim.member_id", true)
		s.Problems = r.p
		return s
	}
	if obj == nil {
		if _, present := top["claim"]; !present || top["claim"] == nil {
			r.missing("claim")
		}
		s.Problems = r.p
		return s
	}
	s.Claim = r.claim(obj, "claim.")
	s.ContentHash = contentHash(obj)
	s.Problems = r.p
	return s
}

func decodeObject(b []byte) (map[string]any, error) {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("%w: not a JSON object", ErrUndecodable)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var top map[string]any
	if err := dec.Decode(&top); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUndecodable, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrUndecodable)
	}
	if _, err := dec.Token(); err == nil {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrUndecodable)
	}
	return top, nil
}

// reader pulls typed fields out of a decoded JSON object and collects problems.
type reader struct {
	p   Problems
	pos map[string]string // where a value stood in the input (CSV line and column), by path
}

func (r *reader) missing(path string) { r.p.Missing = append(r.p.Missing, path) }
func (r *reader) bad(path, why string) {
	if where, ok := r.pos[path]; ok {
		path += " at " + where
	}
	r.p.Malformed = append(r.p.Malformed, path+": "+why)
}

// positions reads the envelope's input_positions: where values that did not parse stood in
// the input the batch reader converted (a CSV cell's line and column).
func (r *reader) positions(v any) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	r.pos = make(map[string]string, len(m))
	for k, w := range m {
		if s, ok := w.(string); ok {
			r.pos[k] = s
		}
	}
}

// sentIDs keeps the claim's ids exactly as sent, for a rejection of ids that are not valid.
func sentIDs(top map[string]any) SentIDs {
	m, ok := top["claim"].(map[string]any)
	if !ok {
		m = top
	}
	text := func(k string) string {
		switch v := m[k].(type) {
		case string:
			return v
		case json.Number:
			return string(v)
		}
		return ""
	}
	return SentIDs{ClaimID: text("claim_id"), ProviderID: text("provider_id"), MemberID: text("member_id")}
}
func present(m map[string]any, k string) bool { v, ok := m[k]; return ok && v != nil && v != "" }

func (r *reader) claim(m map[string]any, pre string) Claim {
	var c Claim
	c.ClaimID = r.id(m, "claim_id", pre+"claim_id", true)
	c.ProviderID = r.id(m, "provider_id", pre+"provider_id", true)
	c.MemberID = r.id(m, "member_id", pre+"member_id", true)
	c.CareType = r.enum(m, "care_type", pre+"care_type", careTypes, true)
	c.WardType = r.enum(m, "ward_type", pre+"ward_type", wardTypes, false)
	if c.WardType == "" {
		c.WardType = "general"
	}
	inpatient := c.CareType == Inpatient
	outpatient := c.CareType == Outpatient
	c.Admitted = r.date(m, "admitted", pre+"admitted", inpatient)
	c.Discharged = r.date(m, "discharged", pre+"discharged", inpatient)
	c.ServiceDate = r.date(m, "service_date", pre+"service_date", outpatient)
	c.Emergency = r.boolean(m, "emergency", pre+"emergency")
	c.DischargeStatus = r.enum(m, "discharge_status", pre+"discharge_status", dischargeStatus, false)
	c.Diagnoses = r.codes(m, "diagnoses", pre+"diagnoses")
	c.Procedures = r.codes(m, "procedures", pre+"procedures")
	c.Dept = r.optString(m, "dept", pre+"dept")
	c.CrossRegion = r.enum(m, "cross_region", pre+"cross_region", crossRegionKinds, false)
	if c.CrossRegion == "" {
		c.CrossRegion = "none"
	}
	if v, ok := m["newborn"]; ok && v != nil {
		nb, isObj := v.(map[string]any)
		if !isObj {
			r.bad(pre+"newborn", "must be an object")
		} else {
			c.Newborn = &Newborn{
				AgeDays:        r.integer(nb, "age_days", pre+"newborn.age_days", 0, 365),
				HasAgeDays:     nb["age_days"] != nil,
				BirthWeightG:   r.integer(nb, "birth_weight_g", pre+"newborn.birth_weight_g", 1, 10000),
				HasBirthWeight: nb["birth_weight_g"] != nil,
			}
		}
	}
	if v, ok := m["referral"]; ok && v != nil {
		rf, isObj := v.(map[string]any)
		if !isObj {
			r.bad(pre+"referral", "must be an object")
		} else {
			c.Referral = &Referral{
				FromProviderID: r.id(rf, "from_provider_id", pre+"referral.from_provider_id", false),
				FromClaimID:    r.id(rf, "from_claim_id", pre+"referral.from_claim_id", false),
				Direction:      r.enum(rf, "direction", pre+"referral.direction", directions, false),
				Approved:       r.boolean(rf, "approved", pre+"referral.approved"),
			}
		}
	}
	c.Total, c.hasTotal = r.dec(m, "total", pre+"total", true)
	switch v := m["lines"].(type) {
	case nil:
		r.missing(pre + "lines")
	case []any:
		if len(v) == 0 {
			r.missing(pre + "lines")
		}
		c.Lines = make([]Line, 0, len(v))
		for i, lv := range v {
			lp := fmt.Sprintf("%slines[%d].", pre, i)
			lm, isObj := lv.(map[string]any)
			if !isObj {
				r.bad(lp[:len(lp)-1], "must be an object")
				continue
			}
			c.Lines = append(c.Lines, r.line(lm, lp, i))
		}
	default:
		r.bad(pre+"lines", "must be an array")
	}
	return c
}

func (r *reader) line(m map[string]any, pre string, i int) Line {
	l := Line{LineNo: i + 1}
	if _, ok := m["line_no"]; ok {
		l.LineNo = r.integer(m, "line_no", pre+"line_no", 0, 1<<31-1)
	}
	l.ItemCode = r.id(m, "item_code", pre+"item_code", true)
	l.Category = r.enum(m, "category", pre+"category", lineCategories, false)
	l.ServiceDate = r.date(m, "service_date", pre+"service_date", true)
	l.Quantity, l.hasQty = r.dec(m, "quantity", pre+"quantity", true)
	l.UnitPrice, l.hasPrice = r.dec(m, "unit_price", pre+"unit_price", true)
	l.Amount, l.hasAmount = r.dec(m, "amount", pre+"amount", true)
	l.PractitionerID = r.id(m, "practitioner_id", pre+"practitioner_id", false)
	l.Hours, _ = r.dec(m, "hours", pre+"hours", false)
	if present(m, "days_supply") {
		l.DaysSupply = r.integer(m, "days_supply", pre+"days_supply", 1, MaxDaysSupply)
	}
	if present(m, "trace_codes") {
		l.TraceCodes = r.traceCodes(m, "trace_codes", pre+"trace_codes")
	}
	return l
}

// traceCodes reads a line's national traceability codes (药品追溯码, FRAUD.md §8): 20 digits
// each.
func (r *reader) traceCodes(m map[string]any, k, path string) []string {
	codes := r.codes(m, k, path)
	for i, c := range codes {
		if len(c) != 20 || strings.Trim(c, "0123456789") != "" {
			r.bad(fmt.Sprintf("%s[%d]", path, i), "a traceability code is 20 digits, got "+strconv.Quote(c))
		}
	}
	return codes
}

// id reads an identifier: a string of at most 64 printable characters.
func (r *reader) id(m map[string]any, k, path string, required bool) string {
	v, ok := m[k]
	if !ok || v == nil || v == "" {
		if required {
			r.missing(path)
		}
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		r.bad(path, "must be a string")
		return ""
	}
	if len([]rune(s)) > maxIDLen {
		r.bad(path, fmt.Sprintf("longer than %d characters", maxIDLen))
		return ""
	}
	for _, ch := range s {
		if !unicode.IsPrint(ch) {
			r.bad(path, "contains a non-printable character")
			return ""
		}
	}
	return s
}

func (r *reader) optString(m map[string]any, k, path string) string {
	v, ok := m[k]
	if !ok || v == nil {
		return ""
	}
	s, isStr := v.(string)
	if !isStr {
		r.bad(path, "must be a string")
	}
	return s
}

func (r *reader) enum(m map[string]any, k, path string, allowed map[string]bool, required bool) string {
	v, ok := m[k]
	if !ok || v == nil || v == "" {
		if required {
			r.missing(path)
		}
		return ""
	}
	s, isStr := v.(string)
	if !isStr || !allowed[s] {
		names := make([]string, 0, len(allowed))
		for n := range allowed {
			names = append(names, n)
		}
		sort.Strings(names)
		r.bad(path, fmt.Sprintf("%v is not one of %v", v, names))
		return ""
	}
	return s
}

func (r *reader) date(m map[string]any, k, path string, required bool) time.Time {
	v, ok := m[k]
	if !ok || v == nil || v == "" {
		if required {
			r.missing(path)
		}
		return time.Time{}
	}
	s, isStr := v.(string)
	if !isStr {
		r.bad(path, "must be a date string YYYY-MM-DD")
		return time.Time{}
	}
	t, err := time.Parse(dateLayout, s)
	if err != nil {
		r.bad(path, fmt.Sprintf("%q is not a date YYYY-MM-DD", s))
		return time.Time{}
	}
	return t
}

func (r *reader) boolean(m map[string]any, k, path string) bool {
	v, ok := m[k]
	if !ok || v == nil {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		r.bad(path, "must be true or false")
	}
	return b
}

func (r *reader) integer(m map[string]any, k, path string, lo, hi int64) int {
	v, ok := m[k]
	if !ok || v == nil {
		return 0
	}
	n, isNum := v.(json.Number)
	if !isNum {
		r.bad(path, "must be a whole number")
		return 0
	}
	i, err := strconv.ParseInt(string(n), 10, 64)
	if err != nil || i < lo || i > hi {
		r.bad(path, fmt.Sprintf("%s is not a whole number from %d to %d", n, lo, hi))
		return 0
	}
	return int(i)
}

func (r *reader) codes(m map[string]any, k, path string) []string {
	v, ok := m[k]
	if !ok || v == nil {
		return nil
	}
	arr, isArr := v.([]any)
	if !isArr {
		r.bad(path, "must be an array of codes")
		return nil
	}
	out := make([]string, 0, len(arr))
	for i, e := range arr {
		s, isStr := e.(string)
		if !isStr || s == "" || len(s) > maxIDLen {
			r.bad(fmt.Sprintf("%s[%d]", path, i), "must be a non-empty code string")
			continue
		}
		out = append(out, s)
	}
	return out
}

// dec reads an exact decimal from a JSON string or number.
func (r *reader) dec(m map[string]any, k, path string, required bool) (decimal.Decimal, bool) {
	v, ok := m[k]
	if !ok || v == nil || v == "" {
		if required {
			r.missing(path)
		}
		return decimal.Zero, false
	}
	d, err := ParseDecimal(v)
	if err != nil {
		r.bad(path, err.Error())
		return decimal.Zero, false
	}
	return d, true
}

// ParseDecimal parses a JSON string or json.Number exactly, refusing non-finite values and
// exponents beyond what the database's numeric type holds.
func ParseDecimal(v any) (decimal.Decimal, error) {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case json.Number:
		s = string(x)
	default:
		return decimal.Zero, fmt.Errorf("%v is not a decimal", v)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, fmt.Errorf("%q is not a finite decimal", s)
	}
	// The coefficient has no more digits than the literal has characters: count them only
	// for a literal long enough to matter.
	if e := d.Exponent(); e > maxExponent || e < -maxExponent || (len(s) > maxDigitCount && len(d.Coefficient().String()) > maxDigitCount) {
		return decimal.Zero, fmt.Errorf("%q is out of range", s)
	}
	return d, nil
}
