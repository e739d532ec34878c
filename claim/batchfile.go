package claim

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// CSVColumns are the columns of the claim CSV format: one row per claim line; consecutive
// rows with the same provider_id and claim_id form one claim, whose claim-level columns
// are taken from its first row. diagnoses and procedures are "|"-separated.
var CSVColumns = []string{"kind", "claim_id", "provider_id", "member_id", "care_type", "ward_type", "admitted", "discharged",
	"service_date", "emergency", "discharge_status", "diagnoses", "procedures", "dept", "cross_region",
	"referral_from_provider_id", "referral_from_claim_id", "referral_direction", "referral_approved",
	"newborn_age_days", "newborn_birth_weight_g", "total",
	"line_no", "item_code", "category", "line_service_date", "quantity", "unit_price", "amount", "practitioner_id", "hours"}

// ReadBatch reads a batch file — a JSON array, JSON lines, or CSV (CONTRACT.md) — and
// returns each item's bytes as given (claims or submission envelopes). A JSON-lines line
// that is not valid JSON is returned as is, so it reaches the DLQ rather than vanishing.
func ReadBatch(r io.Reader) ([][]byte, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	first, err := firstByte(br)
	if err != nil {
		return nil, err
	}
	switch first {
	case '[':
		var items []json.RawMessage
		dec := json.NewDecoder(br)
		if err := dec.Decode(&items); err != nil {
			return nil, fmt.Errorf("read JSON array: %w", err)
		}
		out := make([][]byte, len(items))
		for i, it := range items {
			out[i] = []byte(it)
		}
		return out, nil
	case '{':
		var out [][]byte
		sc := bufio.NewScanner(br)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		for sc.Scan() {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			out = append(out, append([]byte(nil), line...))
		}
		if err := sc.Err(); err != nil {
			return nil, fmt.Errorf("read JSON lines: %w", err)
		}
		return out, nil
	default:
		return readCSV(br)
	}
}

func firstByte(br *bufio.Reader) (byte, error) {
	for {
		b, err := br.ReadByte()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return 0, errors.New("the batch file is empty")
			}
			return 0, err
		}
		if b == 0xEF { // UTF-8 byte-order mark
			br.ReadByte()
			br.ReadByte()
			continue
		}
		if !strings.ContainsRune(" \t\r\n", rune(b)) {
			return b, br.UnreadByte()
		}
	}
}

func readCSV(r io.Reader) ([][]byte, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read CSV header: %w", err)
	}
	col := map[string]int{}
	known := map[string]bool{}
	for _, c := range CSVColumns {
		known[c] = true
	}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if !known[h] {
			line, c := cr.FieldPos(i)
			return nil, fmt.Errorf("CSV line %d column %d: unknown column %q", line, c, h)
		}
		col[h] = i
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out [][]byte
	var cur map[string]any
	var curKey string
	flush := func() {
		if cur != nil {
			b, _ := json.Marshal(cur)
			out = append(out, b)
		}
		cur = nil
	}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		key := get(rec, "provider_id") + "\x00" + get(rec, "claim_id")
		if cur == nil || key != curKey {
			flush()
			curKey = key
			cur = csvClaim(rec, get)
		}
		line := map[string]any{}
		for _, f := range [][2]string{{"line_no", "line_no"}, {"item_code", "item_code"}, {"category", "category"},
			{"line_service_date", "service_date"}, {"quantity", "quantity"}, {"unit_price", "unit_price"},
			{"amount", "amount"}, {"practitioner_id", "practitioner_id"}, {"hours", "hours"}} {
			if v := get(rec, f[0]); v != "" {
				if f[0] == "line_no" {
					line[f[1]] = json.Number(v)
				} else {
					line[f[1]] = v
				}
			}
		}
		if len(line) > 0 {
			if c, ok := cur["claim"].(map[string]any); ok {
				c["lines"] = append(c["lines"].([]any), line)
			}
		}
	}
	flush()
	return out, nil
}

func csvClaim(rec []string, get func([]string, string) string) map[string]any {
	c := map[string]any{"lines": []any{}}
	for _, f := range []string{"claim_id", "provider_id", "member_id", "care_type", "ward_type", "admitted", "discharged",
		"service_date", "discharge_status", "dept", "cross_region", "total"} {
		if v := get(rec, f); v != "" {
			c[f] = v
		}
	}
	switch v := get(rec, "emergency"); v {
	case "true", "false":
		c["emergency"] = v == "true"
	case "":
	default:
		c["emergency"] = v // reported as malformed
	}
	for _, f := range []string{"diagnoses", "procedures"} {
		if v := get(rec, f); v != "" {
			c[f] = strings.Split(v, "|")
		}
	}
	if p := get(rec, "referral_from_provider_id"); p != "" {
		ref := map[string]any{"from_provider_id": p, "from_claim_id": get(rec, "referral_from_claim_id"),
			"direction": get(rec, "referral_direction"), "approved": get(rec, "referral_approved") == "true"}
		c["referral"] = ref
	}
	if a := get(rec, "newborn_age_days"); a != "" {
		c["newborn"] = map[string]any{"age_days": json.Number(a), "birth_weight_g": json.Number(orZero(get(rec, "newborn_birth_weight_g")))}
	}
	kind := get(rec, "kind")
	if kind == "" {
		kind = KindClaim
	}
	return map[string]any{"kind": kind, "claim": c}
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}

// Envelope wraps a batch item as a submission envelope with the batch id (a bare claim
// becomes {"kind":"claim",...}; an envelope keeps its kind and gains the batch id when it
// has none) and returns it with its Kafka key, the member id. Bytes that are not a JSON
// object are returned unchanged with an empty key: the consumer sends them to the DLQ.
func Envelope(item []byte, batchID string) (value, key []byte) {
	var top struct {
		Kind     json.RawMessage `json:"kind"`
		BatchID  json.RawMessage `json:"batch_id"`
		Claim    json.RawMessage `json:"claim"`
		MemberID any             `json:"member_id"`
	}
	trimmed := bytes.TrimSpace(item)
	if len(trimmed) == 0 || trimmed[0] != '{' || json.Unmarshal(trimmed, &top) != nil {
		return item, nil
	}
	bid, _ := json.Marshal(batchID)
	if top.Kind == nil && top.Claim == nil { // a bare claim: wrap it byte for byte
		member, _ := top.MemberID.(string)
		v := make([]byte, 0, len(trimmed)+len(bid)+40)
		v = append(v, `{"kind":"claim","batch_id":`...)
		v = append(v, bid...)
		v = append(v, `,"claim":`...)
		v = append(v, trimmed...)
		return append(v, '}'), []byte(member)
	}
	member := memberOf(top.Claim)
	if member == "" {
		member, _ = top.MemberID.(string)
	}
	if top.BatchID != nil {
		return trimmed, []byte(member)
	}
	// An envelope without a batch id: add it in front, keeping every other byte.
	v := make([]byte, 0, len(trimmed)+len(bid)+16)
	v = append(v, `{"batch_id":`...)
	v = append(v, bid...)
	rest := bytes.TrimSpace(trimmed[1:])
	if len(rest) > 0 && rest[0] != '}' {
		v = append(v, ',')
	}
	return append(v, rest...), []byte(member)
}

func memberOf(raw json.RawMessage) string {
	var ids struct {
		MemberID any `json:"member_id"`
	}
	if json.Unmarshal(raw, &ids) != nil {
		return ""
	}
	s, _ := ids.MemberID.(string)
	return s
}
