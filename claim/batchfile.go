package claim

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// Item is one claim or submission envelope read from a batch file, with where it stands.
type Item struct {
	Bytes []byte
	Where string // "item 3 (line 12)", "line 12", "CSV lines 5–7"
}

// BatchReader reads a batch file — a JSON array, JSON values one after another (JSON lines,
// or one pretty-printed object), or CSV (CONTRACT.md) — one item at a time, so a large
// file is never held whole. Input that cannot be split into items is an error naming its
// line and column; a JSON-lines line that is not JSON is returned as is, so it reaches the
// DLQ (or the caller's report) rather than vanishing.
type BatchReader struct {
	in    *posReader
	mode  byte // '[' array, '{' values, 'c' CSV
	n     int
	done  bool
	csv   *csvBatch
	empty bool
}

// NewBatchReader sniffs the format from the first byte that is not white space.
func NewBatchReader(r io.Reader) (*BatchReader, error) {
	in := &posReader{r: bufio.NewReaderSize(r, 1<<20), line: 1, col: 1}
	if err := in.skipBOM(); err != nil {
		return nil, err
	}
	if err := in.skipSpace(); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("the batch file is empty")
		}
		return nil, err
	}
	b, err := in.peek()
	if err != nil {
		return nil, err
	}
	br := &BatchReader{in: in}
	switch b {
	case '[':
		br.mode = '['
		_, _ = in.next()
	case '{':
		br.mode = '{'
	default:
		br.mode = 'c'
		if br.csv, err = newCSVBatch(in.r, in.line-1); err != nil {
			return nil, err
		}
	}
	return br, nil
}

// Next returns the next item, or io.EOF after the last.
func (b *BatchReader) Next() (Item, error) {
	if b.done {
		return Item{}, io.EOF
	}
	var it Item
	var err error
	switch b.mode {
	case '[':
		it, err = b.nextElement()
	case '{':
		it, err = b.nextValue()
	default:
		it, err = b.csv.next()
	}
	if err != nil {
		b.done = true
		if errors.Is(err, io.EOF) && b.n == 0 && b.mode == '[' {
			return Item{}, io.EOF // an empty array is an empty batch
		}
		return Item{}, err
	}
	b.n++
	return it, nil
}

// ReadBatch reads every item of a batch file.
func ReadBatch(r io.Reader) ([][]byte, error) {
	br, err := NewBatchReader(r)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		it, err := br.Next()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, it.Bytes)
	}
}

// nextElement reads one element of the top-level array; after "]" only white space may
// follow.
func (b *BatchReader) nextElement() (Item, error) {
	in := b.in
	if err := in.skipSpace(); err != nil {
		return Item{}, in.errf("the JSON array is not closed with ]")
	}
	c, _ := in.peek()
	if b.n > 0 {
		switch c {
		case ',':
			_, _ = in.next()
			if err := in.skipSpace(); err != nil {
				return Item{}, in.errf("the JSON array is not closed with ]")
			}
			if c, _ = in.peek(); c == ']' {
				return Item{}, in.errf("a comma before ] (trailing comma)")
			}
		case ']':
			return Item{}, b.endArray()
		default:
			return Item{}, in.errf("expected , or ] after array item %d, found %q", b.n, c)
		}
	} else if c == ']' {
		return Item{}, b.endArray()
	}
	line := in.line
	v, err := in.value()
	if err != nil {
		return Item{}, err
	}
	return Item{Bytes: v, Where: fmt.Sprintf("item %d (line %d)", b.n+1, line)}, nil
}

func (b *BatchReader) endArray() error {
	in := b.in
	_, _ = in.next() // ]
	if err := in.skipSpace(); errors.Is(err, io.EOF) {
		return io.EOF
	}
	return in.errf("trailing content after the JSON array (a batch file holds one array, or one JSON value per line)")
}

// nextValue reads one top-level JSON value: a line of JSON lines, or a value spread over
// several lines (a pretty-printed claim). A line that is valid JSON alone is one item; a
// line whose JSON is merely incomplete starts a value that continues on the next lines; any
// other line is returned as is (it is not JSON: the DLQ or the caller reports it). Nothing
// may follow a value on its line.
func (b *BatchReader) nextValue() (Item, error) {
	in := b.in
	if err := in.skipSpace(); err != nil {
		return Item{}, err // io.EOF: done
	}
	line, col := in.line, in.col
	where := fmt.Sprintf("line %d", line)
	text, err := in.restOfLine()
	if err != nil {
		return Item{}, err
	}
	text = bytes.TrimRight(text, " \t\r")
	if text[0] != '{' && text[0] != '[' {
		return Item{Bytes: text, Where: where}, nil
	}
	var raw json.RawMessage
	err = json.Unmarshal(text, &raw)
	var se *json.SyntaxError
	switch {
	case err == nil:
		return Item{Bytes: text, Where: where}, nil
	case errors.As(err, &se) && strings.Contains(se.Error(), "after top-level value"):
		return Item{}, &PositionError{Line: line, Col: col + int(se.Offset) - 1,
			Msg: "more content after the JSON value on the same line (one claim per line, or one JSON array)"}
	case !errors.As(err, &se) || se.Error() != "unexpected end of JSON input":
		return Item{Bytes: text, Where: where}, nil // a bad line: kept whole for the DLQ
	}
	v, err := in.valueFrom(append(text, '\n'), line, col)
	if err != nil {
		return Item{}, err
	}
	last := in.line
	if err := in.endOfLine(); err != nil {
		return Item{}, err
	}
	return Item{Bytes: v, Where: fmt.Sprintf("lines %d–%d", line, last)}, nil
}

// posReader reads bytes and knows the line and column of the next one.
type posReader struct {
	r         *bufio.Reader
	line, col int
}

func (p *posReader) peek() (byte, error) {
	b, err := p.r.Peek(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (p *posReader) next() (byte, error) {
	c, err := p.r.ReadByte()
	if err != nil {
		return 0, err
	}
	if c == '\n' {
		p.line, p.col = p.line+1, 1
	} else {
		p.col++
	}
	return c, nil
}

func (p *posReader) skipBOM() error {
	b, err := p.r.Peek(3)
	if err == nil && bytes.Equal(b, []byte{0xEF, 0xBB, 0xBF}) {
		_, err = p.r.Discard(3)
		return err
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// skipSpace skips white space; io.EOF at the end of input.
func (p *posReader) skipSpace() error {
	for {
		c, err := p.peek()
		if err != nil {
			return err
		}
		if !isSpace(c) {
			return nil
		}
		_, _ = p.next()
	}
}

// restOfLine reads up to and including the next newline (or the end of input) and returns
// the line without it.
func (p *posReader) restOfLine() ([]byte, error) {
	var out []byte
	for {
		chunk, err := p.r.ReadSlice('\n')
		out = append(out, chunk...)
		switch {
		case err == nil:
			p.line, p.col = p.line+1, 1
			return out[:len(out)-1], nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			p.col += len(out)
			return out, nil
		default:
			return nil, err
		}
	}
}

// endOfLine requires white space up to the end of the line.
func (p *posReader) endOfLine() error {
	for {
		c, err := p.peek()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if c == '\n' {
			_, _ = p.next()
			return nil
		}
		if !isSpace(c) {
			return p.errf("more content after the JSON value on the same line (one claim per line, or one JSON array)")
		}
		_, _ = p.next()
	}
}

// PositionError is input that cannot be split into items, with where it stands.
type PositionError struct {
	Line, Col int
	Msg       string
}

func (e *PositionError) Error() string {
	return fmt.Sprintf("line %d column %d: %s", e.Line, e.Col, e.Msg)
}

func (p *posReader) errf(format string, args ...any) error {
	return &PositionError{Line: p.line, Col: p.col, Msg: fmt.Sprintf(format, args...)}
}

// value reads one JSON value: an object or array to its matching bracket (strings
// respected), a string, or a scalar; then checks it is valid JSON.
func (p *posReader) value() ([]byte, error) { return p.valueFrom(nil, p.line, p.col) }

// valueFrom is value with the first bytes of the value already read (from line, col).
func (p *posReader) valueFrom(prefix []byte, line, col int) ([]byte, error) {
	var sc valueScanner
	done := false
	for _, c := range prefix {
		done = sc.feed(c)
	}
	for !done {
		c, err := p.peek()
		if errors.Is(err, io.EOF) {
			if sc.depth > 0 || sc.inString {
				return nil, &PositionError{Line: line, Col: col, Msg: "the JSON value starting here is not complete"}
			}
			break
		}
		if err != nil {
			return nil, err
		}
		if sc.scalarEnds(c) {
			break
		}
		_, _ = p.next()
		done = sc.feed(c)
	}
	return sc.out, checkValue(sc.out, line, col)
}

// valueScanner finds the end of one JSON value without parsing it.
type valueScanner struct {
	out               []byte
	depth             int
	inString, escaped bool
}

// scalarEnds reports whether c ends a number or literal value.
func (s *valueScanner) scalarEnds(c byte) bool {
	return s.depth == 0 && !s.inString && len(s.out) > 0 && s.out[0] != '"' && (isSpace(c) || c == ',' || c == ']' || c == '}')
}

// feed adds a byte and reports whether the value is complete.
func (s *valueScanner) feed(c byte) bool {
	s.out = append(s.out, c)
	switch {
	case s.inString && s.escaped:
		s.escaped = false
	case s.inString && c == '\\':
		s.escaped = true
	case c == '"':
		s.inString = !s.inString
		return !s.inString && s.depth == 0
	case s.inString:
	case c == '{' || c == '[':
		s.depth++
	case c == '}' || c == ']':
		s.depth--
		return s.depth <= 0
	}
	return false
}

// checkValue validates a JSON value and names the line and column of a syntax error.
func checkValue(v []byte, line, col int) error {
	if json.Valid(v) {
		return nil
	}
	var raw json.RawMessage
	err := json.Unmarshal(v, &raw)
	off := len(v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off = min(int(se.Offset), len(v))
	}
	l, c := line, col
	for _, b := range v[:max(off-1, 0)] {
		if b == '\n' {
			l, c = l+1, 1
		} else {
			c++
		}
	}
	msg := "not valid JSON"
	if err != nil {
		msg = "not valid JSON: " + err.Error()
	}
	return &PositionError{Line: l, Col: c, Msg: msg}
}
