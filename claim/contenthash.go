package claim

// The content hash: JSON-value equality with decimals compared numerically (POLICY.md §9.4).

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// decimalFields are the claim keys whose values compare numerically.
var decimalFields = map[string]bool{"total": true, "quantity": true, "unit_price": true, "amount": true, "hours": true}

// contentHash hashes the canonical form of a claim object: keys sorted, decimals
// normalised, so "30" and "30.00" hash alike (POLICY.md §9.4).
func contentHash(obj map[string]any) string {
	buf := appendCanonical(make([]byte, 0, 2048), obj, false)
	sum := sha256.Sum256(buf)
	return hex.EncodeToString(sum[:])
}

// appendCanonical appends a canonical, unambiguous encoding of a decoded JSON value.
func appendCanonical(b []byte, v any, decimalField bool) []byte {
	switch x := v.(type) {
	case map[string]any:
		var stack [32]string
		keys := stack[:0]
		for k := range x {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		b = append(b, '{')
		for _, k := range keys {
			b = appendString(b, k)
			b = append(b, ':')
			b = appendCanonical(b, x[k], decimalFields[k])
			b = append(b, ',')
		}
		return append(b, '}')
	case []any:
		b = append(b, '[')
		for _, e := range x {
			b = appendCanonical(b, e, false)
			b = append(b, ',')
		}
		return append(b, ']')
	case json.Number:
		return appendNumber(b, string(x))
	case string:
		if decimalField {
			if n, ok := normalizePlain(x); ok {
				return append(append(b, '#'), n...)
			}
			if _, err := decimal.NewFromString(x); err == nil {
				return appendNumber(b, x)
			}
		}
		return appendString(b, x)
	case bool:
		if x {
			return append(b, "true"...)
		}
		return append(b, "false"...)
	default:
		return append(b, "null"...)
	}
}

func appendString(b []byte, s string) []byte {
	b = append(b, 's')
	b = strconv.AppendInt(b, int64(len(s)), 10)
	b = append(b, ':')
	return append(b, s...)
}

func appendNumber(b []byte, s string) []byte {
	if n, ok := normalizePlain(s); ok {
		b = append(b, '#')
		return append(b, n...)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return appendString(b, s)
	}
	b = append(b, '#')
	return append(b, d.String()...)
}

// normalizePlain normalises a plain decimal literal ([-]digits[.digits], no exponent) the
// way decimal.String would, without big-integer arithmetic: no leading zeros, no trailing
// fractional zeros, "-0" is "0". ok is false for anything else.
func normalizePlain(s string) (string, bool) {
	neg := strings.HasPrefix(s, "-")
	body := strings.TrimPrefix(s, "-")
	if body == "" {
		return "", false
	}
	intPart, frac, hasDot := strings.Cut(body, ".")
	if intPart == "" || (hasDot && frac == "") {
		return "", false
	}
	for _, part := range []string{intPart, frac} {
		for i := 0; i < len(part); i++ {
			if part[i] < '0' || part[i] > '9' {
				return "", false
			}
		}
	}
	intPart = strings.TrimLeft(intPart, "0")
	frac = strings.TrimRight(frac, "0")
	if intPart == "" {
		intPart = "0"
	}
	if !hasDot && !neg && len(intPart) == len(body) { // already normal: no allocation
		return s, true
	}
	if neg && intPart != "0" && frac == "" && len(intPart) == len(body) {
		return s, true
	}
	out := intPart
	if frac != "" {
		out += "." + frac
	}
	if out == "0" {
		return out, true
	}
	if neg {
		out = "-" + out
	}
	return out, true
}
