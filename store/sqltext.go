package store

// How values are handed to PostgreSQL.

import (
	"strings"
	"unicode/utf8"

	"medclaims/claim"
)

// text makes a string storable in a text column: PostgreSQL refuses NUL and invalid UTF-8.
func text(s string) string {
	if strings.IndexByte(s, 0) < 0 && utf8.ValidString(s) {
		return s
	}
	return strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", ""), "\uFFFD")
}

// amount renders an amount for a numeric column with the scale results show ("12.50").
func amount(m *claim.Money) string {
	if m == nil {
		return "0.00"
	}
	return m.String()
}

// jsonArray joins JSON documents into one JSON array: large documents travel as one
// parameter instead of an escaped text[] literal.
func jsonArray(docs [][]byte) string {
	n := 2
	for _, d := range docs {
		n += len(d) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, d := range docs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, d...)
	}
	return string(append(b, ']'))
}
