package claim

import (
	"encoding/csv"
	"io"
	"regexp"
)

// plainNumber is a decimal as this project writes money and counts ("-654201.72"): a cell
// like it is a number to a spreadsheet, never a formula.
var plainNumber = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// InertCell neutralises text that a spreadsheet would run as a formula (OWASP's rule for
// CSV injection): a cell that begins with '=', '+', '-', '@', a tab or a carriage return,
// and is not a plain number, gets a leading apostrophe, so it shows as the text it is.
func InertCell(s string) string {
	if s == "" || plainNumber.MatchString(s) {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// CSVWriter writes CSV whose every cell is inert (InertCell); it still reads back with
// encoding/csv as written.
type CSVWriter struct{ *csv.Writer }

// NewCSVWriter returns a CSVWriter on w.
func NewCSVWriter(w io.Writer) CSVWriter { return CSVWriter{csv.NewWriter(w)} }

// Write writes one record with its cells made inert.
func (w CSVWriter) Write(record []string) error {
	safe := make([]string, len(record))
	for i, c := range record {
		safe[i] = InertCell(c)
	}
	return w.Writer.Write(safe)
}
