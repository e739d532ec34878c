package policy

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Error is one defect of a bundle, located by file, line and column (1-based).
type Error struct {
	File string
	Line int
	Col  int
	Msg  string
}

func (e Error) Error() string { return fmt.Sprintf("%s:%d:%d: %s", e.File, e.Line, e.Col, e.Msg) }

// BundleError lists every defect found; a bundle with any defect is refused whole.
type BundleError struct{ Errs []Error }

func (e *BundleError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "policy bundle refused (%d error(s), nothing applied):", len(e.Errs))
	for _, x := range e.Errs {
		b.WriteString("\n  ")
		b.WriteString(x.Error())
	}
	return b.String()
}

// lineCol converts a byte offset into a 1-based line and column (columns count runes).
func lineCol(data []byte, off int64) (int, int) {
	if off > int64(len(data)) {
		off = int64(len(data))
	}
	before := data[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	start := bytes.LastIndexByte(before, '\n') + 1
	return line, len([]rune(string(before[start:]))) + 1
}

// jsonIndex maps each value's path ("schemes.resident.inpatient.levels.3.bands[0].ratio")
// to the byte offset where the value starts, so semantic errors can name line and column.
func jsonIndex(data []byte) map[string]int64 {
	idx := map[string]int64{}
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string) error
	walk = func(path string) error {
		off := dec.InputOffset()
		for off < int64(len(data)) && strings.ContainsRune(" \t\r\n,:", rune(data[off])) {
			off++
		}
		idx[path] = off
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		d, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		switch d {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				k, _ := kt.(string)
				if err := walk(join(path, k)); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				if err := walk(path + "[" + strconv.Itoa(i) + "]"); err != nil {
					return err
				}
			}
		}
		_, err = dec.Token()
		return err
	}
	_ = walk("")
	return idx
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}
