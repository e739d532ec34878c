package claim

import (
	"bytes"
	"strconv"
	"strings"
)

// duplicateKeys returns the paths of keys that appear twice in one object of a valid JSON
// document ("claim.lines[3].amount"). encoding/json keeps the last value silently; a claim
// that says two things at once is malformed instead.
func duplicateKeys(b []byte) []string {
	type frame struct {
		obj       bool
		keyStart  int // this object's keys start at keys[keyStart]
		key       []byte
		index     int
		expectKey bool
	}
	var stackBuf [16]frame
	var keysBuf [64][]byte
	stack, keys := stackBuf[:0], keysBuf[:0]
	var dups []string
	for i := 0; i < len(b); i++ {
		switch c := b[i]; c {
		case '{':
			stack = append(stack, frame{obj: true, keyStart: len(keys), expectKey: true})
		case '[':
			stack = append(stack, frame{keyStart: len(keys)})
		case '}', ']':
			if n := len(stack); n > 0 {
				keys = keys[:stack[n-1].keyStart]
				stack = stack[:n-1]
			}
		case ',':
			if n := len(stack); n > 0 {
				if stack[n-1].obj {
					stack[n-1].expectKey = true
				} else {
					stack[n-1].index++
				}
			}
		case '"':
			end := stringEnd(b, i)
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].expectKey {
				f := &stack[n-1]
				k := unquoteKey(b[i+1 : end])
				for _, seen := range keys[f.keyStart:] {
					if bytes.Equal(seen, k) {
						f.key = k
						dups = append(dups, framePath(len(stack), func(j int) (bool, []byte, int) {
							return stack[j].obj, stack[j].key, stack[j].index
						}))
						break
					}
				}
				keys = append(keys, k)
				f.key, f.expectKey = k, false
			}
			i = end
		}
	}
	return dups
}

// stringEnd returns the index of the quote closing the string that opens at b[i].
func stringEnd(b []byte, i int) int {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j
		}
	}
	return len(b) - 1
}

func unquoteKey(raw []byte) []byte {
	if bytes.IndexByte(raw, '\\') < 0 {
		return raw
	}
	s, err := strconv.Unquote(`"` + string(raw) + `"`)
	if err != nil {
		return raw
	}
	return []byte(s)
}

// framePath renders the path to the current key: object keys joined by dots, array
// positions in brackets.
func framePath(n int, at func(int) (bool, []byte, int)) string {
	var sb strings.Builder
	for j := 0; j < n; j++ {
		obj, key, index := at(j)
		if obj {
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.Write(key)
		} else {
			sb.WriteString("[" + strconv.Itoa(index) + "]")
		}
	}
	return sb.String()
}
